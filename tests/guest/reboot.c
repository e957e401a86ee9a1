/* reboot.c — machine reset through the SiFive test device (0x7777).
 * RAM survives a reset but the image is loaded again, so the boot count
 * lives in a RAM word outside the image (BOOTS, 32 MiB into RAM): every
 * hart (HARTS of them, -smp) increments its own counter when it starts.
 * Boot 1: hart 0 waits for the others, prints a line and requests the
 * reset; the secondary harts sit in WFI.  Boot 2: every hart must have
 * come back through the reset vector (each counter is 2); hart 0 prints
 * "rebooted" and exits PASS.  A reset loop ends at boot 3 with FAIL. */
#include "rt.h"

#ifndef HARTS
#define HARTS 1
#endif

#define BOOTS ((volatile uint64_t *)0x82000000UL)

void rt_secondary_main(uint64_t hart)
{
	if (hart < HARTS)
		__atomic_fetch_add(&BOOTS[hart], 1, __ATOMIC_SEQ_CST);
	for (;;)
		__asm__ volatile("wfi");
}

int main(void)
{
	uint64_t n = __atomic_add_fetch(&BOOTS[0], 1, __ATOMIC_SEQ_CST);

	for (int h = 1; h < HARTS; h++)
		while (__atomic_load_n(&BOOTS[h], __ATOMIC_SEQ_CST) < n)
			;
	if (n == 1) {
		rt_puts("boot 1: ");
		rt_put_udec(HARTS);
		rt_puts(" hart(s) up, resetting\n");
		RT_MMIO32(RT_TEST_BASE) = 0x7777;
		for (;;)
			__asm__ volatile("wfi");
	}
	rt_puts("rebooted\n");
	rt_group("reboot");
	for (int h = 0; h < HARTS; h++)
		rt_check("boots of the hart", BOOTS[h], 2);
	return rt_finish();
}
