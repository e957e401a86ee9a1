/* idle.c — every hart idle for one second (G9 in docs/stress.md): hart 0
 * arms its CLINT timer one second ahead and sleeps in wfi; the other harts
 * sleep in wfi with no interrupt enabled.  When the timer fires hart 0
 * checks that a second really passed and powers off.  The runner
 * (idle-cpu.py) measures the host CPU time Loom used meanwhile: sleeping
 * harts must cost nothing, whatever the thread mode. */
#include "rt.h"
#include "smp.h"

#define ONE_SECOND 10000000ull          /* mtime runs at 10 MHz */

void rt_secondary_main(uint64_t hart)
{
	(void)hart;
	RT_CSR_WRITE(mie, 0);
	for (;;)
		__asm__ volatile("wfi");
}

int main(void)
{
	rt_puts("idle: all harts in wfi for 1 s\n");
	uint64_t start = rt_mtime();
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = start + ONE_SECOND;
	RT_CSR_WRITE(mie, 1u << 7);             /* MTIE; mstatus.MIE stays 0 */
	/* wfi wakes on a pending enabled interrupt even with MIE clear; spin
	 * on mip so a spurious wake-up does not end the test early. */
	while (!(RT_CSR_READ(mip) & (1u << 7)))
		__asm__ volatile("wfi");
	uint64_t slept = rt_mtime() - start;
	RT_CSR_WRITE(mie, 0);
	rt_group("idle");
	rt_check_true("slept at least one second", slept >= ONE_SECOND);
	return rt_finish();
}
