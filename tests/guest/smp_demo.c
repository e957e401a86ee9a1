/* smp_demo.c — the default `make run` guest (-smp 4): every hart says hello
 * in turn (a ticket passed with amoadd), each computes the same integer
 * workload on its own, and hart 0 checks that all results agree, prints a
 * summary and powers the machine off. */
#include "rt.h"

#define HARTS 4

static volatile uint64_t turn, done, results[HARTS];

static uint64_t workload(uint64_t seed)
{
	uint64_t x = seed, acc = 0;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += x % 1000003;
	}
	return acc;
}

static void hello(uint64_t hart)
{
	while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != hart)
		;
	rt_puts("hello from hart ");
	rt_put_udec(hart);
	rt_puts("\n");
	__atomic_store_n(&turn, hart + 1, __ATOMIC_RELEASE);
	results[hart] = workload(0x9e3779b97f4a7c15ull);
	__atomic_fetch_add(&done, 1, __ATOMIC_ACQ_REL);
}

void rt_secondary_main(uint64_t hart)
{
	if (hart < HARTS)
		hello(hart);
	for (;;)
		__asm__ volatile("wfi");
}

int main(void)
{
	hello(0);
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) != HARTS)
		;
	rt_group("smp-demo");
	for (int h = 1; h < HARTS; h++)
		rt_check("same result on every hart", results[h], results[0]);
	rt_puts("workload checksum ");
	rt_put_hex(results[0]);
	rt_puts("\n");
	return rt_finish();
}
