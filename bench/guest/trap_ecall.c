/* Micro-benchmark: ecall round trip from M mode (trap entry, a minimal
 * handler that steps mepc past the ecall, mret), N times. */
#include "traps.h"

#define N 1000000UL

int main(void)
{
	bench_traps_install();
	for (uint64_t i = 0; i < N; i++)
		__asm__ volatile("ecall" ::: "memory");
	bench_traps_remove();
	return bench_report("trap_ecall", bench_tscr[2] * 0x9e3779b97f4a7c15UL);
}
