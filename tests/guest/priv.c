/* Privilege modes: code run in U mode through mret (memory opened to U by
 * PMP where PMP entries exist): ecall from U (cause 8), M-only CSRs, mret
 * and ebreak trapping from U with exact mepc/mtval, counters gated by
 * mcounteren (and scounteren with S), and a pending M timer interrupt
 * taken in U even with mstatus.MIE = 0. PMP itself is tested by pmp.c. */
#include "umode.h"

static void setup(void)
{
	rt_group("u-setup");
	rt_check_true("misa has U", (RT_CSR_READ(misa) >> ('U' - 'A')) & 1);
	pmp_allow_all();
	rt_check("mstatus.MPRV clear", RT_CSR_READ(mstatus) & MSTATUS_MPRV, 0);
}

static void user_mode(void)
{
	uint64_t pc, io, before;

	rt_group("u-mode");
	before = rt_trap.count;
	io = 5;
	IN_U(pc, io, "addi a0, a0, 37");
	rt_check("ran in U", io, 42);
	rt_check("one trap (the ecall)", rt_trap.count - before, 1);
	rt_check("ecall from U cause", HIST(before).cause, 8);
	rt_check("ecall from U mtval", HIST(before).tval, 0);
	rt_check("MPP = U at ecall", HIST(before).mstatus & MSTATUS_MPP, 0);
	rt_check("MPP = U after mret", RT_CSR_READ(mstatus) & MSTATUS_MPP, 0);

	before = rt_trap.count;
	IN_U(pc, io, "csrr t1, mscratch");
	rt_check("csrr mscratch in U traps", rt_trap.count - before, 2);
	rt_check("mscratch: cause", HIST(before).cause, 2);
	rt_check("mscratch: mepc", HIST(before).epc, pc);
	rt_check("mscratch: mtval", HIST(before).tval, insn_bits(pc));

	before = rt_trap.count;
	IN_U(pc, io, "csrw mstatus, x0");
	rt_check("csrw mstatus: cause", HIST(before).cause, 2);
	rt_check("csrw mstatus: mepc", HIST(before).epc, pc);

	before = rt_trap.count;
	IN_U(pc, io, "mret");
	rt_check("mret in U: cause", HIST(before).cause, 2);
	rt_check("mret in U: mepc", HIST(before).epc, pc);
	rt_check("mret in U: mtval", HIST(before).tval, insn_bits(pc));

	before = rt_trap.count;
	IN_U(pc, io, "ebreak");
	rt_check("ebreak in U: cause", HIST(before).cause, 3);
	rt_check("ebreak in U: mepc", HIST(before).epc, pc);
}

static void counters(void)
{
	uint64_t pc, io = 0, before;

	rt_group("mcounteren");
	RT_CSR_WRITE(mcounteren, 0);
	before = rt_trap.count;
	IN_U(pc, io, "rdcycle t1");
	rt_check("rdcycle denied", rt_trap.count - before, 2);
	rt_check("rdcycle denied: cause", HIST(before).cause, 2);
	rt_check("rdcycle denied: mepc", HIST(before).epc, pc);
	before = rt_trap.count;
	IN_U(pc, io, "rdinstret t1");
	rt_check("rdinstret denied: cause", HIST(before).cause, 2);
	RT_CSR_WRITE(mcounteren, 7);
	rt_check("mcounteren reads back", RT_CSR_READ(mcounteren) & 7, 7);
	/* With S mode, U also needs scounteren. */
	if (has_s())
		RT_CSR_WRITE(scounteren, 7);
	before = rt_trap.count;
	io = 0;
	IN_U(pc, io, "rdcycle t1\n rdinstret t1\n rdtime t1\n li a0, 1");
	rt_check("counters allowed", rt_trap.count - before, 1);
	rt_check("counters allowed ran", io, 1);
	RT_CSR_WRITE(mcounteren, 0);
	if (has_s())
		RT_CSR_WRITE(scounteren, 0);
}

static void interrupt_in_u(void)
{
	uint64_t pc, io = 0, count;

	rt_group("u-interrupt");
	/* Timer pending, mie.MTIE = 1, mstatus.MIE = 0: masked in M, but
	 * M interrupts are always enabled while in U. */
	RT_CSR_CLEAR(mstatus, 8);
	RT_CSR_SET(mie, 1UL << 7);
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = 0;
	count = rt_trap.irq_count;
	rt_check("not taken in M with MIE 0", rt_trap.irq_count - count, 0);
	IN_U(pc, io, "li a0, 9");
	rt_check("taken in U", rt_trap.irq_count - count, 1);
	rt_check("at the first U instruction", rt_trap.irq_epc, pc);
	rt_check("cause", rt_trap.irq_cause, 0x8000000000000007UL);
	rt_check("U code still ran", io, 9);
	RT_CSR_CLEAR(mie, 1UL << 7);
}

int main(void)
{
	setup();
	user_mode();
	counters();
	interrupt_in_u();
	return rt_finish();
}
