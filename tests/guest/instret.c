/* Exact minstret/mcycle beyond csr.c: wrap-around at 2^64 (riscv-tests'
 * rv64mi-p-instret_overflow, in this runtime's style), a store that
 * rewrites its own block, interrupts taken at TB boundaries and in a
 * chained loop (handlers of known length), and counting in S and U mode.
 *
 * Counts are exact where rt_counts_exact() (Loom; QEMU under -icount: the
 * suite guest-qemu runs this program both ways), floors elsewhere;
 * rt_check_count_loom marks the counts QEMU 7.2 gets wrong even under
 * -icount (it also counts the instruction that writes a counter). */
#include "smode.h"

#define NORVC(s) ".option push\n\t.option norvc\n\t" s "\n\t.option pop"

#define MIP_MSIP (1UL << 3)
#define MIP_MTIP (1UL << 7)

/* ---- wrap at 2^64 ------------------------------------------------------- */

static void overflow(void)
{
	uint64_t a, b, c;

	rt_group("instret_overflow");
	/* Written all ones: the next instruction reads 2^64 - 1, the one
	 * after it 0. */
	__asm__ volatile(NORVC("csrw minstret, %2\n\tcsrr %0, minstret\n\t"
			       "csrr %1, minstret")
			 : "=&r"(a), "=&r"(b) : "r"(~U(0)));
	rt_check_count_loom("minstret = 2^64-1", a, ~U(0), 0);
	rt_check_count_loom("minstret wraps to 0", b, 0, 0);
	/* Counting through the wrap: -5, then 4 and 4 more instructions. */
	__asm__ volatile(NORVC("csrw minstret, %3\n\tcsrr %0, minstret\n\t"
			       "nop\n\tnop\n\tnop\n\tcsrr %1, minstret\n\t"
			       "nop\n\tnop\n\tnop\n\tcsrr %2, minstret")
			 : "=&r"(a), "=&r"(b), "=&r"(c) : "r"(-U(5)));
	rt_check_count_loom("minstret -5", a, -U(5), 0);
	rt_check_count_loom("minstret -1", b, -U(1), 0);
	rt_check_count_loom("minstret 3", c, 3, 0);
	/* The differences hold on QEMU -icount too (modulo 2^64). */
	rt_check_count("4 before the wrap", b - a, 4, 1);
	rt_check_count("8 across the wrap", c - a, 8, 1);
	/* mcycle the same way. */
	__asm__ volatile(NORVC("csrw mcycle, %2\n\tcsrr %0, mcycle\n\t"
			       "nop\n\tcsrr %1, mcycle")
			 : "=&r"(a), "=&r"(b) : "r"(-U(1)));
	rt_check_count_loom("mcycle = 2^64-1", a, ~U(0), 0);
	rt_check_count_loom("mcycle wraps to 1", b, 1, 0);
	rt_check_count("mcycle 2 across the wrap", b - a, 2, 1);
	/* A loop through the wrap: 1 + 3 * 100 instructions. */
	__asm__ volatile(NORVC("csrw minstret, %2\n\tcsrr %0, minstret\n\t"
			       "li t0, 100\n"
			       "1:\n\taddi t0, t0, -1\n\tnop\n\tbnez t0, 1b\n\t"
			       "csrr %1, minstret")
			 : "=&r"(a), "=&r"(b) : "r"(-U(150)) : "t0");
	rt_check_count_loom("loop ends at 152", b, 152, 0);
	rt_check_count("loop through the wrap", b - a, 302, 1);
}

/* ---- a store that rewrites the block it runs in ----------------------------
 * The sw overwrites an instruction later in its own block, so the block is
 * invalidated under it and left right after the store (docs/concurrency.md
 * S5): the store retires, the rest runs from a fresh block.  Without a
 * fence.i between them either the old or the new instruction may run
 * (both are one instruction: the count is the same); smc.c checks what
 * runs after fence.i. */

static void smc(void)
{
	uint64_t a, b, r, r2;

	rt_group("smc");
	for (int round = 0; round < 2; round++) {
		uint32_t imm = 10 + (uint32_t)round;
		/* addi t2, x0, imm */
		uint64_t insn = (uint64_t)imm << 20 | 7 << 7 | 0x13;
		__asm__ volatile(NORVC("la t0, 2f\n\t"
				       "li t2, 0\n\t"
				       "csrr %0, minstret\n\t"
				       "sw %4, 0(t0)\n\t"
				       "nop\n"
				       "2:\n\taddi t2, x0, 1\n\t"
				       "nop\n\t"
				       "fence.i\n\t"
				       "csrr %1, minstret\n\t"
				       "mv %2, t2\n\t"
				       "lwu %3, 0(t0)")
				 : "=&r"(a), "=&r"(b), "=&r"(r), "=&r"(r2) : "r"(insn)
				 : "t0", "t2", "memory");
		rt_check_true(round ? "old or new again" : "old or new code",
			      r == 1 || r == imm);
		/* sw, nop, addi, nop, fence.i; +1: the first read */
		rt_check_count(round ? "count again" : "count", b - a, 6, 1);
		rt_check(round ? "stored again" : "stored", r2, insn);
	}
}

/* ---- interrupts ------------------------------------------------------------
 * Taken between blocks: the count is exact whatever block boundary they
 * hit, and the handlers have a known length.  The software-interrupt
 * handler clears msip (4 instructions, t4 and t6); the timer one disarms
 * the timer (5 instructions, t4, t5 and t6).  Both count in t6. */

__attribute__((naked, aligned(4))) static void irq_handler(void)
{
	__asm__ volatile(NORVC("addi t6, t6, 1\n\t"
			       "csrr t4, mcause\n\t"
			       "bgez t4, 9f\n\t"          /* not an interrupt */
			       "slli t4, t4, 1\n\t"
			       "addi t4, t4, -14\n\t"     /* cause 7 (MTI) << 1 */
			       "beqz t4, 1f\n\t"
			       /* MSI: msip = 0 */
			       "lui t4, 0x2000\n\t"
			       "sw x0, 0(t4)\n\t"
			       "mret\n"
			       "1:\n\t"
			       /* MTI: mtimecmp = max */
			       "lui t4, 0x2004\n\t"
			       "li t5, -1\n\t"
			       "sd t5, 0(t4)\n\t"
			       "mret\n"
			       "9:\n\tj 9b"));
}
/* instructions from entry to mret, both included */
#define MSI_HANDLER_LEN 9
#define MTI_HANDLER_LEN 10

static void interrupts(void)
{
	uint64_t saved = RT_CSR_READ(mtvec), a, b, n, k;

	rt_group("interrupts");
	RT_CSR_WRITE(mtvec, (uint64_t)irq_handler);
	RT_MMIO64(RT_CLINT_MTIMECMP(0)) = ~U(0);
	RT_CSR_WRITE(mie, MIP_MSIP | MIP_MTIP);
	/* msip pending while mstatus.MIE = 0: taken right after the csrsi
	 * that enables it, before the nops. */
	RT_MMIO32(RT_CLINT_MSIP(0)) = 1;
	__asm__ volatile(NORVC("li t6, 0\n\t"
			       "csrr %0, minstret\n\t"
			       "csrsi mstatus, 8\n\t"
			       "nop\n\tnop\n\tnop\n\tnop\n\tnop\n\t"
			       "csrr %1, minstret\n\t"
			       "csrci mstatus, 8\n\t"
			       "mv %2, t6")
			 : "=&r"(a), "=&r"(b), "=&r"(k) :: "t4", "t5", "t6", "memory");
	rt_check("msi taken once", k, 1);
	rt_check_count("msi: csrsi + handler + 5", b - a, 1 + 1 + MSI_HANDLER_LEN + 5, 1);

	/* A timer interrupt lands in a loop that chains to itself and spins
	 * until the handler ran: 1 + 5 (arm) + 2 per iteration + handler. */
	__asm__ volatile(NORVC("li t6, 0\n\tli t0, 0\n\t"
			       "csrsi mstatus, 8\n\t"
			       "csrr %0, minstret\n\t"
			       "lui t4, 0x200c\n\t"
			       "ld t5, -8(t4)\n\t"          /* mtime */
			       "addi t5, t5, 200\n\t"
			       "lui t4, 0x2004\n\t"
			       "sd t5, 0(t4)\n"             /* mtimecmp */
			       "1:\n\taddi t0, t0, 1\n\t"
			       "beqz t6, 1b\n\t"
			       "csrr %1, minstret\n\t"
			       "csrci mstatus, 8\n\t"
			       "mv %2, t0\n\tmv %3, t6")
			 : "=&r"(a), "=&r"(b), "=&r"(n), "=&r"(k)
			 :: "t0", "t4", "t5", "t6", "memory");
	rt_check("mti taken once", k, 1);
	rt_check_true("mti: loop ran", n >= 1);
	rt_check_count("mti: loop + handler", b - a, 1 + 5 + 2 * n + MTI_HANDLER_LEN, 1);
	RT_CSR_WRITE(mie, 0);
	RT_CSR_WRITE(mtvec, saved);
}

/* ---- S and U mode ----------------------------------------------------------- */

static void modes(void)
{
	uint64_t pc, io;

	rt_group("modes");
	pmp_allow_all();
	RT_CSR_WRITE(mcounteren, 7);      /* CY, TM, IR */
	RT_CSR_WRITE(scounteren, 7);
	io = 0;
	IN_U(pc, io, NORVC("rdinstret a0\n\tnop\n\tnop\n\tnop\n\t"
			   "rdinstret t1\n\tsub a0, t1, a0"));
	rt_check_count("U: instret", io, 4, 1);
	io = 0;
	IN_U(pc, io, NORVC("rdcycle a0\n\tnop\n\trdcycle t1\n\tsub a0, t1, a0"));
	rt_check_count("U: cycle", io, 2, 1);
	io = 0;
	RT_IN_MODE("li t0, 0x800\n csrs mstatus, t0\n", pc, io,
		   NORVC("rdinstret a0\n\t.rept 20\n\tnop\n\t.endr\n\t"
			 "rdinstret t1\n\tsub a0, t1, a0"));
	rt_check_count("S: instret", io, 21, 1);
	(void)pc;
	RT_CSR_WRITE(mcounteren, 0);
	RT_CSR_WRITE(scounteren, 0);
}

int main(void)
{
	overflow();
	smc();
	interrupts();
	modes();
	return rt_finish();
}
