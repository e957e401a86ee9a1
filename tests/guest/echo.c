/* echo.c — the console test guest (tests/guest/console-pty.py drives it
 * through a pseudo-terminal; not in programs.txt: it waits for input).
 * Hart 0 prints "echo: ready" and then one line per byte received,
 * "got 0xNN", so the test sees exactly which bytes arrived (CR as 0x0d,
 * Ctrl-C as 0x03, a literal Ctrl-A as 0x01).  A few bytes are commands:
 *   q  power off from hart 0 (exit 0)      e  exit with status 5
 *   p  power off from hart 1 (-smp 2)      r  machine reset (the image is
 *   h  stop reading the UART for good         loaded again: "ready" again) */
#include "rt.h"

#define UART ((volatile uint8_t *)RT_UART_BASE)
#define LSR 5

static volatile uint32_t poweroff_request;

void rt_secondary_main(uint64_t hart)
{
	if (hart != 1)
		for (;;)
			__asm__ volatile("wfi");
	while (!poweroff_request)
		;
	rt_puts("hart 1: power off\n");
	rt_exit(0);
}

static void put_byte_hex(uint8_t b)
{
	static const char digits[] = "0123456789abcdef";
	rt_puts("got 0x");
	rt_putc(digits[b >> 4]);
	rt_putc(digits[b & 15]);
	rt_putc('\n');
}

int main(void)
{
	rt_puts("echo: ready\n");
	for (;;) {
		while (!(UART[LSR] & 1))
			;
		uint8_t c = UART[0];
		put_byte_hex(c);
		switch (c) {
		case 'q':
			rt_puts("bye\n");
			return 0;
		case 'e':
			rt_exit(5);
		case 'p':
			poweroff_request = 1;
			for (;;)
				__asm__ volatile("wfi");
		case 'r':
			RT_MMIO32(RT_TEST_BASE) = 0x7777;
			for (;;)
				__asm__ volatile("wfi");
		case 'h':
			rt_puts("holding\n");
			for (;;)
				__asm__ volatile("wfi");
		}
	}
}
