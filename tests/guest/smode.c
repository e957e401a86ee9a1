/* S mode (satp Bare): entry through mret, ecall from S (9) and U (8) with
 * and without delegation, delegated exceptions to stvec (scause/sepc/
 * stval/SPP/SPIE), sret, sstatus/sie/sip as views of mstatus/mie/mip,
 * medeleg/mideleg WARL bits, TSR/TVM/TW traps, counter gating by
 * mcounteren/scounteren, delegated software and Sstc timer interrupts
 * (vectored stvec too). */
#include "smode.h"

#define SCAUSE_IRQ (1UL << 63)

static uint64_t s_ecall(uint64_t x)
{
	__asm__ volatile("ecall" ::: "memory");
	return x + 1;
}

static uint64_t s_read_sstatus(uint64_t x)
{
	(void)x;
	return RT_CSR_READ(sstatus);
}

static uint64_t s_illegal(uint64_t x)
{
	uint64_t pc;

	__asm__ volatile(".option push\n .option norvc\n"
			 "la %0, 1f\n 1: csrr t0, mscratch\n .option pop\n"
			 : "=r"(pc) :: "t0", "memory");
	return pc + x;
}

static void setup(void)
{
	rt_group("s-setup");
	rt_check_true("misa has S", has_s());
	pmp_allow_all();
	RT_CSR_WRITE(mcounteren, 7);
	RT_CSR_WRITE(scounteren, 7);
	s_install();
	rt_check("satp bare", RT_CSR_READ(satp), 0);
}

static void ecalls(void)
{
	uint64_t before, r;

	rt_group("ecall");
	RT_CSR_WRITE(medeleg, 0);
	/* Not delegated: the ecall ends the run in M. */
	before = rt_trap.count;
	run_in(s_ecall, 41, 1);
	rt_check("one M trap", rt_trap.count - before, 1);
	rt_check("ecall from S cause", HIST(before).cause, 9);
	rt_check("MPP = S", (HIST(before).mstatus >> 11) & 3, 1);

	before = rt_trap.count;
	run_in(s_ecall, 1, 0);
	rt_check("ecall from U cause", HIST(before).cause, 8);
	rt_check("MPP = U", (HIST(before).mstatus >> 11) & 3, 0);

	/* Delegated: ecall from S and U go to stvec. */
	RT_CSR_WRITE(medeleg, (1UL << 8) | (1UL << 9));
	rt_check("medeleg reads back", RT_CSR_READ(medeleg) & 0x300, 0x300);
	before = rt_trap.count;
	s_rec.count = 0;
	r = run_in(s_ecall, 7, 1);
	rt_check("deleg S: result", r, 8);
	rt_check("deleg S: one M trap (exit)", rt_trap.count - before, 1);
	rt_check("deleg S: s traps", s_rec.count, 1);
	rt_check("deleg S: scause", s_rec.cause, 9);
	rt_check("deleg S: stval", s_rec.tval, 0);
	rt_check("deleg S: SPP = S", s_rec.status & MSTATUS_SPP, MSTATUS_SPP);
	s_rec.count = 0;
	r = run_in(s_ecall, 9, 0);
	rt_check("deleg U: result", r, 10);
	rt_check("deleg U: scause", s_rec.cause, 8);
	rt_check("deleg U: SPP = U", s_rec.status & MSTATUS_SPP, 0);
	rt_check("deleg U: sepc in s_ecall",
		 s_rec.epc - (uint64_t)(uintptr_t)s_ecall < 64, 1);
	RT_CSR_WRITE(medeleg, 0);
}

static void delegation(void)
{
	uint64_t r, ms;

	rt_group("delegation");
	RT_CSR_WRITE(medeleg, 1UL << 2);
	s_rec.count = 0;
	r = run_in(s_illegal, 0, 1);
	rt_check("illegal to S", s_rec.count, 1);
	rt_check("scause", s_rec.cause, 2);
	rt_check("sepc", s_rec.epc, r);
	rt_check("stval = bits", s_rec.tval, insn_bits(r));
	/* SPIE = old SIE (set here), SIE cleared in the handler. */
	RT_CSR_SET(mstatus, MSTATUS_SIE);
	s_rec.count = 0;
	run_in(s_illegal, 0, 1);
	rt_check("SPIE = SIE", s_rec.status & MSTATUS_SPIE, MSTATUS_SPIE);
	rt_check("SIE cleared", s_rec.status & MSTATUS_SIE, 0);
	ms = RT_CSR_READ(mstatus);
	rt_check("sret: SIE = SPIE", ms & MSTATUS_SIE, MSTATUS_SIE);
	rt_check("sret: SPP = U", ms & MSTATUS_SPP, 0);
	RT_CSR_CLEAR(mstatus, MSTATUS_SIE);
	/* Delegation never applies to traps taken in M. */
	uint64_t pc, before = rt_trap.count;
	RT_TRAP_AT(pc, 0, ".word 0");
	rt_check("M illegal stays in M", rt_trap.count - before, 1);
	rt_check("M illegal epc", rt_trap.epc, pc);
	RT_CSR_WRITE(medeleg, 0);

	rt_group("deleg-warl");
	RT_CSR_WRITE(medeleg, 0xb3ff);
	rt_check("medeleg 0xb3ff", RT_CSR_READ(medeleg) & 0xb3ff, 0xb3ff);
	RT_CSR_WRITE(medeleg, 0);
	RT_CSR_WRITE(mideleg, 0x222);
	rt_check("mideleg S bits", RT_CSR_READ(mideleg) & 0xaaa, 0x222);
	RT_CSR_WRITE(mideleg, 0);
}

static void views(void)
{
	uint64_t v;

	rt_group("views");
	RT_CSR_SET(mstatus, MSTATUS_SUM | MSTATUS_MXR);
	v = run_in(s_read_sstatus, 0, 1);
	rt_check("sstatus SUM|MXR", v & (MSTATUS_SUM | MSTATUS_MXR),
		 MSTATUS_SUM | MSTATUS_MXR);
	rt_check("sstatus hides MPP/MIE", v & (MSTATUS_MPP | 8), 0);
	RT_CSR_CLEAR(sstatus, MSTATUS_SUM | MSTATUS_MXR);
	rt_check("sstatus write clears", RT_CSR_READ(mstatus) &
		 (MSTATUS_SUM | MSTATUS_MXR), 0);
	RT_CSR_CLEAR(mstatus, 8);
	RT_CSR_SET(sstatus, 1UL << 3);            /* MIE: not in sstatus */
	rt_check("sstatus cannot set MIE", RT_CSR_READ(mstatus) & 8, 0);
	RT_CSR_SET(mstatus, 8);

	RT_CSR_WRITE(mideleg, 0);
	RT_CSR_WRITE(mie, 0);
	RT_CSR_WRITE(sie, 0x222);
	rt_check("sie masked by mideleg", RT_CSR_READ(mie), 0);
	RT_CSR_WRITE(mideleg, 0x222);
	RT_CSR_WRITE(sie, 0x222);
	rt_check("sie writes mie", RT_CSR_READ(mie), 0x222);
	rt_check("sie reads", RT_CSR_READ(sie), 0x222);
	RT_CSR_WRITE(mie, 0);
	RT_CSR_WRITE(mip, 2);                     /* SSIP from M */
	rt_check("sip shows SSIP", RT_CSR_READ(sip) & 2, 2);
	RT_CSR_CLEAR(sip, 2);
	rt_check("sip clears SSIP", RT_CSR_READ(mip) & 2, 0);
	RT_CSR_WRITE(mideleg, 0);
	RT_CSR_WRITE(mip, 2);
	rt_check("sip hides undelegated", RT_CSR_READ(sip) & 2, 0);
	RT_CSR_WRITE(mip, 0);

	RT_CSR_WRITE(stvec, 0x80001003);          /* reserved mode: WARL */
	rt_check("stvec mode WARL", RT_CSR_READ(stvec) & 2, 0);
	RT_CSR_WRITE(sepc, 0x80000003);
	/* QEMU 7.x keeps bit 0 (as for mepc, csr.c); the spec clears it. */
	rt_check("sepc bit 0", RT_CSR_READ(sepc),
		 rt_is_qemu7() ? 0x80000003 : 0x80000002);
	RT_CSR_WRITE(satp, 5UL << 60);            /* unsupported mode */
	rt_check("satp mode 5 ignored", RT_CSR_READ(satp), 0);
	s_install();
}

static void traps_to_m(void)
{
	uint64_t pc, io = 0, before;

	rt_group("tsr-tvm-tw");
	RT_CSR_WRITE(medeleg, 0);
	RT_CSR_SET(mstatus, MSTATUS_TSR);
	before = rt_trap.count;
	IN_S(pc, io, "sret");
	rt_check("TSR sret: cause", HIST(before).cause, 2);
	rt_check("TSR sret: epc", HIST(before).epc, pc);
	rt_check("TSR sret: tval", HIST(before).tval, 0x10200073);
	RT_CSR_CLEAR(mstatus, MSTATUS_TSR);

	RT_CSR_SET(mstatus, MSTATUS_TVM);
	before = rt_trap.count;
	IN_S(pc, io, "csrr t1, satp");
	rt_check("TVM satp: cause", HIST(before).cause, 2);
	rt_check("TVM satp: epc", HIST(before).epc, pc);
	before = rt_trap.count;
	IN_S(pc, io, "sfence.vma");
	rt_check("TVM sfence: cause", HIST(before).cause, 2);
	rt_check("TVM sfence: epc", HIST(before).epc, pc);
	RT_CSR_CLEAR(mstatus, MSTATUS_TVM);
	before = rt_trap.count;
	IN_S(pc, io, "csrr t1, satp\n sfence.vma\n li a0, 5");
	rt_check("no TVM: only the ecall", rt_trap.count - before, 1);
	rt_check("no TVM: ran", io, 5);

	RT_CSR_SET(mstatus, MSTATUS_TW);
	before = rt_trap.count;
	IN_S(pc, io, "wfi");
	rt_check("TW wfi in S: cause", HIST(before).cause, 2);
	rt_check("TW wfi in S: epc", HIST(before).epc, pc);
	RT_CSR_CLEAR(mstatus, MSTATUS_TW);
	/* wfi in S with TW = 0 completes: a pending, enabled (mie) but
	 * globally disabled (delegated, SIE = 0) interrupt wakes it. */
	RT_CSR_WRITE(mideleg, 2);
	RT_CSR_WRITE(mie, 2);
	RT_CSR_WRITE(mip, 2);
	before = rt_trap.count;
	io = 0;
	IN_S(pc, io, "wfi\n li a0, 6");
	rt_check("wfi in S: ran", io, 6);
	rt_check("wfi in S: no trap", rt_trap.count - before, 1);
	RT_CSR_WRITE(mip, 0);
	RT_CSR_WRITE(mie, 0);
	RT_CSR_WRITE(mideleg, 0);

	before = rt_trap.count;
	IN_U(pc, io, "sret");
	rt_check("sret in U: cause", HIST(before).cause, 2);
	before = rt_trap.count;
	IN_U(pc, io, "sfence.vma");
	rt_check("sfence in U: cause", HIST(before).cause, 2);
	before = rt_trap.count;
	IN_S(pc, io, "mret");
	rt_check("mret in S: cause", HIST(before).cause, 2);
	before = rt_trap.count;
	IN_S(pc, io, "csrr t1, mstatus");
	rt_check("mstatus in S: cause", HIST(before).cause, 2);
}

static void counters(void)
{
	uint64_t pc, io = 0, before;

	rt_group("counter-gating");
	RT_CSR_WRITE(mcounteren, 0);
	RT_CSR_WRITE(scounteren, 7);
	before = rt_trap.count;
	IN_S(pc, io, "rdcycle t1");
	rt_check("S cycle, mcounteren 0", HIST(before).cause, 2);
	before = rt_trap.count;
	IN_S(pc, io, "rdtime t1");
	rt_check("S time, mcounteren 0", HIST(before).cause, 2);
	RT_CSR_WRITE(mcounteren, 7);
	RT_CSR_WRITE(scounteren, 0);
	before = rt_trap.count;
	io = 0;
	IN_S(pc, io, "rdcycle t1\n rdtime t1\n rdinstret t1\n li a0, 1");
	rt_check("S allowed by mcounteren", io, 1);
	rt_check("S allowed: one trap", rt_trap.count - before, 1);
	before = rt_trap.count;
	IN_U(pc, io, "rdtime t1");
	rt_check("U time, scounteren 0", HIST(before).cause, 2);
	RT_CSR_WRITE(scounteren, 2);
	before = rt_trap.count;
	io = 0;
	IN_U(pc, io, "rdtime t1\n li a0, 2");
	rt_check("U time allowed", io, 2);
	before = rt_trap.count;
	IN_U(pc, io, "rdcycle t1");
	rt_check("U cycle, scounteren.CY 0", HIST(before).cause, 2);
	RT_CSR_WRITE(scounteren, 7);
}

static uint64_t s_wait_irq(uint64_t n)
{
	RT_CSR_SET(sstatus, MSTATUS_SIE);
	for (uint64_t i = 0; i < 100000000 && s_rec.irq_count < n; i++)
		__asm__ volatile("wfi");
	RT_CSR_CLEAR(sstatus, MSTATUS_SIE);
	return s_rec.irq_count;
}

static uint64_t s_timer(uint64_t delta)
{
	RT_CSR_WRITE(stimecmp, RT_CSR_READ(time) + delta);
	return s_wait_irq(s_rec.irq_count + 1);
}

static uint64_t s_ssi(uint64_t x)
{
	RT_CSR_SET(sip, 2);
	return s_wait_irq(x);
}

static void interrupts(void)
{
	uint64_t before, pc, io = 0;

	rt_group("s-interrupts");
	RT_CSR_WRITE(mideleg, 0x222);
	RT_CSR_WRITE(mie, 0x222);
	s_rec.irq_count = 0;
	rt_check("ssi taken", run_in(s_ssi, 1, 1), 1);
	rt_check("ssi cause", s_rec.irq_cause, SCAUSE_IRQ | 1);
	/* Delegated interrupts are not taken in M, even with MIE. */
	RT_CSR_WRITE(mip, 2);
	RT_CSR_SET(mstatus, 8);
	before = rt_trap.irq_count;
	__asm__ volatile("nop\n nop");
	rt_check("not taken in M", rt_trap.irq_count - before, 0);
	RT_CSR_CLEAR(mstatus, 8);
	RT_CSR_WRITE(mip, 0);

	rt_group("sstc");
	RT_CSR_WRITE(menvcfg, 0);
	before = rt_trap.count;
	IN_S(pc, io, "csrr t1, stimecmp");
	rt_check("stimecmp in S without STCE", HIST(before).cause, 2);
	RT_CSR_WRITE(menvcfg, 1UL << 63);
	rt_check("menvcfg.STCE", RT_CSR_READ(menvcfg) >> 63, 1);
	RT_CSR_WRITE(stimecmp, 0);
	rt_check("STIP when time >= stimecmp", RT_CSR_READ(mip) & 0x20, 0x20);
	RT_CSR_WRITE(stimecmp, ~0UL);
	rt_check("STIP clear", RT_CSR_READ(mip) & 0x20, 0);
	RT_CSR_WRITE(mip, 0x20);
	rt_check("STIP read-only with STCE", RT_CSR_READ(mip) & 0x20, 0);
	s_rec.irq_count = 0;
	rt_check("timer taken in S", run_in(s_timer, 20000, 1), 1);
	rt_check("timer cause", s_rec.irq_cause, SCAUSE_IRQ | 5);
	rt_check("silenced", RT_CSR_READ(mip) & 0x20, 0);
	/* Vectored stvec: the interrupt enters at base + 4 * 5. */
	RT_CSR_WRITE(stvec, (uint64_t)(uintptr_t)s_vec | 1);
	s_rec.irq_count = 0;
	rt_check("vectored taken", run_in(s_timer, 1000, 1), 1);
	rt_check("vectored slot", s_vec_hit, 5);
	s_install();
	RT_CSR_WRITE(menvcfg, 0);
	RT_CSR_WRITE(mie, 0);
	RT_CSR_WRITE(mideleg, 0);
}

int main(unsigned long hartid, void *fdt)
{
	(void)hartid;
	(void)fdt;
	setup();
	ecalls();
	delegation();
	views();
	traps_to_m();
	counters();
	interrupts();
	return rt_finish();
}
