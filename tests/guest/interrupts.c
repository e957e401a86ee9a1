/* Machine interrupts through the CLINT: timer (mtimecmp vs mtime) and
 * software (msip) interrupts taken with mie.MTIE/MSIE + mstatus.MIE, exact
 * mcause, mip reflecting pending sources while masked, the interrupt taken
 * right after the csrs that enables it, MSI before MTI when both pend,
 * vectored mtvec slots, and wfi waking on a pending timer (also with
 * mstatus.MIE = 0). Waits have no deadline (mtime follows the host's
 * clock, and a loaded host may take long to deliver a timer interrupt):
 * a lost interrupt hangs, and the runner's timeout is the hang guard. */
#include "insn.h"

#define MIP_MSIP (1UL << 3)
#define MIP_MTIP (1UL << 7)
#define MSTATUS_MIE 8UL
#define IRQ_TIMER 0x8000000000000007UL
#define IRQ_SOFT 0x8000000000000003UL

static uint64_t now(void)
{
	return RT_MMIO64(RT_CLINT_MTIME);
}

/* Spins until irq_count passes `count`; returns how many interrupts came
 * (a check of 1 fails on a duplicate). */
static uint64_t wait_irq(uint64_t count)
{
	while (rt_trap.irq_count == count)
		;
	return rt_trap.irq_count - count;
}

static void timer(void)
{
	uint64_t count, pc;

	rt_group("timer");
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = ~0UL;
	rt_check("MTIP clear with mtimecmp max", RT_CSR_READ(mip) & MIP_MTIP, 0);
	RT_CSR_SET(mie, MIP_MTIP);
	count = rt_trap.irq_count;
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = now() + 1000;
	RT_CSR_SET(mstatus, MSTATUS_MIE);
	rt_check("timer interrupt taken", wait_irq(count), 1);
	RT_CSR_CLEAR(mstatus, MSTATUS_MIE);
	rt_check("mcause", rt_trap.irq_cause, IRQ_TIMER);
	rt_check("one interrupt", rt_trap.irq_count - count, 1);
	rt_check("handler saw MIE 0", rt_trap.mstatus & MSTATUS_MIE, 0);
	rt_check("handler saw MPIE 1", rt_trap.mstatus & 0x80, 0x80);
	rt_check("MTIP clear after handler", RT_CSR_READ(mip) & MIP_MTIP, 0);

	/* Pending but masked by mstatus.MIE: visible in mip, not taken. */
	count = rt_trap.irq_count;
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = 0;
	rt_check("MTIP pending while masked", RT_CSR_READ(mip) & MIP_MTIP, MIP_MTIP);
	rt_check("not taken while masked", rt_trap.irq_count - count, 0);
	/* Taken right at the instruction after the enabling csrs. */
	__asm__ volatile("csrsi mstatus, 8\n1: csrci mstatus, 8\n la %0, 1b"
			 : "=r"(pc) :: "memory");
	rt_check("taken after enabling", rt_trap.irq_count - count, 1);
	rt_check("mepc = insn after csrs", rt_trap.irq_epc, pc);
	rt_check("mcause again", rt_trap.irq_cause, IRQ_TIMER);

	/* mie.MTIE clear: never taken even with MIE set. */
	RT_CSR_CLEAR(mie, MIP_MTIP);
	count = rt_trap.irq_count;
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = 0;
	RT_CSR_SET(mstatus, MSTATUS_MIE);
	for (volatile int i = 0; i < 1000; i++)
		;
	RT_CSR_CLEAR(mstatus, MSTATUS_MIE);
	rt_check("MTIE=0 blocks", rt_trap.irq_count - count, 0);
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = ~0UL;
}

/* mtimecmp written and mtime read as 32-bit halves (how RV32 code does it). */
static void clint_halves(void)
{
	volatile uint32_t *cmp = (volatile uint32_t *)RT_CLINT_MTIMECMP(0);
	volatile uint32_t *mt = (volatile uint32_t *)RT_CLINT_MTIME;
	uint64_t t0, t1, hi, lo;

	rt_group("clint-32bit");
	cmp[1] = 0xffffffff;
	cmp[0] = 0x12345678;
	rt_check("mtimecmp from halves", RT_MMIO64(RT_CLINT_MTIMECMP(0)), 0xffffffff12345678);
	cmp[1] = 0x0000abcd;
	rt_check("mtimecmp high half", RT_MMIO64(RT_CLINT_MTIMECMP(0)), 0x0000abcd12345678);
	rt_check("mtimecmp low read", cmp[0], 0x12345678);
	rt_check("mtimecmp high read", cmp[1], 0xabcd);
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = ~0UL;
	do {
		t0 = now();
		hi = mt[1];
		lo = mt[0];
		t1 = now();
	} while (t0 >> 32 != t1 >> 32);
	rt_check_true("mtime from halves in range",
		      (hi << 32 | lo) >= t0 && (hi << 32 | lo) <= t1);
}

static void software(void)
{
	uint64_t count;

	rt_group("software");
	RT_CSR_SET(mie, MIP_MSIP);
	RT_MMIO32(RT_CLINT_MSIP(0)) = 1;
	rt_check("msip reads back", RT_MMIO32(RT_CLINT_MSIP(0)), 1);
	rt_check("MSIP pending while masked", RT_CSR_READ(mip) & MIP_MSIP, MIP_MSIP);
	count = rt_trap.irq_count;
	RT_CSR_SET(mstatus, MSTATUS_MIE);
	rt_check("software interrupt taken", wait_irq(count), 1);
	RT_CSR_CLEAR(mstatus, MSTATUS_MIE);
	rt_check("mcause", rt_trap.irq_cause, IRQ_SOFT);
	rt_check("msip cleared by handler", RT_MMIO32(RT_CLINT_MSIP(0)), 0);
	rt_check("MSIP clear", RT_CSR_READ(mip) & MIP_MSIP, 0);

	rt_group("priority");
	RT_CSR_SET(mie, MIP_MTIP);
	RT_MMIO32(RT_CLINT_MSIP(0)) = 1;
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = 0;
	rt_trap.irq_trail = 0;
	count = rt_trap.irq_count;
	RT_CSR_SET(mstatus, MSTATUS_MIE);
	wait_irq(count);
	wait_irq(count + 1);
	RT_CSR_CLEAR(mstatus, MSTATUS_MIE);
	rt_check("MSI then MTI", rt_trap.irq_trail, 0x37);
	RT_CSR_CLEAR(mie, MIP_MSIP | MIP_MTIP);
}

static void vectored(void)
{
	uint64_t saved = RT_CSR_READ(mtvec), count, pc, before;

	rt_group("vectored");
	RT_CSR_WRITE(mtvec, (uint64_t)rt_vec_table | 1);
	RT_CSR_SET(mie, MIP_MSIP | MIP_MTIP);
	count = rt_trap.irq_count;
	RT_MMIO32(RT_CLINT_MSIP(0)) = 1;
	RT_CSR_SET(mstatus, MSTATUS_MIE);
	wait_irq(count);
	RT_CSR_CLEAR(mstatus, MSTATUS_MIE);
	rt_check("msi slot", rt_vec_hit, 3);
	count = rt_trap.irq_count;
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = now() + 100;
	RT_CSR_SET(mstatus, MSTATUS_MIE);
	wait_irq(count);
	RT_CSR_CLEAR(mstatus, MSTATUS_MIE);
	rt_check("mti slot", rt_vec_hit, 7);
	before = rt_trap.count;
	RT_TRAP_AT(pc, 0, "ecall");
	rt_check("exception uses base", rt_vec_hit, 0);
	rt_check("ecall mepc", rt_trap.epc, pc);
	rt_check("ecall count", rt_trap.count - before, 1);
	RT_CSR_CLEAR(mie, MIP_MSIP | MIP_MTIP);
	RT_CSR_WRITE(mtvec, saved);
}

static void wfi(void)
{
	uint64_t count, mip;

	rt_group("wfi");
	/* MIE = 0, MTIE = 1: wfi wakes on the pending timer, nothing taken. */
	RT_CSR_SET(mie, MIP_MTIP);
	count = rt_trap.irq_count;
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = now() + 20000;
	do {
		__asm__ volatile("wfi");
		mip = RT_CSR_READ(mip);
	} while (!(mip & MIP_MTIP));
	rt_check("woke with MTIP pending", mip & MIP_MTIP, MIP_MTIP);
	rt_check("no interrupt taken", rt_trap.irq_count - count, 0);
	RT_CSR_SET(mstatus, MSTATUS_MIE);
	RT_CSR_CLEAR(mstatus, MSTATUS_MIE);
	rt_check("taken once enabled", rt_trap.irq_count - count, 1);

	/* MIE = 1: wfi, the interrupt is taken, execution resumes after it. */
	count = rt_trap.irq_count;
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = now() + 20000;
	RT_CSR_SET(mstatus, MSTATUS_MIE);
	while (rt_trap.irq_count == count)
		__asm__ volatile("wfi");
	RT_CSR_CLEAR(mstatus, MSTATUS_MIE);
	rt_check("wfi then interrupt", rt_trap.irq_count - count, 1);
	rt_check("wfi mcause", rt_trap.irq_cause, IRQ_TIMER);
	RT_CSR_CLEAR(mie, MIP_MTIP);
}

/* One chunk of register-heavy work: the compiler keeps many values live
 * across the loop, so an interrupt that corrupts any register shows up. */
static uint64_t chunk(uint64_t x)
{
	uint64_t a = x, b = x ^ 0x5555, c = x * 3, d = x + 7, e = ~x, f = x >> 3;

	for (int i = 0; i < 200; i++) {
		a = a * 6364136223846793005ULL + 1442695040888963407ULL;
		b ^= a >> 17;
		c += b * (uint64_t)i;
		d = (d << 5 | d >> 59) ^ c;
		e -= d / ((a & 0xff) | 1);
		f += e % 1000003;
	}
	return a ^ b ^ c ^ d ^ e ^ f;
}

/* Timer interrupts every ~20 us while chunks run: the result must match
 * the same number of chunks run with interrupts off. */
static void under_load(void)
{
	uint64_t x = 1, y = 1, chunks = 0;

	rt_group("irq-under-load");
	rt_trap.irq_count = 0;
	rt_trap.timer_rearm = 200;
	RT_CSR_SET(mie, MIP_MTIP);
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = now() + 200;
	RT_CSR_SET(mstatus, MSTATUS_MIE);
	while (rt_trap.irq_count < 300) {
		x = chunk(x);
		chunks++;
	}
	RT_CSR_CLEAR(mstatus, MSTATUS_MIE);
	rt_trap.timer_rearm = 0;
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = ~0UL;
	RT_CSR_CLEAR(mie, MIP_MTIP);
	rt_check("the interrupts were timer interrupts", rt_trap.irq_cause, IRQ_TIMER);
	for (uint64_t i = 0; i < chunks; i++)
		y = chunk(y);
	rt_check("result unaffected", x, y);
}

int main(void)
{
	timer();
	clint_halves();
	software();
	vectored();
	wfi();
	under_load();
	return rt_finish();
}
