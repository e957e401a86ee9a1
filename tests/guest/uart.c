/* NS16550A console: register behaviour the runtime relies on (LSR THRE and
 * TEMT idle, scratch and LCR read back, IER write/read) and the output path:
 * every printable ASCII byte, tab and carriage return, all bytes 0x80-0xff
 * passed through untouched, and a long output (~48 KiB) that must arrive
 * complete and in order. */
#include "insn.h"

#define UART ((volatile uint8_t *)RT_UART_BASE)
#define IER 1
#define LCR 3
#define LSR 5
#define SCR 7

static void registers(void)
{
	rt_group("uart-regs");
	rt_check("LSR THRE|TEMT idle", UART[LSR] & 0x60, 0x60);
	UART[SCR] = 0xa5;
	rt_check("SCR read back", UART[SCR], 0xa5);
	UART[SCR] = 0x5a;
	rt_check("SCR read back 2", UART[SCR], 0x5a);
	UART[LCR] = 0x03;
	rt_check("LCR read back", UART[LCR], 0x03);
	UART[IER] = 0x00;
	rt_check("IER read back", UART[IER], 0x00);
}

static void bytes(void)
{
	rt_group("uart-bytes");
	rt_puts("printable: ");
	for (int c = 0x20; c < 0x7f; c++)
		rt_putc((char)c);
	rt_putc('\n');
	rt_puts("tab:\t|\ttabs\n");
	rt_puts("carriage return: overwritten\rCR\n");
	rt_puts("high bytes: ");
	for (int c = 0x80; c < 0x100; c++)
		rt_putc((char)c);
	rt_putc('\n');
	rt_puts("utf-8: \xc3\xa9t\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80\n");
	/* The bytes themselves are checked by the byte-exact reference. */
	rt_check("LSR THRE after output", UART[LSR] & 0x20, 0x20);
}

static void long_output(void)
{
	uint64_t x = 88172645463325252ULL;   /* xorshift64 */
	uint64_t sum = 0;

	rt_group("uart-long");
	for (int line = 0; line < 600; line++) {
		rt_put_udec((uint64_t)line);
		rt_putc(' ');
		for (int i = 0; i < 4; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			rt_put_hex(x);
			rt_putc(i == 3 ? '\n' : ' ');
			sum += x;
		}
	}
	rt_puts("sum ");
	rt_put_hex(sum);
	rt_putc('\n');
	rt_check("xorshift sum", sum, 0x2884ddf907620363);
}

int main(void)
{
	registers();
	bytes();
	long_output();
	return rt_finish();
}
