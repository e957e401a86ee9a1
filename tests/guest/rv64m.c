/* RV64M: mul/mulh/mulhsu/mulhu/mulw and all divides and remainders,
 * including division by zero and the INT_MIN / -1 overflow cases for both
 * 64- and 32-bit forms (results fixed by the spec, no trap). */
#include "insn.h"

/* Register sharing between operands: x86 multiply/divide use fixed
 * registers, so rd = rs1/rs2 overlaps are worth checking separately. */
static void aliasing(void)
{
	static const uint64_t pairs[][2] = {
		{ I64_MIN, U(-1) }, { U(-7), 3 }, { 0x7fffffff, 0xffffffff80000001 },
		{ 13, 0 }, { 0xfedcba9876543210, 0x0123456789abcdef },
	};

	rt_group("reg-aliasing");
	for (unsigned i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uint64_t a = pairs[i][0], b = pairs[i][1];

		CK_ALIAS("mul", a, b);
		CK_ALIAS("mulh", a, b);
		CK_ALIAS("mulhu", a, b);
		CK_ALIAS("mulhsu", a, b);
		CK_ALIAS("mulw", a, b);
		CK_ALIAS("div", a, b);
		CK_ALIAS("divu", a, b);
		CK_ALIAS("rem", a, b);
		CK_ALIAS("remu", a, b);
		CK_ALIAS("divw", a, b);
		CK_ALIAS("divuw", a, b);
		CK_ALIAS("remw", a, b);
		CK_ALIAS("remuw", a, b);
	}
	rt_check("div x,x,x", RR_ALL_SAME("div", -9), 1);
	rt_check("rem x,x,x", RR_ALL_SAME("rem", -9), 0);
	rt_check("mulhu x,x,x", RR_ALL_SAME("mulhu", U(-1)), U(-2));
	rt_check("divu 0,0", RR_ALL_SAME("divu", 0), U(-1));
	rt_check("remu 0,0", RR_ALL_SAME("remu", 0), 0);
}

int main(void)
{
	rt_group("mul");
	CK_RR("mul", 3, 7, 21);
	CK_RR("mul", -3, 7, -21);
	CK_RR("mul", I64_MIN, -1, I64_MIN);
	CK_RR("mul", 0x100000001, 0x100000001, 0x200000001);
	CK_RR("mul", I64_MAX, I64_MAX, 1);
	CK_RR("mulh", -1, -1, 0);
	CK_RR("mulh", I64_MIN, I64_MIN, 0x4000000000000000);
	CK_RR("mulh", I64_MIN, I64_MAX, 0xc000000000000000);
	CK_RR("mulh", -2, 3, -1);
	CK_RR("mulh", I64_MAX, I64_MAX, 0x3fffffffffffffff);
	CK_RR("mulhu", -1, -1, 0xfffffffffffffffe);
	CK_RR("mulhu", I64_MIN, 2, 1);
	CK_RR("mulhu", 0x100000000, 0x100000000, 1);
	CK_RR("mulhu", -1, 1, 0);
	CK_RR("mulhsu", -1, -1, -1);
	CK_RR("mulhsu", -1, 1, -1);
	CK_RR("mulhsu", 1, -1, 0);
	CK_RR("mulhsu", I64_MIN, -1, 0x8000000000000000);
	CK_RR("mulhsu", I64_MAX, -1, 0x7ffffffffffffffe);
	CK_RR("mulhsu", 0, -1, 0);
	CK_RR("mulw", 0x7fffffff, 2, -2);
	CK_RR("mulw", 0x10000, 0x8000, I32_MIN_SX);
	CK_RR("mulw", 0xffffffff00000003, 5, 15);
	CK_RR("mulw", -1, -1, 1);

	rt_group("div64");
	CK_RR("div", 20, 6, 3);
	CK_RR("div", -20, 6, -3);
	CK_RR("div", 20, -6, -3);
	CK_RR("div", -20, -6, 3);
	CK_RR("div", 5, 0, -1);
	CK_RR("div", 0, 0, -1);
	CK_RR("div", I64_MIN, -1, I64_MIN);
	CK_RR("div", I64_MIN, 1, I64_MIN);
	CK_RR("divu", 20, 6, 3);
	CK_RR("divu", -1, 2, I64_MAX);
	CK_RR("divu", 5, 0, -1);
	CK_RR("divu", I64_MIN, -1, 0);
	CK_RR("rem", 20, 6, 2);
	CK_RR("rem", -20, 6, -2);
	CK_RR("rem", 20, -6, 2);
	CK_RR("rem", -20, -6, -2);
	CK_RR("rem", 5, 0, 5);
	CK_RR("rem", -5, 0, -5);
	CK_RR("rem", I64_MIN, -1, 0);
	CK_RR("remu", 20, 6, 2);
	CK_RR("remu", -1, 10, 5);
	CK_RR("remu", 5, 0, 5);
	CK_RR("remu", I64_MIN, -1, I64_MIN);

	rt_group("div32");
	CK_RR("divw", 20, 6, 3);
	CK_RR("divw", 0xffffffec, 6, -3);          /* -20 in the low word */
	CK_RR("divw", 0x1234567800000014, 6, 3);   /* upper bits ignored */
	CK_RR("divw", 5, 0, -1);
	CK_RR("divw", 5, 0xffffffff00000000, -1);  /* low word of divisor 0 */
	CK_RR("divw", 0x80000000, -1, I32_MIN_SX);
	CK_RR("divw", 0x80000000, 1, I32_MIN_SX);
	CK_RR("divuw", 0xffffffff, 1, -1);         /* result sign-extended */
	CK_RR("divuw", 0xfffffffe, 2, 0x7fffffff);
	CK_RR("divuw", 0x80000000, 0xffffffff, 0);
	CK_RR("divuw", 5, 0, -1);
	CK_RR("divuw", 0xffffffff00000007, 0x100000002, 3);
	CK_RR("remw", 0xffffffec, 6, -2);
	CK_RR("remw", 20, -6, 2);
	CK_RR("remw", 5, 0, 5);
	CK_RR("remw", 0x80000005, 0, 0xffffffff80000005);   /* sign-extended dividend */
	CK_RR("remw", 0x80000000, -1, 0);
	CK_RR("remuw", 0xffffffff, 10, 5);
	CK_RR("remuw", 0x80000005, 0, 0xffffffff80000005);
	CK_RR("remuw", 0x1234567880000000, 0xffffffff, I32_MIN_SX);
	CK_RR("remuw", 7, 0x100000003, 1);
	aliasing();
	return rt_finish();
}
