/* Every hart kicking at once: -smp 4 with four virtio-rng devices.  Hart
 * h drives the device in slot 7 - h through ROUNDS requests, and between
 * its own requests notifies every other device too (spurious kicks from
 * all harts at the same time).  Each hart checks that every request
 * completed with its full length and in order. */
#include "virtio.h"
#include "smp.h"

#define HARTS 4
#define ROUNDS 300

static struct rt_vq vq[HARTS];
static uint8_t buf[HARTS][64];
static volatile uint64_t done[HARTS], bad[HARTS];
/* Initialised in .data, not by hart 0 in main: the other harts reach the
 * barrier as soon as .bss is clear, and an arrival counted before a late
 * rt_barrier_init would be lost (the barrier then never completes). */
static struct rt_barrier bar = { .count = HARTS, .sense = 0, .n = HARTS };

static void run(unsigned h)
{
	uintptr_t base = RT_VIO_BASE(7 - h);
	uint32_t st = rt_vio_negotiate(base, VIO_F_VERSION_1 | VIO_F_EVENT_IDX, 0);
	uint32_t local = 0;

	if (!(st & VIO_S_FEATURES_OK))
		bad[h]++;
	rt_vq_init(&vq[h], base, 0, 4, h);
	vio_wr(base, VIO_STATUS, st | VIO_S_DRIVER_OK);
	rt_barrier_wait(&bar, &local);
	for (unsigned r = 0; r < ROUNDS; r++) {
		struct rt_buf b = { buf[h], 64, 1 };
		uint32_t len = 0, id = 99;
		rt_vq_submit(&vq[h], &b, 1, 0);
		for (unsigned o = 0; o < HARTS; o++)
			if (o != h)
				vio_wr(RT_VIO_BASE(7 - o), VIO_QUEUE_NOTIFY, 0);
		if (!rt_vq_wait(&vq[h], &len, &id) || len != 64 || id != 0)
			bad[h]++;
		vio_wr(base, VIO_ISR_ACK, vio_rd(base, VIO_ISR));
		done[h]++;
	}
	if (rt_vq_used_idx(&vq[h]) != ROUNDS)
		bad[h]++;
}

void rt_secondary_main(unsigned long hartid)
{
	if (hartid < HARTS)
		run((unsigned)hartid);
	for (;;)
		__asm__ volatile("wfi");
}

int main(unsigned long hartid, void *fdt)
{
	rt_group("smp-kicks");
	rt_check("harts", rt_fdt_cpu_count(fdt), HARTS);
	run((unsigned)hartid);
	for (unsigned h = 0; h < HARTS; h++)
		rt_check("hart finished", rt_wait_ge(&done[h], ROUNDS), ROUNDS);
	for (unsigned h = 0; h < HARTS; h++)
		rt_check("hart's requests all good", bad[h], 0);
	return rt_finish();
}
