/* Chaos-mode workload (run with -smp 4 -accel tcg,thread=multi,chaos=S by
 * tests/guest/chaos.py; also fine without chaos): every hart does ITERS
 * rounds of an lr.d/sc.d increment, an amoadd.d, an amoswap.w spinlock
 * around a plain read-modify-write, and one unprotected read-call-write
 * increment of `racy` (a lost-update window that spans a call).  Hart 0
 * checks the exact totals of the protected counters and prints how many
 * updates of `racy` were lost (varies from run to run: printed, never
 * checked; the runner reports it).
 *
 * Each round calls across a page (step() lives on its own 4 KiB page):
 * Loom never links a TB to one on another page (invariant L1), so every
 * round passes through the exec loop, where chaos mode's perturbations are
 * paced in retired instructions — the number of perturbations then
 * follows the guest's work, not the host's speed.  Waits have no deadline
 * (the runner's timeout is the hang guard). */
#include "insn.h"

#define HARTS 4
#define ITERS 20000

static volatile uint64_t lrsc_count, amo_count, locked_count, racy, done;
static volatile uint32_t lock;

/* On a page of its own: a call to it and its return cross pages. */
__attribute__((noinline, aligned(4096), section(".text.chaos_far")))
static uint64_t step(uint64_t v)
{
	__asm__ volatile("1: lr.d t1, (%0)\n addi t1, t1, 1\n"
			 "sc.d t2, t1, (%0)\n bnez t2, 1b"
			 :: "r"(&lrsc_count) : "t1", "t2", "memory");
	return v + 1;
}

static void work(void)
{
	for (int i = 0; i < ITERS; i++) {
		uint64_t t = racy;       /* the lost-update window opens */

		racy = step(t);          /* ... and closes after the call */
		__asm__ volatile("amoadd.d x0, %1, (%0)"
				 :: "r"(&amo_count), "r"(U(1)) : "memory");
		uint32_t old;
		do {
			__asm__ volatile("amoswap.w.aq %0, %2, (%1)"
					 : "=r"(old) : "r"(&lock), "r"(1) : "memory");
		} while (old);
		locked_count = locked_count + 1;
		__asm__ volatile("amoswap.w.rl x0, x0, (%0)" :: "r"(&lock) : "memory");
	}
	__asm__ volatile("amoadd.d x0, %1, (%0)" :: "r"(&done), "r"(U(1)) : "memory");
}

void rt_secondary_main(uint64_t hart)
{
	if (hart < HARTS)
		work();
}

int main(void)
{
	rt_group("chaos-smp");
	work();
	while (done < HARTS)
		;
	rt_check("all harts done", done, HARTS);
	rt_check("lr/sc total", lrsc_count, HARTS * ITERS);
	rt_check("amoadd.d total", amo_count, HARTS * ITERS);
	rt_check("spinlock total", locked_count, HARTS * ITERS);
	rt_check_true("racy total not above the rounds", racy <= HARTS * ITERS);
	rt_puts("lost updates: ");
	rt_put_udec(HARTS * ITERS - racy);
	rt_putc('\n');
	return rt_finish();
}
