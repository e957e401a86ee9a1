/* gdb_smp.c — the guest gdb-test.py debugs (-smp 4, docs/gdb.md "Tests"):
 * every hart computes a checksum in work(); hart 2 then calls on_hart2()
 * with its result, which stores into the global `watched`; hart 0 waits
 * for all four, checks the results and powers off.  Built with -O1 -g so
 * gdb finds the functions, the argument `value` and the globals.
 * Deterministic: no timer, no interrupt; the values gdb prints are fixed
 * by the program (work(2, 100) = 9900). */
#include "rt.h"

#define HARTS 4

volatile uint64_t watched;               /* gdb: watch watched */
volatile uint64_t results[HARTS];
static volatile uint64_t done;

__attribute__((noinline)) uint64_t work(uint64_t hart, uint64_t n)
{
	uint64_t acc = 0;
	for (uint64_t i = 0; i < n; i++)
		acc += i * hart;
	return acc;
}

__attribute__((noinline)) void on_hart2(uint64_t value)
{
	watched = value + 1;
	__asm__ volatile("" ::: "memory");
	watched = watched * 2;
}

static void run_hart(uint64_t hart)
{
	uint64_t r = work(hart, 100);
	results[hart] = r;
	if (hart == 2)
		on_hart2(r);
	__atomic_fetch_add(&done, 1, __ATOMIC_ACQ_REL);
}

void rt_secondary_main(uint64_t hart)
{
	if (hart < HARTS)
		run_hart(hart);
	for (;;)
		__asm__ volatile("wfi");
}

int main(void)
{
	run_hart(0);
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) != HARTS)
		;
	rt_group("gdb-smp");
	for (uint64_t h = 0; h < HARTS; h++)
		rt_check("work(h, 100)", results[h], 4950 * h);
	rt_check("watched", watched, 2 * (9900 + 1));
	return rt_finish();
}
