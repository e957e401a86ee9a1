/* RV64I integer ALU: register and immediate forms, imm12 sign extension,
 * lui/auipc with negative values, shifts by 0/31/32/63 and register amounts
 * with high bits set, every W form's sign extension, slt/sltu extremes. */
#include "insn.h"

static void arith(void)
{
	rt_group("add-sub");
	CK_RR("add", 1, 2, 3);
	CK_RR("add", I64_MAX, 1, I64_MIN);
	CK_RR("add", -1, -1, -2);
	CK_RR("add", I64_MIN, I64_MIN, 0);
	CK_RR("sub", 0, 1, -1);
	CK_RR("sub", I64_MIN, 1, I64_MAX);
	CK_RR("sub", 5, 5, 0);
	CK_RR("sub", 0, I64_MIN, I64_MIN);

	rt_group("logic");
	CK_RR("and", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0x0f000f000f000f00);
	CK_RR("or", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xfff0fff0fff0fff0);
	CK_RR("xor", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xf0f0f0f0f0f0f0f0);
	CK_RR("xor", -1, 0, -1);

	rt_group("imm12");
	CK_RI("addi", 0, -2048, -2048);
	CK_RI("addi", 0, 2047, 2047);
	CK_RI("addi", 0, -1, -1);
	CK_RI("addi", I64_MAX, 1, I64_MIN);
	CK_RI("addi", 0x1000, -2048, 0x800);
	CK_RI("andi", 0x123456789abcdef0, -1, 0x123456789abcdef0);
	CK_RI("andi", 0x123456789abcdef0, -2048, 0x123456789abcd800);
	CK_RI("andi", 0x123456789abcdef0, 2047, 0x6f0);
	CK_RI("ori", 0, -2048, 0xfffffffffffff800);
	CK_RI("ori", 0x1, 0x7fe, 0x7ff);
	CK_RI("xori", 0x5555, -1, ~U(0x5555));
	CK_RI("xori", 0x5555, 0x7ff, 0x52aa);
	CK_RI("slti", -1, 0, 1);
	CK_RI("slti", 0, -1, 0);
	CK_RI("slti", I64_MIN, -2048, 1);
	CK_RI("slti", -2048, -2048, 0);
	CK_RI("sltiu", 0, -1, 1);           /* -1 becomes 2^64-1 unsigned */
	CK_RI("sltiu", -2, -1, 1);
	CK_RI("sltiu", -1, -1, 0);
	CK_RI("sltiu", 0, 1, 1);
	CK_RI("sltiu", 1, 1, 0);

	rt_group("slt-sltu");
	CK_RR("slt", I64_MIN, I64_MAX, 1);
	CK_RR("slt", I64_MAX, I64_MIN, 0);
	CK_RR("slt", -1, 0, 1);
	CK_RR("slt", 0, -1, 0);
	CK_RR("slt", -1, -1, 0);
	CK_RR("sltu", I64_MIN, I64_MAX, 0);
	CK_RR("sltu", I64_MAX, I64_MIN, 1);
	CK_RR("sltu", 0, -1, 1);
	CK_RR("sltu", -1, 0, 0);
	CK_RR("sltu", 0, 0, 0);
	CK_RR("sltu", 0, 1, 1);             /* snez idiom: sltu rd, x0, rs */
}

static void upper(void)
{
	uint64_t r, pc;

	rt_group("lui-auipc");
	rt_check("lui 0x80000", RU("lui", 0x80000), 0xffffffff80000000);
	rt_check("lui 0xfffff", RU("lui", 0xfffff), 0xfffffffffffff000);
	rt_check("lui 0x7ffff", RU("lui", 0x7ffff), 0x7ffff000);
	rt_check("lui 1", RU("lui", 1), 0x1000);
	__asm__ volatile(".option push\n.option norvc\n"
			 "1: auipc %0, 0xfffff\n"
			 "la %1, 1b\n.option pop" : "=r"(r), "=r"(pc));
	rt_check("auipc 0xfffff", r, pc - 0x1000);
	__asm__ volatile(".option push\n.option norvc\n"
			 "1: auipc %0, 0x80000\n"
			 "la %1, 1b\n.option pop" : "=r"(r), "=r"(pc));
	rt_check("auipc 0x80000", r, pc - 0x80000000);
	__asm__ volatile(".option push\n.option norvc\n"
			 "1: auipc %0, 0\n"
			 "la %1, 1b\n.option pop" : "=r"(r), "=r"(pc));
	rt_check("auipc 0", r, pc);
	__asm__ volatile(".option push\n.option norvc\n"
			 "1: auipc %0, 0x7ffff\n"
			 "la %1, 1b\n.option pop" : "=r"(r), "=r"(pc));
	rt_check("auipc 0x7ffff", r, pc + 0x7ffff000);
}

static void shifts(void)
{
	const uint64_t v = 0x8000000080000001;

	rt_group("shift-imm");
	CK_RI("slli", v, 0, v);
	CK_RI("slli", v, 31, 0x4000000080000000);
	CK_RI("slli", v, 32, 0x8000000100000000);
	CK_RI("slli", v, 63, I64_MIN);
	CK_RI("srli", v, 0, v);
	CK_RI("srli", v, 31, 0x0000000100000001);
	CK_RI("srli", v, 32, 0x80000000);
	CK_RI("srli", v, 63, 1);
	CK_RI("srai", v, 0, v);
	CK_RI("srai", v, 31, 0xffffffff00000001);
	CK_RI("srai", v, 32, 0xffffffff80000000);
	CK_RI("srai", v, 63, -1);
	CK_RI("srai", I64_MAX, 63, 0);

	rt_group("shift-reg");
	CK_RR("sll", v, 0, v);
	CK_RR("sll", v, 31, 0x4000000080000000);
	CK_RR("sll", v, 32, 0x8000000100000000);
	CK_RR("sll", v, 63, I64_MIN);
	CK_RR("sll", v, 64, v);                     /* only 6 bits count */
	CK_RR("sll", 1, 0xffffffffffffffc1, 2);
	CK_RR("srl", v, 31, 0x0000000100000001);
	CK_RR("srl", v, 63, 1);
	CK_RR("srl", v, 0xffffffffffffff3f, 1);
	CK_RR("srl", v, 0x100, v);
	CK_RR("sra", v, 32, 0xffffffff80000000);
	CK_RR("sra", v, 63, -1);
	CK_RR("sra", v, 0x7fffffffffffffc0, v);
	CK_RR("sra", I64_MIN, 0xffffffffffffffff, -1);

	rt_group("w-forms");
	CK_RR("addw", 0x7fffffff, 1, I32_MIN_SX);
	CK_RR("addw", 0xffffffff, 1, 0);
	CK_RR("addw", 0x123456780000000f, 0x1, 0x10);
	CK_RR("addw", 0x80000000, 0x80000000, 0);
	CK_RR("subw", 0, 1, -1);
	CK_RR("subw", 0x80000000, 1, 0x7fffffff);
	CK_RR("subw", 0x7fffffff, -1, I32_MIN_SX);
	CK_RI("addiw", 0x7fffffff, 1, I32_MIN_SX);
	CK_RI("addiw", 0xffffffff00000000, 0, 0);
	CK_RI("addiw", 0x00000000ffffffff, 0, -1);     /* sext.w */
	CK_RI("addiw", 0, -2048, -2048);
	CK_RR("sllw", 1, 31, I32_MIN_SX);
	CK_RR("sllw", 1, 63, I32_MIN_SX);              /* 5 bits count */
	CK_RR("sllw", 0xffffffff00000003, 32, 3);
	CK_RR("sllw", 0x40000000, 1, I32_MIN_SX);
	CK_RR("srlw", 0xffffffff80000000, 0, I32_MIN_SX);
	CK_RR("srlw", 0xffffffff80000000, 1, 0x40000000);
	CK_RR("srlw", 0xffffffff80000000, 31, 1);
	CK_RR("srlw", 0x12345678ffffffff, 0xffffffffffffffe4, 0x0fffffff);
	CK_RR("sraw", 0x80000000, 0, I32_MIN_SX);
	CK_RR("sraw", 0x80000000, 1, 0xffffffffc0000000);
	CK_RR("sraw", 0x80000000, 31, -1);
	CK_RR("sraw", 0x7fffffff80000000, 63, -1);
	CK_RR("sraw", 0x7fffffff, 31, 0);
	CK_RI("slliw", 1, 31, I32_MIN_SX);
	CK_RI("slliw", 0xffffffff, 0, -1);
	CK_RI("slliw", 0x12345678, 4, 0x23456780);
	CK_RI("srliw", 0xffffffff80000000, 0, I32_MIN_SX);
	CK_RI("srliw", 0xffffffff80000000, 31, 1);
	CK_RI("srliw", 0xffffffff, 4, 0x0fffffff);
	CK_RI("sraiw", 0x80000000, 31, -1);
	CK_RI("sraiw", 0x80000000, 0, I32_MIN_SX);
	CK_RI("sraiw", 0x1234567887654321, 16, 0xffffffffffff8765);
}

/* Register sharing between operands (a translator that copies rs1 into
 * rd before reading rs2 breaks rd = rs2 for non-commutative ops). */
static void aliasing(void)
{
	static const uint64_t pairs[][2] = {
		{ I64_MIN | 5, 0x3f }, { U(-7), 3 }, { 0x7fffffff, 0xffffffff80000001 },
		{ 13, 0 }, { 0xfedcba9876543210, 0x21 },
	};

	rt_group("reg-aliasing");
	for (unsigned i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uint64_t a = pairs[i][0], b = pairs[i][1];

		CK_ALIAS("add", a, b);
		CK_ALIAS("sub", a, b);
		CK_ALIAS("sll", a, b);
		CK_ALIAS("srl", a, b);
		CK_ALIAS("sra", a, b);
		CK_ALIAS("slt", a, b);
		CK_ALIAS("sltu", a, b);
		CK_ALIAS("xor", a, b);
		CK_ALIAS("or", a, b);
		CK_ALIAS("and", a, b);
		CK_ALIAS("addw", a, b);
		CK_ALIAS("subw", a, b);
		CK_ALIAS("sllw", a, b);
		CK_ALIAS("srlw", a, b);
		CK_ALIAS("sraw", a, b);
	}
	rt_check("sub x,x,x", RR_ALL_SAME("sub", 12345), 0);
	rt_check("slt x,x,x", RR_ALL_SAME("slt", -1), 0);
	rt_check("sll x,x,x", RR_ALL_SAME("sll", 3), 24);
	rt_check("sra x,x,x", RR_ALL_SAME("sra", I64_MIN | 63), U(-1));
}

int main(void)
{
	arith();
	upper();
	shifts();
	aliasing();
	return rt_finish();
}
