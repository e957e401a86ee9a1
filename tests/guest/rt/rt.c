/* Guest runtime: UART output, exit through the SiFive test device, grouped
 * self-checks and the C half of trap handling (see rt.h for the contract).
 * Single-hart state: only hart 0 prints and checks. */
#include "rt.h"

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

volatile struct rt_trap rt_trap;

static const char *group_name;
static unsigned group_checks, group_fails, total_fails;

void rt_putc(char c)
{
	volatile uint8_t *uart = (volatile uint8_t *)RT_UART_BASE;

	while (!(uart[UART_LSR] & UART_LSR_THRE))
		;
	uart[UART_THR] = (uint8_t)c;
}

void rt_puts(const char *s)
{
	while (*s)
		rt_putc(*s++);
}

void rt_put_hex(uint64_t v)
{
	rt_puts("0x");
	for (int i = 60; i >= 0; i -= 4)
		rt_putc("0123456789abcdef"[(v >> i) & 0xf]);
}

void rt_put_udec(uint64_t v)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		rt_putc(buf[--n]);
}

void rt_put_dec(int64_t v)
{
	if (v < 0) {
		rt_putc('-');
		rt_put_udec(-(uint64_t)v);
	} else {
		rt_put_udec((uint64_t)v);
	}
}

void rt_exit(int code)
{
	uint32_t v = code == 0 ? 0x5555 : (((uint32_t)code << 16) | 0x3333);

	__asm__ volatile("fence rw, rw" ::: "memory");
	RT_MMIO32(RT_TEST_BASE) = v;
	for (;;)
		__asm__ volatile("wfi");
}

static void group_close(void)
{
	if (!group_name)
		return;
	rt_puts("[");
	rt_puts(group_name);
	rt_puts("] ");
	rt_put_udec(group_checks - group_fails);
	rt_puts("/");
	rt_put_udec(group_checks);
	rt_puts(group_fails ? " checks ok: FAIL\n" : " checks ok\n");
	group_name = 0;
}

void rt_group(const char *name)
{
	group_close();
	group_name = name;
	group_checks = group_fails = 0;
}

int rt_check(const char *what, uint64_t got, uint64_t want)
{
	group_checks++;
	if (got == want)
		return 1;
	group_fails++;
	total_fails++;
	rt_puts("  FAIL ");
	rt_puts(group_name ? group_name : "?");
	rt_puts("/");
	rt_puts(what);
	rt_puts(": got ");
	rt_put_hex(got);
	rt_puts(" want ");
	rt_put_hex(want);
	rt_putc('\n');
	return 0;
}

int rt_check_true(const char *what, int cond)
{
	return rt_check(what, cond != 0, 1);
}

int rt_failures(void)
{
	return (int)total_fails;
}

int rt_finish(void)
{
	group_close();
	if (total_fails) {
		rt_puts("FAIL (");
		rt_put_udec(total_fails);
		rt_puts(" failed checks)\n");
		return 1;
	}
	rt_puts("PASS\n");
	return 0;
}

void rt_check_trap(const char *what, uint64_t before, uint64_t cause,
		   uint64_t epc, uint64_t tval)
{
	char buf[64];
	size_t n = 0;

	/* "<what>.count" etc.: build the sub-check names in a local buffer. */
	while (what[n] && n < sizeof(buf) - 8) {
		buf[n] = what[n];
		n++;
	}
	memcpy(buf + n, ".count", 7);
	rt_check(buf, rt_trap.count - before, 1);
	memcpy(buf + n, ".cause", 7);
	rt_check(buf, rt_trap.cause, cause);
	memcpy(buf + n, ".mepc", 6);
	rt_check(buf, rt_trap.epc, epc);
	memcpy(buf + n, ".mtval", 7);
	rt_check(buf, rt_trap.tval, tval);
}

int rt_is_qemu7(void)
{
	uint64_t arch = RT_CSR_READ(marchid);

	return RT_CSR_READ(mvendorid) == 0 && arch >> 16 == 7 &&
	       arch == RT_CSR_READ(mimpid);
}

int rt_counts_exact(void)
{
	uint64_t a, b;

	if (!rt_is_qemu7())
		return 1;
	__asm__ volatile("csrr %0, minstret\n\tcsrr %1, minstret"
			 : "=r"(a), "=r"(b));
	return b - a == 1;
}

int rt_check_count(const char *what, uint64_t got, uint64_t want,
		   uint64_t floor)
{
	if (rt_counts_exact())
		return rt_check(what, got, want);
	return rt_check_true(what, got >= floor);
}

int rt_check_count_loom(const char *what, uint64_t got, uint64_t want,
			uint64_t floor)
{
	if (!rt_is_qemu7())
		return rt_check(what, got, want);
	return rt_check_true(what, got >= floor);
}

static void silence_interrupt(uint64_t code)
{
	uint64_t hart = RT_CSR_READ(mhartid);

	if (code == 7)
		RT_MMIO64(RT_CLINT_MTIMECMP(hart)) = rt_trap.timer_rearm ?
			RT_MMIO64(RT_CLINT_MTIME) + rt_trap.timer_rearm : ~0ULL;
	else if (code == 3)
		RT_MMIO32(RT_CLINT_MSIP(hart)) = 0;
	else
		RT_CSR_CLEAR(mie, 1ULL << code);
}

/* Called by trap.S with the saved register frame. */
void rt_trap_dispatch(uint64_t *frame)
{
	uint64_t cause = RT_CSR_READ(mcause);
	uint64_t epc = RT_CSR_READ(mepc);
	uint64_t tval = RT_CSR_READ(mtval);

	(void)frame;
	rt_trap.mstatus = RT_CSR_READ(mstatus);
	if (cause >> 63) {
		rt_trap.irq_count++;
		rt_trap.irq_cause = cause;
		rt_trap.irq_epc = epc;
		rt_trap.irq_trail = (rt_trap.irq_trail << 4) | (cause & 0xf);
		silence_interrupt(cause & 0xff);
		return;
	}
	if (!rt_trap.armed) {
		rt_puts("FAIL unexpected trap: mcause=");
		rt_put_hex(cause);
		rt_puts(" mepc=");
		rt_put_hex(epc);
		rt_puts(" mtval=");
		rt_put_hex(tval);
		rt_putc('\n');
		rt_exit(3);
	}
	rt_trap.hist[rt_trap.count & 3].cause = cause;
	rt_trap.hist[rt_trap.count & 3].epc = epc;
	rt_trap.hist[rt_trap.count & 3].tval = tval;
	rt_trap.hist[rt_trap.count & 3].mstatus = rt_trap.mstatus;
	rt_trap.count++;
	rt_trap.cause = cause;
	rt_trap.epc = epc;
	rt_trap.tval = tval;
	if (rt_trap.resume) {
		epc = rt_trap.resume;
	} else {
		uint16_t lo = *(volatile uint16_t *)(uintptr_t)epc;
		epc += (lo & 3) == 3 ? 4 : 2;
	}
	if (rt_trap.resume_m) {
		RT_CSR_SET(mstatus, 3UL << 11);
		rt_trap.resume_m = 0;
	}
	rt_trap.resume = 0;
	rt_trap.armed = 0;
	RT_CSR_WRITE(mepc, epc);
}

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}
