/* Micro-benchmark: machine timer interrupt round trip. The handler sets
 * mtimecmp = mtime, so the interrupt is pending again as soon as it
 * returns; the main loop spins until N have been taken (the handler then
 * parks mtimecmp at the maximum, so the count is exactly N). Each round
 * trip is the emulator noticing MTIP, the trap entry, two MMIO accesses
 * and mret. */
#include "traps.h"

#define N 1000000UL

int main(void)
{
	bench_tscr[4] = N;
	bench_traps_install();
	RT_CSR_SET(mie, 1UL << 7);              /* MTIE */
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = 0;    /* pending now */
	RT_CSR_SET(mstatus, 1UL << 3);          /* MIE */
	while (bench_tscr[3] < N)
		;
	RT_CSR_CLEAR(mstatus, 1UL << 3);
	RT_CSR_CLEAR(mie, 1UL << 7);
	bench_traps_remove();
	return bench_report("trap_timer", bench_tscr[3] * 0x9e3779b97f4a7c15UL);
}
