/* Synchronous traps with exact mcause/mepc/mtval: illegal instructions
 * (zero halfword, undefined 32-bit opcodes, reserved compressed forms,
 * unknown CSR, writes to read-only CSRs; mtval = instruction bits), ebreak
 * and c.ebreak, ecall from M, load/store/AMO access faults on unmapped
 * addresses (mtval = address), instruction access faults (mepc = mtval =
 * target), a fault in the middle of a long straight-line block (exact pc,
 * earlier effects kept, later ones not; also on re-execution), mstatus
 * stacking on trap entry, and mret to a chosen (odd) address. */
#include "insn.h"

/* Unmapped in QEMU's and Loom's virt maps: below the boot ROM, and the
 * hole between the boot ROM (0x1000..0x10000) and the test device. */
#define HOLE0 0x0UL
#define HOLE1 0x20000UL

#define NORVC(s) ".option push\n.option norvc\n" s "\n.option pop"

static uint64_t insn_bits(uint64_t pc)
{
	const volatile uint16_t *p = (const volatile uint16_t *)(uintptr_t)pc;

	if ((p[0] & 3) != 3)
		return p[0];
	return p[0] | (uint64_t)p[1] << 16;
}

#define EXPECT(name, arg, insns, cause, tval_is_bits, tval) do { \
	uint64_t pc_, before_ = rt_trap.count; \
	RT_TRAP_AT(pc_, arg, insns); \
	rt_check_trap(name, before_, cause, pc_, \
		      (tval_is_bits) ? insn_bits(pc_) : U(tval)); \
} while (0)
#define ILLEGAL(name, insns) EXPECT(name, 0, insns, 2, 1, 0)

static void illegal(void)
{
	rt_group("illegal");
	ILLEGAL("zero halfword", ".half 0");
	ILLEGAL("zero word", ".word 0");
	ILLEGAL("OP funct7 0x7f", ".word 0xfe000033");
	ILLEGAL("custom-3", ".word 0x0000707b");
	ILLEGAL("c.addi4spn imm 0", ".half 0x0004");
	ILLEGAL("c.lui imm 0", ".half 0x6081");
	ILLEGAL("c.addi16sp imm 0", ".half 0x6101");
	ILLEGAL("c.jr x0", ".half 0x8002");
	ILLEGAL("c.lwsp x0", ".half 0x4002");
	ILLEGAL("c.ldsp x0", ".half 0x6002");
	ILLEGAL("unknown csr 0x8ff", NORVC("csrr t1, 0x8ff"));
	ILLEGAL("unknown csr 0x3ff", NORVC("csrr t1, 0x3ff"));
	ILLEGAL("csrw mvendorid", NORVC("csrw mvendorid, t1"));
	ILLEGAL("csrsi mvendorid", NORVC("csrsi mvendorid, 1"));
	ILLEGAL("csrrw x0 mhartid", NORVC("csrrw x0, mhartid, t2"));
	EXPECT("csrc marchid t2=1", 1, NORVC("csrc marchid, t2"), 2, 1, 0);
}

static void breaks(void)
{
	uint64_t pc, before;

	rt_group("ebreak-ecall");
	before = rt_trap.count;
	RT_TRAP_AT(pc, 0, NORVC("ebreak"));
	rt_check("ebreak.count", rt_trap.count - before, 1);
	rt_check("ebreak.cause", rt_trap.cause, 3);
	rt_check("ebreak.mepc", rt_trap.epc, pc);
	/* The spec allows 0 or the pc; QEMU 7 writes 0. */
	rt_check_true("ebreak.mtval 0 or pc", rt_trap.tval == 0 || rt_trap.tval == pc);
	before = rt_trap.count;
	RT_TRAP_AT(pc, 0, "c.ebreak");
	rt_check("c.ebreak.count", rt_trap.count - before, 1);
	rt_check("c.ebreak.cause", rt_trap.cause, 3);
	rt_check("c.ebreak.mepc", rt_trap.epc, pc);
	rt_check_true("c.ebreak.mtval 0 or pc", rt_trap.tval == 0 || rt_trap.tval == pc);
	EXPECT("ecall", 0, "ecall", 11, 0, 0);
	rt_check("ecall mstatus.MPP = M", (rt_trap.mstatus >> 11) & 3, 3);
	rt_check("ecall mstatus.MIE = 0", rt_trap.mstatus & 8, 0);
	rt_check("ecall mstatus.MPIE = 0", rt_trap.mstatus & 0x80, 0);
}

static void access_faults(void)
{
	uint64_t pc, before, target;

	rt_group("access-fault");
	EXPECT("ld 0x0", HOLE0, "ld t1, 0(t2)", 5, 0, HOLE0);
	EXPECT("lbu 0x0+7", HOLE0, "lbu t1, 7(t2)", 5, 0, HOLE0 + 7);
	EXPECT("lw 0x20000", HOLE1, "lw t1, 0(t2)", 5, 0, HOLE1);
	EXPECT("lh 0x20000-2", HOLE1, "lh t1, -2(t2)", 5, 0, HOLE1 - 2);
	EXPECT("sd 0x0", HOLE0, "sd t1, 0(t2)", 7, 0, HOLE0);
	EXPECT("sb 0x20000+1", HOLE1, "sb t1, 1(t2)", 7, 0, HOLE1 + 1);
	EXPECT("sw 0x20000+2044", HOLE1, "sw t1, 2044(t2)", 7, 0, HOLE1 + 2044);
	/* QEMU 7 reports AMO access faults as load faults (5); spec: 7. */
	EXPECT("amoadd.w 0x20000", HOLE1, "amoadd.w t1, t1, (t2)",
	       rt_is_qemu7() ? 5 : 7, 0, HOLE1);
	EXPECT("c.ld 0x20000", HOLE1, "c.ld a4, 8(a5)", 5, 0, HOLE1 + 8);
	/* Effective addresses far outside the physical space: mtval keeps
	 * all 64 bits. */
	EXPECT("lw -4(x0)", 0, "lw t1, -4(x0)", 5, 0, 0xfffffffffffffffcUL);
	EXPECT("sd 1<<63", 0x8000000000000000UL, "sd t1, 0(t2)", 7, 0,
	       0x8000000000000000UL);
	EXPECT("c.sw 0x20000", HOLE1, "c.sw a4, 4(a5)", 7, 0, HOLE1 + 4);

	rt_group("fetch-fault");
	for (int i = 0; i < 3; i++) {
		target = i == 0 ? HOLE0 : i == 1 ? HOLE1 : 0x100000000000UL;
		before = rt_trap.count;
		RT_TRAP_AT(pc, target, "jalr t1, 0(t2)");
		rt_check("jump to hole.count", rt_trap.count - before, 1);
		rt_check("jump to hole.cause", rt_trap.cause, 1);
		rt_check("jump to hole.mepc", rt_trap.epc, target);
		rt_check("jump to hole.mtval", rt_trap.tval, target);
	}
}

/* 60 instructions, the 40th loads from the hole; a0 counts the adds that
 * ran before the fault (39) and a1 records the stores (slots 0..38 written,
 * never slot 39 or later). Runs twice so the second pass executes code the
 * emulator has already translated. */
static void mid_block(void)
{
	static volatile uint64_t slots[64];

	rt_group("mid-block");
	for (int pass = 0; pass < 3; pass++) {
		uint64_t count, pc, before = rt_trap.count;

		for (int i = 0; i < 64; i++)
			slots[i] = 0;
		__asm__ volatile(
			"la t0, 9f\n"
			"sd t0, %[ro](%[tr])\n"
			"li t0, 1\n"
			"sd t0, %[ao](%[tr])\n"
			"li a0, 0\n"
			"mv t2, %[hole]\n"
			"mv a1, %[slots]\n"
			".option push\n.option norvc\n"
			".rept 13\n addi a0, a0, 1\n sd a0, 0(a1)\n addi a1, a1, 8\n .endr\n"
			"1: ld t1, 0(t2)\n"
			".rept 5\n addi a0, a0, 1\n sd a0, 0(a1)\n addi a1, a1, 8\n .endr\n"
			"addi a0, a0, 1\n addi a0, a0, 1\n addi a0, a0, 1\n addi a0, a0, 1\n addi a0, a0, 1\n"
			".option pop\n"
			"9: mv %[cnt], a0\n"
			"la %[pc], 1b\n"
			: [cnt] "=&r"(count), [pc] "=&r"(pc)
			: [hole] "r"(HOLE1), [slots] "r"(&slots[0]), [tr] "r"(&rt_trap),
			  [ro] "i"(offsetof(struct rt_trap, resume)),
			  [ao] "i"(offsetof(struct rt_trap, armed))
			: "t0", "t1", "t2", "a0", "a1", "memory");
		rt_check_trap("insn 40 of 60", before, 5, pc, HOLE1);
		rt_check("adds before the fault", count, 13);
		rt_check("last store before", slots[12], 13);
		rt_check("no store after", slots[13], 0);
	}
	/* Mixed 2- and 4-byte instructions before a faulting store. */
	for (int pass = 0; pass < 2; pass++) {
		uint64_t count, pc, before = rt_trap.count;

		__asm__ volatile(
			"la t0, 9f\n"
			"sd t0, %[ro](%[tr])\n"
			"li t0, 1\n"
			"sd t0, %[ao](%[tr])\n"
			"li a0, 0\n"
			"mv t2, %[hole]\n"
			"mv a5, t2\n"
			".rept 17\n c.addi a0, 1\n addi a0, a0, 2\n .endr\n"
			"1: c.sw a0, 4(a5)\n"
			".rept 8\n c.addi a0, 1\n addi a0, a0, 2\n .endr\n"
			"9: mv %[cnt], a0\n"
			"la %[pc], 1b\n"
			: [cnt] "=&r"(count), [pc] "=&r"(pc)
			: [hole] "r"(HOLE1), [tr] "r"(&rt_trap),
			  [ro] "i"(offsetof(struct rt_trap, resume)),
			  [ao] "i"(offsetof(struct rt_trap, armed))
			: "t0", "t1", "t2", "a0", "a5", "memory");
		rt_check("mixed.count", rt_trap.count - before, 1);
		rt_check("mixed.cause", rt_trap.cause, 7);
		rt_check("mixed.mepc", rt_trap.epc, pc);
		rt_check("mixed.mtval", rt_trap.tval, HOLE1 + 4);
		rt_check("mixed adds before", count, 51);
	}
}

static void mret_to(void)
{
	uint64_t landed, st;

	rt_group("mret");
	/* MPP = M, MPIE = 0: mret lands at 1f (odd mepc: bit 0 ignored),
	 * MIE = MPIE = 0 afterwards, MPIE set to 1. QEMU 7 jumps to the odd
	 * address itself, so it gets the even one. */
	uint64_t odd = rt_is_qemu7() ? 0 : 1;

	__asm__ volatile(
		"li t0, 0x1800\n csrs mstatus, t0\n"
		"li t0, 0x80\n csrc mstatus, t0\n"
		"la t0, 1f\n add t0, t0, %2\n csrw mepc, t0\n"
		"li %0, 0\n"
		"mret\n"
		"li %0, 99\n"
		"1: addi %0, %0, 1\n"
		"csrr %1, mstatus\n"
		: "=&r"(landed), "=&r"(st) : "r"(odd) : "t0", "memory");
	rt_check("mret target", landed, 1);
	rt_check("mret MIE = old MPIE", st & 8, 0);
	rt_check("mret sets MPIE", st & 0x80, 0x80);
	/* MPP becomes the least-privileged mode: U when misa has it. */
	rt_check("mret MPP = least mode", (st >> 11) & 3,
		 (RT_CSR_READ(misa) >> ('U' - 'A')) & 1 ? 0 : 3);
}

int main(void)
{
	illegal();
	breaks();
	access_faults();
	mid_block();
	mret_to();
	return rt_finish();
}
