/* SMP (run with -smp 4): every hart hammers shared counters with amoadd.d,
 * lr.d/sc.d retry loops and an amoswap.w spinlock guarding a plain
 * read-modify-write, and sets its bit with amoor.d; hart 0 checks the exact
 * totals. Then the secondaries sleep in wfi (interrupts masked) and hart 0
 * wakes each one with a CLINT software interrupt (msip), which it must
 * acknowledge. Also: an sc.d fails after another hart stored to the
 * reserved address. Only hart 0 prints. Waits have no deadline (a lost
 * hart hangs; the runner's timeout is the hang guard). */
#include "insn.h"

#define HARTS 4
#define ITERS 20000

static volatile uint64_t amo_count, lrsc_count, locked_count, hart_mask;
static volatile uint64_t done, acks;
static volatile uint32_t lock;
static volatile uint64_t go[HARTS];
static volatile uint64_t resv_cell, resv_req, resv_ack;

static void spin_lock(void)
{
	uint32_t old;

	do {
		__asm__ volatile("amoswap.w.aq %0, %2, (%1)"
				 : "=r"(old) : "r"(&lock), "r"(1) : "memory");
	} while (old);
}

static void spin_unlock(void)
{
	__asm__ volatile("amoswap.w.rl x0, x0, (%0)" :: "r"(&lock) : "memory");
}

static void work(uint64_t hart)
{
	for (int i = 0; i < ITERS; i++) {
		__asm__ volatile("amoadd.d x0, %1, (%0)"
				 :: "r"(&amo_count), "r"(U(1)) : "memory");
		__asm__ volatile("1: lr.d t1, (%0)\n addi t1, t1, 1\n"
				 "sc.d t2, t1, (%0)\n bnez t2, 1b"
				 :: "r"(&lrsc_count) : "t1", "t2", "memory");
		if ((i & 7) == 0) {
			spin_lock();
			locked_count = locked_count + 1;
			spin_unlock();
		}
	}
	__asm__ volatile("amoor.d x0, %1, (%0)"
			 :: "r"(&hart_mask), "r"(U(1) << hart) : "memory");
	__asm__ volatile("amoadd.d x0, %1, (%0)" :: "r"(&done), "r"(U(1)) : "memory");
}

/* Hart 1 serves reservation-breaking stores: on request n it stores a new
 * value to resv_cell and acknowledges n. */
static void serve_stores(void)
{
	for (uint64_t n = 1; n <= 20; n++) {
		while (resv_req != n)
			;
		resv_cell = 1000 + n;
		__asm__ volatile("fence rw, rw" ::: "memory");
		resv_ack = n;
	}
}

void rt_secondary_main(uint64_t hart)
{
	if (hart >= HARTS)
		return;
	work(hart);
	if (hart == 1)
		serve_stores();
	/* Sleep until hart 0 raises our msip; MIE is 0 so wfi just wakes. */
	RT_CSR_SET(mie, 1UL << 3);
	while (!(RT_CSR_READ(mip) & (1UL << 3)))
		__asm__ volatile("wfi");
	RT_MMIO32(RT_CLINT_MSIP(hart)) = 0;
	if (go[hart])
		__asm__ volatile("amoadd.d x0, %1, (%0)" :: "r"(&acks), "r"(U(1)) : "memory");
}

/* Waits for *v to reach want; 1 when it is exactly want (no overshoot). */
static int wait_for(volatile uint64_t *v, uint64_t want)
{
	while (*v < want)
		;
	return *v == want;
}

int main(void)
{
	rt_group("smp-atomics");
	work(0);
	rt_check("all harts done", wait_for(&done, HARTS), 1);
	rt_check("amoadd.d total", amo_count, HARTS * ITERS);
	rt_check("lr/sc total", lrsc_count, HARTS * ITERS);
	rt_check("spinlock total", locked_count, HARTS * ITERS / 8);
	rt_check("amoor.d mask", hart_mask, (1 << HARTS) - 1);

	/* lr.d; another hart stores a different value; sc.d must fail. */
	rt_group("smp-reservation");
	{
		uint64_t fails = 0, ok = 1;

		for (uint64_t n = 1; n <= 20; n++) {
			uint64_t v, r;

			__asm__ volatile("lr.d %0, (%1)" : "=r"(v) : "r"(&resv_cell) : "memory");
			resv_req = n;
			while (resv_ack < n)
				;
			ok &= resv_ack == n;    /* one answer per request */
			__asm__ volatile("sc.d %0, %2, (%1)" : "=r"(r)
					 : "r"(&resv_cell), "r"(v + 1) : "memory");
			fails += r != 0;
		}
		rt_check("store server answered", ok, 1);
		rt_check("every sc.d failed", fails, 20);
		rt_check("cell holds the last remote store", resv_cell, 1020);
	}

	rt_group("smp-ipi");
	for (uint64_t h = 1; h < HARTS; h++) {
		go[h] = 1;
		__asm__ volatile("fence rw, rw" ::: "memory");
		RT_MMIO32(RT_CLINT_MSIP(h)) = 1;
	}
	rt_check("every hart woke and acked", wait_for(&acks, HARTS - 1), 1);
	return rt_finish();
}
