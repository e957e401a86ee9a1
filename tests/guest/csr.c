/* Zicsr and machine CSRs: csrrw/csrrs/csrrc and immediate forms with their
 * old-value results, rs1 = x0 / uimm = 0 not writing (legal on read-only
 * CSRs), mscratch round trip, misa (MXL = 2, I M A C present), mhartid = 0,
 * exact mcycle/minstret counts (straight-line code, across a page, around
 * traps, after writes, mcountinhibit), mtvec direct/vectored WARL mode
 * bits, mepc bit 0 always clear. Values that differ between machines are
 * not printed. */
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

/* ---- counters ----------------------------------------------------------
 * mcycle and minstret count retired instructions (one cycle each on Loom:
 * docs/riscv.md "Counters").  A CSR read returns the count before the
 * reading instruction, so two reads around n instructions differ by n + 1.
 * Exact values are checked where rt_counts_exact() (Loom; QEMU -icount,
 * suite guest-qemu runs this program both ways); QEMU without -icount
 * follows the host clock and gets only the floors. */

#define NORVC(s) ".option push\n\t.option norvc\n\t" s "\n\t.option pop"

/* Two reads of `csr` around the instructions `body`: the difference. */
#define COUNT_AROUND(csr, body) ({ uint64_t a_, b_; \
	__asm__ volatile(NORVC("csrr %0, " #csr "\n\t" body "\n\tcsrr %1, " #csr) \
			 : "=&r"(a_), "=&r"(b_) :: "t0", "t1", "memory"); b_ - a_; })

static void counters(void)
{
	uint64_t t0, t1;

	rt_group("counters");
	/* Straight-line code: 5 instructions between the reads (+1: the
	 * first read itself retires). */
	rt_check_count("minstret 5 insns",
		       COUNT_AROUND(minstret, "addi t0, x0, 1\n\tadd t1, t0, t0\n\t"
				    "xor t0, t0, t1\n\tnop\n\tslli t1, t1, 3"), 6, 1);
	rt_check_count("mcycle 5 insns",
		       COUNT_AROUND(mcycle, "addi t0, x0, 1\n\tadd t1, t0, t0\n\t"
				    "xor t0, t0, t1\n\tnop\n\tslli t1, t1, 3"), 6, 1);
	rt_check_count("instret 0 insns", COUNT_AROUND(instret, ""), 1, 1);
	rt_check_count("cycle 0 insns", COUNT_AROUND(cycle, ""), 1, 1);
	/* Longer than a TB may be (512 instructions). */
	rt_check_count("minstret 700 nops",
		       COUNT_AROUND(minstret, ".rept 700\n\tnop\n\t.endr"), 701, 1);
	/* A known loop: 1000 iterations of 3 instructions, plus 1 (li). */
	rt_check_count("minstret loop",
		       COUNT_AROUND(minstret, "li t0, 1000\n1:\n\taddi t0, t0, -1\n\t"
				    "nop\n\tbnez t0, 1b"), 3002, 1);
	/* time is a clock, not a counter; it and CLINT mtime are one. */
	t0 = RT_CSR_READ(time);
	t1 = RT_MMIO64(RT_CLINT_MTIME);
	rt_check_true("time <= mtime", t0 <= t1);
	rt_check_true("mtime <= time", t1 <= RT_CSR_READ(time));

	/* Across a page boundary, with a 4-byte instruction straddling it
	 * (the page end splits TBs): nop, c.nop, addi, nop, nop. */
	__asm__ volatile(
		".option push\n\t.option norvc\n\t"
		"j 1f\n\t"
		".p2align 12\n\t"
		".skip 4096 - 12\n"
		"1:\n\tcsrr %0, minstret\n\t"
		"nop\n\t"
		".option rvc\n\tc.nop\n\t.option norvc\n\t"
		"addi t0, t0, 1\n\t"                 /* bytes 4094..4097 */
		"nop\n\tnop\n\t"
		"csrr %1, minstret\n\t"
		".option pop"
		: "=&r"(t0), "=&r"(t1) :: "t0", "memory");
	rt_check_count("minstret across a page", t1 - t0, 6, 1);
}

/* A trap handler of known length: reads minstret into t3 first, returns to
 * the instruction after the (4-byte) faulting one.  5 instructions. */
__attribute__((naked, aligned(4))) static void count_handler(void)
{
	__asm__ volatile(NORVC("csrr t3, minstret\n\t"
			       "csrr t4, mepc\n\t"
			       "addi t4, t4, 4\n\t"
			       "csrw mepc, t4\n\t"
			       "mret"));
}

/* Counts around a trap taken by `insn` (4 bytes, after 2 nops; t5 holds
 * `arg`): before = reads from the start to the handler's first read,
 * after = from that read to the read after mret. */
#define COUNT_TRAP(insn, arg, before, after) do { \
	uint64_t a_, h_, b_; \
	__asm__ volatile(NORVC("mv t5, %3\n\tcsrr %0, minstret\n\tnop\n\tnop\n\t" \
			       insn "\n\tcsrr %2, minstret\n\tmv %1, t3") \
			 : "=&r"(a_), "=&r"(h_), "=&r"(b_) : "r"(U(arg)) \
			 : "t3", "t4", "t5", "t6", "memory"); \
	before = h_ - a_; \
	after = b_ - h_; \
} while (0)

static void counters_traps(void)
{
	uint64_t saved = RT_CSR_READ(mtvec), pre, post;

	rt_group("counters-traps");
	RT_CSR_WRITE(mtvec, (uint64_t)count_handler);
	/* The trapping instruction does not retire (ecall and ebreak neither,
	 * priv spec 1.12 §3.3.1): csrr + 2 nops before it; csrr t3 ... mret =
	 * 5 after it.  QEMU 7.2 -icount counts an ecall, ebreak or undecodable
	 * instruction as retired (its translator raises them as it goes):
	 * those three are exact on Loom only. */
	COUNT_TRAP("ecall", 0, pre, post);
	rt_check_count_loom("ecall: before", pre, 3, 1);
	rt_check_count("ecall: after", post, 5, 1);
	COUNT_TRAP("ebreak", 0, pre, post);
	rt_check_count_loom("ebreak: before", pre, 3, 1);
	rt_check_count("ebreak: after", post, 5, 1);
	COUNT_TRAP(".word 0", 0, pre, post);          /* illegal */
	rt_check_count_loom("illegal: before", pre, 3, 1);
	COUNT_TRAP("csrr t6, 0x7ff", 0, pre, post);   /* no such CSR */
	rt_check_count("illegal csr: before", pre, 3, 1);
	COUNT_TRAP("ld t6, 0(t5)", 0, pre, post);     /* access fault at 0 */
	rt_check_count("load fault: before", pre, 3, 1);
	rt_check_count("load fault: after", post, 5, 1);
	COUNT_TRAP("sd t5, 0(t5)", 0, pre, post);
	rt_check_count("store fault: before", pre, 3, 1);
	COUNT_TRAP("amoadd.w t6, t5, (t5)", 0x80000001, pre, post);
	rt_check_count("misaligned amo: before", pre, 3, 1);
	RT_CSR_WRITE(mtvec, saved);
}

/* Writes: the written value is what the next instruction reads (the
 * writing instruction's own increment is replaced by the write). */
static void counters_writes(void)
{
	uint64_t a, b, c;

	rt_group("counters-writes");
	__asm__ volatile(NORVC("csrw minstret, %1\n\tcsrr %0, minstret")
			 : "=&r"(a) : "r"(U(1) << 41));
	rt_check_count_loom("minstret read next", a, U(1) << 41, U(1) << 41);
	__asm__ volatile(NORVC("csrw minstret, %1\n\tnop\n\tnop\n\tcsrr %0, minstret")
			 : "=&r"(a) : "r"(U(12345)));
	rt_check_count_loom("minstret 2 later", a, 12347, 12345);
	__asm__ volatile(NORVC("csrw minstret, %1\n\trdinstret %0")
			 : "=&r"(a) : "r"(U(777)));
	rt_check_count_loom("instret alias", a, 777, 777);
	__asm__ volatile(NORVC("csrw mcycle, %1\n\tcsrr %0, mcycle")
			 : "=&r"(a) : "r"(U(1) << 40));
	rt_check_count_loom("mcycle read next", a, U(1) << 40, U(1) << 40);
	__asm__ volatile(NORVC("csrw mcycle, %1\n\tnop\n\trdcycle %0")
			 : "=&r"(a) : "r"(U(99)));
	rt_check_count_loom("cycle alias 1 later", a, 100, 99);
	/* csrrw returns the count before it; the next read the new value. */
	__asm__ volatile(NORVC("csrr %0, minstret\n\tcsrrw %1, minstret, %3\n\t"
			       "csrr %2, minstret")
			 : "=&r"(a), "=&r"(b), "=&r"(c) : "r"(U(5000)));
	rt_check_count("csrrw old", b - a, 1, 1);
	rt_check_count_loom("csrrw new", c, 5000, 5000);
	/* csrrsi writes old | 1: what it read, not the count after it. */
	__asm__ volatile(NORVC("csrw minstret, %2\n\tcsrrsi %0, minstret, 1\n\t"
			       "csrr %1, minstret")
			 : "=&r"(a), "=&r"(b) : "r"(U(1000)));
	rt_check_count_loom("csrrsi old", a, 1000, 1000);
	rt_check_count_loom("csrrsi new", b, 1001, 1000);
	/* csrrs with x0 does not write: it counts as usual. */
	__asm__ volatile(NORVC("csrw minstret, %2\n\tcsrrs %0, minstret, x0\n\t"
			       "csrr %1, minstret")
			 : "=&r"(a), "=&r"(b) : "r"(U(1000)));
	rt_check_count_loom("csrrs x0 old", a, 1000, 1000);
	rt_check_count_loom("csrrs x0 next", b, 1001, 1000);
}

/* mcountinhibit.IR / .CY (bits 2 and 0) stop minstret / mcycle from the
 * next instruction on; the writing instruction counts under the old
 * setting.  Exact on Loom only: "IR cleared" (QEMU 7.2 -icount counts the
 * inhibited write and the clearing instruction) and "CY: mcycle frozen"
 * (it does not freeze mcycle). */
static void counters_inhibit(void)
{
	uint64_t a, b, c, d;

	rt_group("counters-inhibit");
	__asm__ volatile(NORVC("csrr %0, minstret\n\tcsrr %1, mcycle\n\t"
			       "csrwi mcountinhibit, 4\n\t"
			       ".rept 10\n\tnop\n\t.endr\n\t"
			       "csrr %2, minstret\n\tcsrr %3, mcycle")
			 : "=&r"(a), "=&r"(b), "=&r"(c), "=&r"(d));
	rt_check("mcountinhibit reads IR", RT_CSR_READ(mcountinhibit), 4);
	rt_check_count("IR: minstret frozen", c - a, 3, 0);
	rt_check_count("IR: mcycle counts", d - b, 13, 1);
	/* A write while frozen stays. */
	__asm__ volatile(NORVC("csrw minstret, %1\n\tnop\n\tnop\n\tcsrr %0, minstret")
			 : "=&r"(a) : "r"(U(4242)));
	rt_check_count("IR: write stays", a, 4242, 4242);
	/* Counting again: the clearing write is not counted. */
	__asm__ volatile(NORVC("csrw minstret, %1\n\tcsrwi mcountinhibit, 0\n\t"
			       "nop\n\tnop\n\tcsrr %0, minstret")
			 : "=&r"(a) : "r"(U(4242)));
	rt_check_count_loom("IR cleared", a, 4244, 4242);
	/* CY: mcycle frozen, minstret counts. */
	__asm__ volatile(NORVC("csrr %0, minstret\n\tcsrr %1, mcycle\n\t"
			       "csrwi mcountinhibit, 1\n\t"
			       ".rept 10\n\tnop\n\t.endr\n\t"
			       "csrr %2, minstret\n\tcsrr %3, mcycle\n\t"
			       "csrwi mcountinhibit, 0")
			 : "=&r"(a), "=&r"(b), "=&r"(c), "=&r"(d));
	rt_check_count("CY: minstret counts", c - a, 13, 1);
	rt_check_count_loom("CY: mcycle frozen", d - b, 2, 0);
	rt_check("mcountinhibit cleared", RT_CSR_READ(mcountinhibit), 0);
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
	counters_traps();
	counters_writes();
	counters_inhibit();
	trap_csrs();
	return rt_finish();
}
