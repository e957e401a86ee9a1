/* Zicsr and machine CSRs: csrrw/csrrs/csrrc and immediate forms with their
 * old-value results, rs1 = x0 / uimm = 0 not writing (legal on read-only
 * CSRs), mscratch round trip, misa (MXL = 2, I M A C present), mhartid = 0,
 * mcycle/minstret advancing, mtvec direct/vectored WARL mode bits, mepc
 * bit 0 always clear. Values that differ between machines are not printed. */
#include "insn.h"

static void rw_ops(void)
{
	uint64_t old;

	rt_group("csr-ops");
	RT_CSR_WRITE(mscratch, 0x123456789abcdef0);
	rt_check("mscratch round trip", RT_CSR_READ(mscratch), 0x123456789abcdef0);
	__asm__ volatile("csrrw %0, mscratch, %1" : "=r"(old) : "r"(U(-1)));
	rt_check("csrrw old", old, 0x123456789abcdef0);
	rt_check("csrrw new", RT_CSR_READ(mscratch), -1);
	__asm__ volatile("csrrc %0, mscratch, %1" : "=r"(old) : "r"(U(0xff00)));
	rt_check("csrrc old", old, -1);
	rt_check("csrrc new", RT_CSR_READ(mscratch), ~U(0xff00));
	__asm__ volatile("csrrs %0, mscratch, %1" : "=r"(old) : "r"(U(0x0f00)));
	rt_check("csrrs old", old, ~U(0xff00));
	rt_check("csrrs new", RT_CSR_READ(mscratch), ~U(0xf000));
	__asm__ volatile("csrrwi %0, mscratch, 31" : "=r"(old));
	rt_check("csrrwi old", old, ~U(0xf000));
	rt_check("csrrwi new", RT_CSR_READ(mscratch), 31);
	__asm__ volatile("csrrci %0, mscratch, 0x15" : "=r"(old));
	rt_check("csrrci old", old, 31);
	rt_check("csrrci new", RT_CSR_READ(mscratch), 0x0a);
	__asm__ volatile("csrrsi %0, mscratch, 0x11" : "=r"(old));
	rt_check("csrrsi old", old, 0x0a);
	rt_check("csrrsi new", RT_CSR_READ(mscratch), 0x1b);
	__asm__ volatile("csrrs %0, mscratch, x0" : "=r"(old));
	rt_check("csrrs x0 reads", old, 0x1b);
	__asm__ volatile("csrrci %0, mscratch, 0" : "=r"(old));
	rt_check("csrrci 0 keeps", RT_CSR_READ(mscratch), 0x1b);
	/* rd = rs1: the old value goes to rd, the write uses the old rs1. */
	old = 0x55;
	__asm__ volatile("csrrw %0, mscratch, %0" : "+r"(old));
	rt_check("csrrw rd=rs1 old", old, 0x1b);
	rt_check("csrrw rd=rs1 new", RT_CSR_READ(mscratch), 0x55);
	/* Read-only CSRs are readable with the non-writing forms. */
	__asm__ volatile("csrrs %0, mvendorid, x0" : "=r"(old));
	__asm__ volatile("csrrc %0, marchid, x0" : "=r"(old));
	__asm__ volatile("csrrsi %0, mimpid, 0" : "=r"(old));
	__asm__ volatile("csrrci %0, mhartid, 0" : "=r"(old));
	rt_check("mhartid", old, 0);
	rt_check("mhartid via csrr", RT_CSR_READ(mhartid), 0);
}

static void identity(void)
{
	uint64_t misa = RT_CSR_READ(misa);

	rt_group("misa");
	rt_check("MXL", misa >> 62, 2);
	rt_check("I", (misa >> ('I' - 'A')) & 1, 1);
	rt_check("M", (misa >> ('M' - 'A')) & 1, 1);
	rt_check("A", (misa >> ('A' - 'A')) & 1, 1);
	rt_check("C", (misa >> ('C' - 'A')) & 1, 1);
	rt_check("E clear", (misa >> ('E' - 'A')) & 1, 0);
	rt_check("reserved 26..61 zero", (misa >> 26) & ((U(1) << 36) - 1), 0);
}

static void counters(void)
{
	uint64_t c0, c1, i0, i1, t0, t1;
	volatile uint64_t sink = 0;

	rt_group("counters");
	c0 = RT_CSR_READ(mcycle);
	i0 = RT_CSR_READ(minstret);
	__asm__ volatile("rdcycle %0\n rdinstret %1\n rdtime %2"
			 : "=r"(c1), "=r"(i1), "=r"(t0));
	for (int i = 0; i < 1000; i++)
		sink += (uint64_t)i;
	rt_check_true("mcycle advances", RT_CSR_READ(mcycle) > c0);
	rt_check_true("minstret advances", RT_CSR_READ(minstret) > i0);
	rt_check_true("cycle advances", RT_CSR_READ(cycle) > c1);
	rt_check_true("instret advances", RT_CSR_READ(instret) > i1);
	rt_check_true("time advances", RT_CSR_READ(time) >= t0);
	rt_check("loop result", sink, 499500);
	/* time CSR and CLINT mtime are one clock. */
	t0 = RT_CSR_READ(time);
	t1 = RT_MMIO64(RT_CLINT_MTIME);
	rt_check_true("time <= mtime", t0 <= t1);
	rt_check_true("mtime <= time", t1 <= RT_CSR_READ(time));
	/* mcycle and minstret are writable in M and count on from there.  No
	 * upper bound: while minstret follows the host clock (issue 10 makes it
	 * exact), any bound is a host-speed deadline (failed once under ASan). */
	RT_CSR_WRITE(mcycle, U(1) << 40);
	c1 = RT_CSR_READ(mcycle);
	rt_check_true("mcycle written", c1 >= U(1) << 40 && c1 < U(1) << 41);
	RT_CSR_WRITE(minstret, U(1) << 41);
	i1 = RT_CSR_READ(minstret);
	rt_check_true("minstret written", i1 >= U(1) << 41 && i1 < U(1) << 42);
}

static void trap_csrs(void)
{
	uint64_t saved = RT_CSR_READ(mtvec);
	uint64_t base = (uint64_t)rt_vec_table;

	rt_group("mtvec-mepc");
	RT_CSR_WRITE(mtvec, base);
	rt_check("mtvec direct", RT_CSR_READ(mtvec), base);
	RT_CSR_WRITE(mtvec, base | 1);
	rt_check("mtvec vectored", RT_CSR_READ(mtvec), base | 1);
	RT_CSR_WRITE(mtvec, base | 2);
	rt_check_true("mtvec reserved mode is WARL", (RT_CSR_READ(mtvec) & 3) < 2);
	RT_CSR_WRITE(mtvec, base | 3);
	rt_check_true("mtvec reserved mode 3 is WARL", (RT_CSR_READ(mtvec) & 3) < 2);
	RT_CSR_WRITE(mtvec, saved);
	rt_check("mtvec restored", RT_CSR_READ(mtvec), saved);

	/* QEMU 7 keeps bit 0 in the register and clears it only on mret
	 * (traps.c checks that); the spec makes mepc[0] read as zero. */
	RT_CSR_WRITE(mepc, 0x80001001);
	rt_check("mepc bit 0 clear", RT_CSR_READ(mepc),
		 rt_is_qemu7() ? 0x80001001 : 0x80001000);
	RT_CSR_WRITE(mepc, 0x80001002);
	rt_check("mepc bit 1 kept (C)", RT_CSR_READ(mepc), 0x80001002);
	RT_CSR_WRITE(mepc, U(-1));
	rt_check("mepc all ones", RT_CSR_READ(mepc), rt_is_qemu7() ? U(-1) : U(-2));
	RT_CSR_WRITE(mcause, 5);
	rt_check("mcause write", RT_CSR_READ(mcause), 5);
	RT_CSR_WRITE(mtval, 0x1234);
	rt_check("mtval write", RT_CSR_READ(mtval), 0x1234);
	rt_check("mstatus.MIE clear at start", RT_CSR_READ(mstatus) & 8, 0);
	RT_CSR_SET(mstatus, 0x80);
	rt_check("mstatus.MPIE set", RT_CSR_READ(mstatus) & 0x80, 0x80);
	RT_CSR_CLEAR(mstatus, 0x80);
	rt_check("mstatus.MPIE clear", RT_CSR_READ(mstatus) & 0x80, 0);
}

int main(void)
{
	rw_ops();
	identity();
	counters();
	trap_csrs();
	return rt_finish();
}
