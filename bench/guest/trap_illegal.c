/* Micro-benchmark: illegal-instruction trap round trip: a 4-byte write of
 * the read-only cycle CSR (unimp without the C extension), stepped over by
 * the handler, N times. */
#include "traps.h"

#define N 1000000UL

int main(void)
{
	bench_traps_install();
	for (uint64_t i = 0; i < N; i++)
		__asm__ volatile(".option push\n\t.option norvc\n\t"
				 "csrrw x0, cycle, x0\n\t.option pop" ::: "memory");
	bench_traps_remove();
	return bench_report("trap_illegal", bench_tscr[2] * 0x9e3779b97f4a7c15UL);
}
