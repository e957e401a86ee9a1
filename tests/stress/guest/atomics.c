/* Guest atomics stress (docs/stress.md, G1): every hart runs ITERS rounds of
 * amoadd.d, amoadd.w, amomaxu.d, lr.d/sc.d and lr.w/sc.w retry-loop counters,
 * and every LOCK_EVERY rounds takes an amoswap.w spinlock and an lr.w/sc.w
 * spinlock, each guarding a plain load/add/store counter and an owner word
 * that must not change while held. Hart 0 waits for all (no deadline: a
 * lost hart hangs, the runner's timeout is the hang guard) and checks the
 * exact totals.
 *
 * The hart count comes from the FDT (/cpus/cpu@N), or from -DNHARTS=N at
 * build time (then the FDT must agree). Parameters are printed first, so a
 * failing run can be replayed with the same emulator arguments.
 * Build-time knobs: ITERS, LOCK_EVERY, DATA_ALIGN (4096: the
 * shared words get a page of their own, so guest stores take the fast
 * path; 64: they follow the code on its last page, so every store takes
 * the self-modifying-code slow path, DESIGN.md §4.9). */
#include "smp.h"

#ifndef ITERS
#define ITERS 20000
#endif
#ifndef LOCK_EVERY
#define LOCK_EVERY 4
#endif
#ifndef DATA_ALIGN
#define DATA_ALIGN 4096         /* own page; 64 puts it on the last code page */
#endif
#define W_STEP 0x10001U         /* .w counter wraps for big runs */
#define GUARD  0x5a5aa5a5U

/* Counters on separate cache lines so each one is its own contention point. */
struct line {
	volatile uint64_t v;
	uint64_t pad[7];
};

static struct {
	struct line add_d, max_d, lrsc_d, lock_count, lrlock_count, mask, done;
	struct {                        /* amoadd.w target and its neighbour */
		volatile uint32_t w;
		volatile uint32_t guard;
		uint64_t pad[7];
	} add_w;
	struct {
		volatile uint32_t w;
		volatile uint32_t guard;
		uint64_t pad[7];
	} lrsc_w;
	struct line swap_lock, swap_owner, lr_lock, lr_owner;
	struct line swap_bad, lr_bad;   /* mutual-exclusion violations seen */
	volatile uint64_t go;
	volatile uint64_t nharts;
} s __attribute__((aligned(DATA_ALIGN)));

static void swap_acquire(volatile uint64_t *lock)
{
	uint32_t old;

	for (;;) {
		__asm__ volatile("amoswap.w.aq %0, %2, (%1)"
				 : "=r"(old) : "r"(lock), "r"(1) : "memory");
		if (!old)
			return;
		while (*(volatile uint32_t *)lock)      /* test-and-test-and-set */
			;
	}
}

static void swap_release(volatile uint64_t *lock)
{
	__asm__ volatile("amoswap.w.rl x0, x0, (%0)" :: "r"(lock) : "memory");
}

static void lr_acquire(volatile uint64_t *lock)
{
	__asm__ volatile(
		"1:	lr.w.aq	t0, (%0)\n"
		"	bnez	t0, 1b\n"
		"	li	t1, 1\n"
		"	sc.w	t0, t1, (%0)\n"
		"	bnez	t0, 1b\n"
		:: "r"(lock) : "t0", "t1", "memory");
}

static void lr_release(volatile uint64_t *lock)
{
	__asm__ volatile("fence rw, w\n\tsw x0, (%0)" :: "r"(lock) : "memory");
}

/* Inside a lock: bump the plain counter, and see whether another hart
 * wrote the owner word while we held it. */
static void locked_bump(volatile uint64_t *count, volatile uint64_t *owner,
			volatile uint64_t *bad, uint64_t me)
{
	*owner = me;
	*count = *count + 1;
	for (int i = 0; i < 4; i++)
		__asm__ volatile("nop");
	if (*owner != me)
		*bad = *bad + 1;        /* still under the lock */
}

static void work(uint64_t hart)
{
	uint64_t me = hart + 1;

	for (uint64_t i = 0; i < ITERS; i++) {
		__asm__ volatile("amoadd.d x0, %1, (%0)"
				 :: "r"(&s.add_d.v), "r"(1UL) : "memory");
		__asm__ volatile("amoadd.w x0, %1, (%0)"
				 :: "r"(&s.add_w.w), "r"(W_STEP) : "memory");
		__asm__ volatile("amomaxu.d x0, %1, (%0)"
				 :: "r"(&s.max_d.v), "r"(hart * ITERS + i) : "memory");
		__asm__ volatile("1: lr.d t1, (%0)\n\taddi t1, t1, 1\n\t"
				 "sc.d t2, t1, (%0)\n\tbnez t2, 1b"
				 :: "r"(&s.lrsc_d.v) : "t1", "t2", "memory");
		__asm__ volatile("1: lr.w t1, (%0)\n\taddi t1, t1, 3\n\t"
				 "sc.w t2, t1, (%0)\n\tbnez t2, 1b"
				 :: "r"(&s.lrsc_w.w) : "t1", "t2", "memory");
		if (i % LOCK_EVERY == 0) {
			swap_acquire(&s.swap_lock.v);
			locked_bump(&s.lock_count.v, &s.swap_owner.v, &s.swap_bad.v, me);
			swap_release(&s.swap_lock.v);
			lr_acquire(&s.lr_lock.v);
			locked_bump(&s.lrlock_count.v, &s.lr_owner.v, &s.lr_bad.v, me);
			lr_release(&s.lr_lock.v);
		}
	}
	__asm__ volatile("amoor.d x0, %1, (%0)"
			 :: "r"(&s.mask.v), "r"(1UL << hart) : "memory");
	__asm__ volatile("amoadd.d x0, %1, (%0)"
			 :: "r"(&s.done.v), "r"(1UL) : "memory");
}

void rt_secondary_main(uint64_t hart)
{
	while (!s.go)
		;
	__asm__ volatile("fence r, rw" ::: "memory");
	if (hart < s.nharts)
		work(hart);
}

int main(uint64_t hart, void *fdt)
{
	unsigned fdt_harts = rt_fdt_cpu_count(fdt);
	uint64_t n, per;

	(void)hart;
#ifdef NHARTS
	n = NHARTS;
#else
	n = fdt_harts;
#endif
	rt_puts("atomics: harts=");
	rt_put_udec(n);
	rt_puts(" fdt_harts=");
	rt_put_udec(fdt_harts);
	rt_puts(" iters=");
	rt_put_udec(ITERS);
	rt_puts(" lock_every=");
	rt_put_udec(LOCK_EVERY);
	rt_puts(" data=");
	rt_put_hex((uintptr_t)&s);
	rt_puts("\n");

	rt_group("setup");
	if (!rt_check("hart count in 1..32", n >= 1 && n <= RT_SMP_MAX_HARTS, 1) ||
	    !rt_check("FDT hart count", fdt_harts, n))
		return rt_finish();

	s.add_w.guard = GUARD;
	s.lrsc_w.guard = GUARD;
	s.nharts = n;
	__asm__ volatile("fence rw, w" ::: "memory");
	s.go = 1;
	work(0);

	rt_group("atomics");
	per = n * ITERS;
	rt_check("all harts done, each once", rt_wait_ge(&s.done.v, n), n);
	rt_check("amoadd.d total", s.add_d.v, per);
	rt_check("amoadd.w total (mod 2^32)", s.add_w.w, (uint32_t)(per * W_STEP));
	rt_check("amoadd.w neighbour untouched", s.add_w.guard, GUARD);
	rt_check("amomaxu.d max", s.max_d.v, per - 1);
	rt_check("lr.d/sc.d total", s.lrsc_d.v, per);
	rt_check("lr.w/sc.w total (mod 2^32)", s.lrsc_w.w, (uint32_t)(per * 3));
	rt_check("lr.w/sc.w neighbour untouched", s.lrsc_w.guard, GUARD);
	rt_check("amoor.d hart mask", s.mask.v,
		 n == 64 ? ~0UL : (1UL << n) - 1);

	rt_group("spinlocks");
	per = n * ((ITERS + LOCK_EVERY - 1) / LOCK_EVERY);
	rt_check("amoswap lock: plain counter", s.lock_count.v, per);
	rt_check("amoswap lock: owner never changed", s.swap_bad.v, 0);
	rt_check("amoswap lock: free at end", s.swap_lock.v, 0);
	rt_check("lr/sc lock: plain counter", s.lrlock_count.v, per);
	rt_check("lr/sc lock: owner never changed", s.lr_bad.v, 0);
	rt_check("lr/sc lock: free at end", s.lr_lock.v, 0);
	return rt_finish();
}
