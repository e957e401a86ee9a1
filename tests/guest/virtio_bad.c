/* Malformed virtqueue input from the driver: each case must put the
 * device into NEEDS_RESET (status bit 64, configuration interrupt, no
 * used entry), the host prints one warning per case and keeps running,
 * and after a reset the device serves requests again.  Another device
 * (virtio-rng) keeps working throughout.  The image is never written
 * (run-virtio.py checks it).  Prints "expect-warnings N" for the runner. */
#include "virtio.h"
#include "smp.h"

static struct { uint32_t type, reserved; uint64_t sector; } hdr;
static uint8_t status, data[1024], rnd[16];
static struct vdesc table[16] __attribute__((aligned(16)));
static struct rt_vq vq, rq;
static uintptr_t base;
static unsigned warnings;

static void setup(void)
{
	uint32_t st = rt_vio_negotiate(base, VIO_F_VERSION_1 | VIO_F_INDIRECT, 0);
	rt_vq_init(&vq, base, 0, 8, 0);
	vio_wr(base, VIO_STATUS, st | VIO_S_DRIVER_OK);
}

/* Publish head `head` without touching the descriptors, and notify. */
static void publish(uint16_t head)
{
	vq.avail[2 + (vq.avail_idx % vq.num)] = head;
	__asm__ volatile("fence rw, rw" ::: "memory");
	vq.avail_idx++;
	vq.avail[1] = vq.avail_idx;
	__asm__ volatile("fence rw, rw" ::: "memory");
	vio_wr(base, VIO_QUEUE_NOTIFY, 0);
}

static int wait_needs_reset(void)
{
	while (!(vio_rd(base, VIO_STATUS) & VIO_S_NEEDS_RESET))
		;
	return 1;
}

static void expect_reset(const char *what)
{
	rt_check(what, wait_needs_reset(), 1);
	rt_check("config interrupt", vio_rd(base, VIO_ISR) & 2, 2);
	rt_check("nothing used", rt_vq_used_idx(&vq), 0);
	warnings++;
	setup();                                /* reset and start again */
}

static void desc(unsigned i, void *addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	vq.desc[i] = (struct vdesc){ (uintptr_t)addr, len, flags, next };
}

static void good_read(const char *what)
{
	struct rt_buf b[3] = { { &hdr, 16, 0 }, { data, 512, 1 },
			       { &status, 1, 1 } };
	hdr.type = 0;
	hdr.sector = 1;
	status = 0xff;
	rt_vq_submit(&vq, b, 3, 0);
	rt_check(what, rt_vq_wait(&vq, 0, 0) && status == 0, 1);
	vio_wr(base, VIO_ISR_ACK, 3);
}

static void rng_still_works(void)
{
	struct rt_buf b = { rnd, sizeof(rnd), 1 };
	uint32_t len = 0;
	rt_vq_submit(&rq, &b, 1, 0);
	rt_check("rng serves", rt_vq_wait(&rq, &len, 0) && len == 16, 1);
}

int main(unsigned long hartid, void *fdt)
{
	(void)hartid;
	(void)fdt;
	int slot = rt_vio_find(2), rslot = rt_vio_find(4);

	rt_group("setup");
	rt_check("blk found", slot >= 0, 1);
	rt_check("rng found", rslot >= 0, 1);
	if (slot < 0 || rslot < 0)
		return rt_finish();
	base = RT_VIO_BASE(slot);
	uint32_t st = rt_vio_negotiate(RT_VIO_BASE(rslot), VIO_F_VERSION_1, 0);
	rt_vq_init(&rq, RT_VIO_BASE(rslot), 0, 4, 1);
	vio_wr(RT_VIO_BASE(rslot), VIO_STATUS, st | VIO_S_DRIVER_OK);
	setup();
	good_read("good read first");

	rt_group("outside-ram");
	setup();
	desc(0, &hdr, 16, VDESC_NEXT, 1);
	desc(1, (void *)0x1000, 512, VDESC_NEXT | VDESC_WRITE, 2);  /* ROM */
	desc(2, &status, 1, VDESC_WRITE, 0);
	publish(0);
	expect_reset("buffer in ROM");
	desc(0, &hdr, 16, VDESC_NEXT, 1);
	desc(1, (void *)0x7ffff000, 0x2000, VDESC_NEXT | VDESC_WRITE, 2);
	desc(2, &status, 1, VDESC_WRITE, 0);
	publish(0);
	expect_reset("buffer straddling RAM's start");
	rng_still_works();

	rt_group("loop");
	desc(0, &hdr, 16, VDESC_NEXT, 1);
	desc(1, data, 512, VDESC_NEXT, 0);
	publish(0);
	expect_reset("0 -> 1 -> 0");
	desc(0, &hdr, 16, VDESC_NEXT, 0);
	publish(0);
	expect_reset("0 -> 0");

	rt_group("ring-indexes");
	vq.avail_idx += 20;                     /* more than the queue size */
	publish(0);
	expect_reset("avail idx jump");
	publish(50);                            /* head outside the queue */
	expect_reset("head 50 of 8");
	desc(0, &hdr, 16, VDESC_NEXT, 200);
	publish(0);
	expect_reset("next 200 of 8");

	rt_group("order");
	desc(0, &status, 1, VDESC_NEXT | VDESC_WRITE, 1);
	desc(1, &hdr, 16, 0, 0);
	publish(0);
	expect_reset("readable after writable");

	rt_group("indirect");
	desc(0, table, 24, VDESC_INDIRECT, 0);
	publish(0);
	expect_reset("table of 24 bytes");
	table[0] = (struct vdesc){ (uintptr_t)table, 32, VDESC_INDIRECT, 0 };
	desc(0, table, 32, VDESC_INDIRECT, 0);
	publish(0);
	expect_reset("nested indirect");
	for (unsigned i = 0; i < 16; i++)
		table[i] = (struct vdesc){ 0x80000000UL, 8u << 20,
					   VDESC_WRITE | (i < 15 ? VDESC_NEXT : 0),
					   (uint16_t)(i + 1) };
	desc(0, table, sizeof(table), VDESC_INDIRECT, 0);
	publish(0);
	expect_reset("128 MiB request");
	desc(0, table, 16, VDESC_INDIRECT | VDESC_NEXT, 1);
	publish(0);
	expect_reset("indirect with NEXT");

	rt_group("ring-outside-ram");
	vio_wr(base, VIO_QUEUE_SEL, 0);
	vio_wr(base, VIO_QUEUE_READY, 0);
	vio_wr(base, VIO_DESC_LO, 0x40000000);  /* nothing mapped there */
	vio_wr(base, VIO_QUEUE_READY, 1);
	rt_check("not ready", vio_rd(base, VIO_QUEUE_READY), 0);
	expect_reset("desc table at 0x40000000");

	rt_group("blk-request");
	desc(0, &hdr, 16, 0, 0);                /* no status byte */
	publish(0);
	expect_reset("request without status");

	rt_group("recovered");
	good_read("good read after the resets");
	rt_check("live", vio_rd(base, VIO_STATUS) & VIO_S_NEEDS_RESET, 0);
	rng_still_works();
	rt_puts("expect-warnings ");
	rt_put_udec(warnings);
	rt_putc('\n');
	return rt_finish();
}
