/* Shared body of the atomics benchmarks (amoadd, lrsc): two harts (two
 * host threads natively) each add 1 to one shared counter ITERS times
 * with BENCH_INC (amoadd.d, or an lr.d/sc.d retry loop), contending for
 * the same cache line; hart 0 waits for both and prints the final count,
 * which must be exactly 2 * ITERS. Run with -smp 2 (bench/compare passes
 * it). Natively BENCH_INC is the compiler's __atomic_fetch_add (lock xadd),
 * for either kernel: the host limit of a contended counter. */
#ifndef LOOM_BENCH_ATOMICS_H
#define LOOM_BENCH_ATOMICS_H

#include "bench.h"

#define ITERS 20000000UL

static volatile uint64_t counter __attribute__((aligned(64)));
static volatile uint64_t done __attribute__((aligned(64)));
static volatile uint64_t go __attribute__((aligned(64)));

static void bench_count(void)
{
	for (uint64_t i = 0; i < ITERS; i++)
		BENCH_INC(&counter);
	__atomic_fetch_add(&done, 1, __ATOMIC_SEQ_CST);
}

#ifdef __riscv
void rt_secondary_main(uint64_t hart)
{
	if (hart != 1)
		return;
	while (!go)
		;
	bench_count();
}

static void bench_start_other(void)
{
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);   /* pairs with the spin above */
}
#else
#include <pthread.h>
static void *bench_thread(void *arg)
{
	(void)arg;
	bench_count();
	return NULL;
}

static void bench_start_other(void)
{
	static pthread_t t;

	pthread_create(&t, NULL, bench_thread, NULL);
}
#endif

static int bench_atomics_main(const char *name)
{
	bench_start_other();
	bench_count();
	while (done < 2)     /* progress, no deadline: a lost hart hangs */
		;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (counter != 2 * ITERS) {
		rt_puts(name);
		rt_puts(": FAIL lost updates\n");
		return 1;
	}
	return bench_report(name, counter);
}

#endif
