/* RV64C: every integer compressed form, written with explicit c.*
 * mnemonics: stack-pointer forms (c.addi4spn, c.addi16sp, c.lwsp/ldsp/
 * swsp/sdsp), c.lui negative, c.li, shifts and c.andi, the CA group incl.
 * c.subw/c.addw, c.addiw, c.lw/ld/sw/sd, c.j/c.jr/c.jalr link values,
 * c.beqz/c.bnez taken and not taken, c.nop and c.ebreak (mepc, length 2). */
#include "insn.h"

/* Operands live in a0/a1 (x10/x11), inside the c.* register window. */
#define C_RR(op, a, b) ({ register uint64_t x_ __asm__("a0") = U(a); \
	register uint64_t y_ __asm__("a1") = U(b); \
	__asm__ volatile(op " %0, %1" : "+r"(x_) : "r"(y_)); x_; })
#define C_RI(op, a, imm) ({ register uint64_t x_ __asm__("a0") = U(a); \
	__asm__ volatile(op " %0, %1" : "+r"(x_) : "i"(imm)); x_; })
#define C_I(op, imm) ({ register uint64_t x_ __asm__("a0"); \
	__asm__ volatile(op " %0, %1" : "=r"(x_) : "i"(imm)); x_; })
#define C_SAME(op, a) ({ register uint64_t x_ __asm__("a0") = U(a); \
	__asm__ volatile(op " %0, %0" : "+r"(x_)); x_; })
#define CK_C_RR(op, a, b, w) rt_check(op " " #a "," #b, C_RR(op, a, b), U(w))
#define CK_C_RI(op, a, i, w) rt_check(op " " #a "," #i, C_RI(op, a, i), U(w))

static void alu(void)
{
	rt_group("c-alu");
	rt_check("c.li -32", C_I("c.li", -32), -32);
	rt_check("c.li 31", C_I("c.li", 31), 31);
	rt_check("c.lui 1", C_I("c.lui", 1), 0x1000);
	rt_check("c.lui 0x1f", C_I("c.lui", 0x1f), 0x1f000);
	rt_check("c.lui 0xfffff", C_I("c.lui", 0xfffff), 0xfffffffffffff000);
	rt_check("c.lui 0xfffe0", C_I("c.lui", 0xfffe0), 0xfffffffffffe0000);
	CK_C_RI("c.addi", 5, -32, -27);
	CK_C_RI("c.addi", I64_MAX, 1, I64_MIN);
	CK_C_RI("c.addi", 0, 31, 31);
	CK_C_RI("c.addiw", 0x7fffffff, 1, I32_MIN_SX);
	CK_C_RI("c.addiw", 0x12345678ffffffff, 0, -1);
	CK_C_RI("c.addiw", 0x80000000, -1, 0x7fffffff);
	CK_C_RI("c.slli", 1, 63, I64_MIN);
	CK_C_RI("c.slli", 0xffffffff, 32, 0xffffffff00000000);
	CK_C_RI("c.slli", 3, 1, 6);
	CK_C_RI("c.srli", I64_MIN, 63, 1);
	CK_C_RI("c.srli", -1, 32, 0xffffffff);
	CK_C_RI("c.srli", -1, 1, I64_MAX);
	CK_C_RI("c.srai", I64_MIN, 63, -1);
	CK_C_RI("c.srai", I64_MIN, 32, I32_MIN_SX);
	CK_C_RI("c.srai", 0x4000000000000000, 1, 0x2000000000000000);
	CK_C_RI("c.andi", -1, -32, -32);
	CK_C_RI("c.andi", 0x123456789abcdeff, 31, 0x1f);
	CK_C_RI("c.andi", 0x123456789abcdeff, -1, 0x123456789abcdeff);
	CK_C_RI("c.andi", 0x123456789abcdeff, 0, 0);

	rt_group("c-reg");
	CK_C_RR("c.mv", 1, I64_MIN, I64_MIN);
	CK_C_RR("c.add", I64_MAX, 1, I64_MIN);
	CK_C_RR("c.add", -1, -1, -2);
	CK_C_RR("c.sub", 0, 1, -1);
	CK_C_RR("c.sub", I64_MIN, 1, I64_MAX);
	CK_C_RR("c.xor", 0xff00, 0x0ff0, 0xf0f0);
	CK_C_RR("c.or", 0xff00, 0x0ff0, 0xfff0);
	CK_C_RR("c.and", 0xff00, 0x0ff0, 0x0f00);
	CK_C_RR("c.addw", 0x7fffffff, 1, I32_MIN_SX);
	CK_C_RR("c.addw", 0xffffffff00000001, 0xffffffff, 0);
	CK_C_RR("c.subw", 0x80000000, 1, 0x7fffffff);
	CK_C_RR("c.subw", 0, 1, -1);
	CK_C_RR("c.subw", 0x100000000, 0, 0);
	/* rd = rs2 (one register for both operands). */
	rt_check("c.add a0,a0", C_SAME("c.add", 0x4000000000000001), 0x8000000000000002);
	rt_check("c.sub a0,a0", C_SAME("c.sub", 12345), 0);
	rt_check("c.xor a0,a0", C_SAME("c.xor", -1), 0);
	rt_check("c.or a0,a0", C_SAME("c.or", 0x55), 0x55);
	rt_check("c.and a0,a0", C_SAME("c.and", 0xf0f0), 0xf0f0);
	rt_check("c.addw a0,a0", C_SAME("c.addw", 0x40000000), I32_MIN_SX);
	rt_check("c.subw a0,a0", C_SAME("c.subw", 0x123456789), 0);
	rt_check("c.mv a0,a0", C_SAME("c.mv", 77), 77);
}

static void memory(void)
{
	static volatile uint64_t mem[32] __attribute__((aligned(8)));
	/* Register variables only hold across the asm they feed: every use
	 * below sets its inputs right before. */
	register uint64_t base __asm__("a2");
	register uint64_t v __asm__("a0");
	register uint64_t w __asm__("a1");

	rt_group("c-mem");
	mem[31] = 0x8000000180000002;
	base = (uint64_t)&mem[0];
	__asm__ volatile("c.ld %0, 248(%1)" : "=r"(v) : "r"(base) : "memory");
	rt_check("c.ld 248", v, 0x8000000180000002);
	base = (uint64_t)&mem[16];
	__asm__ volatile("c.lw %0, 120(%1)" : "=r"(v) : "r"(base) : "memory");
	rt_check("c.lw 120 sign", v, 0xffffffff80000002);
	base = (uint64_t)&mem[16];
	__asm__ volatile("c.lw %0, 124(%1)" : "=r"(v) : "r"(base) : "memory");
	rt_check("c.lw 124", v, 0xffffffff80000001);
	w = 0xa5a5a5a5deadbeef;
	base = (uint64_t)&mem[0];
	__asm__ volatile("c.sd %0, 0(%1)" :: "r"(w), "r"(base) : "memory");
	rt_check("c.sd 0", mem[0], 0xa5a5a5a5deadbeef);
	w = 0x1234;
	base = (uint64_t)&mem[0];
	__asm__ volatile("c.sw %0, 4(%1)" :: "r"(w), "r"(base) : "memory");
	rt_check("c.sw 4", mem[0], 0x00001234deadbeef);
	w = 0x77;
	base = (uint64_t)&mem[0];
	__asm__ volatile("c.sd %0, 248(%1)" :: "r"(w), "r"(base) : "memory");
	rt_check("c.sd 248", mem[31], 0x77);

	rt_group("c-sp");
	/* Move sp below the compiler's frame, use it, restore it. */
	__asm__ volatile(
		"c.addi16sp sp, -64\n"
		"c.addi4spn a0, sp, 16\n"
		"sub a0, a0, sp\n"
		"c.addi16sp sp, 64\n"
		: "=&r"(v) :: "memory");
	rt_check("c.addi4spn 16", v, 16);
	__asm__ volatile(
		"mv a1, sp\n"
		"c.addi16sp sp, -512\n"
		"sub a0, a1, sp\n"
		"c.addi16sp sp, 496\n"
		"c.addi16sp sp, 16\n"
		"sub a1, a1, sp\n"
		: "=&r"(v), "=&r"(w) :: "memory");
	{
		uint64_t down = v, back = w;  /* calls clobber a0/a1 */

		rt_check("c.addi16sp -512", down, 512);
		rt_check("c.addi16sp back", back, 0);
	}
	__asm__ volatile(
		"c.addi16sp sp, -64\n"
		"c.addi4spn a0, sp, 1020\n"
		"sub a0, a0, sp\n"
		"c.addi16sp sp, 64\n"
		: "=&r"(v) :: "memory");
	rt_check("c.addi4spn 1020", v, 1020);
	w = 0xfedcba9880000003;
	__asm__ volatile(
		"c.addi16sp sp, -256\n"
		"c.sdsp %1, 248(sp)\n"
		"c.swsp %1, 4(sp)\n"
		"c.ldsp %0, 248(sp)\n"
		"c.lwsp a2, 4(sp)\n"
		"c.swsp a2, 8(sp)\n"
		"c.ldsp a3, 8(sp)\n"
		"c.addi16sp sp, 256\n"
		"slli a3, a3, 32\n srli a3, a3, 32\n"
		"slli a2, a2, 1\n srli a2, a2, 1\n"
		"add %0, %0, a2\n"
		"sub %0, %0, a3\n"
		: "=&r"(v) : "r"(w) : "a2", "a3", "memory");
	/* ldsp 248 = w; lwsp sign-extends (bit 63 then cleared): w's low
	 * word 0x80000003 -> 0x7fffffff80000003; ldsp 8 keeps its low word. */
	rt_check("c.sdsp/ldsp/swsp/lwsp",
		 v, w + 0x7fffffff80000003 - 0x80000003);
}

static void control(void)
{
	register uint64_t r __asm__("a0");
	register uint64_t t __asm__("a1");
	uint64_t link, want, pc, before;

	rt_group("c-branch");
	for (int i = 0; i < 4; i++) {
		static const uint64_t v[] = { 0, 1, U(-1), I64_MIN };

		t = v[i];
		__asm__ volatile("li %0, 1\n c.beqz %1, 1f\n li %0, 0\n1:"
				 : "=&r"(r) : "r"(t));
		rt_check("c.beqz", r, v[i] == 0);
		t = v[i];
		__asm__ volatile("li %0, 1\n c.bnez %1, 1f\n li %0, 0\n1:"
				 : "=&r"(r) : "r"(t));
		rt_check("c.bnez", r, v[i] != 0);
		t = v[i];
		__asm__ volatile("li %0, 0\n j 2f\n1: li %0, 1\n j 3f\n"
				 "2: c.bnez %1, 1b\n3:" : "=&r"(r) : "r"(t));
		rt_check("c.bnez back", r, v[i] != 0);
	}
	__asm__ volatile("li %0, 1\n c.j 1f\n li %0, 0\n1:" : "=&r"(r));
	rt_check("c.j", r, 1);
	__asm__ volatile("c.nop\n c.nop 7\n li %0, 5" : "=&r"(r));
	rt_check("c.nop", r, 5);

	rt_group("c-jump");
	__asm__ volatile("la a1, 1f\n li %0, 1\n c.jr a1\n li %0, 0\n1:"
			 : "=&r"(r) :: "a1");
	rt_check("c.jr", r, 1);
	__asm__ volatile("la a1, 1f\n c.jalr a1\n2: nop\n1: mv %0, ra\n la %1, 2b"
			 : "=&r"(link), "=r"(want) :: "a1", "ra");
	rt_check("c.jalr link", link, want);
	__asm__ volatile("la a1, 1f\n c.jalr a1\n2:\n1: mv %0, ra\n la %1, 2b\n"
			 "sub %0, %0, %1" : "=&r"(link), "=r"(want) :: "a1", "ra");
	rt_check("c.jalr link = pc+2", link, 0);
	__asm__ volatile("li %0, 0\n jal 1f\n addi %0, %0, 2\n j 2f\n"
			 "1: addi %0, %0, 1\n c.jr ra\n2:" : "=&r"(r) :: "ra");
	rt_check("c.jr ra return", r, 3);

	rt_group("c-ebreak");
	before = rt_trap.count;
	RT_TRAP_AT(pc, 0, "c.ebreak");
	rt_check("c.ebreak.count", rt_trap.count - before, 1);
	rt_check("c.ebreak.cause", rt_trap.cause, 3);
	rt_check("c.ebreak.mepc", rt_trap.epc, pc);
	/* QEMU 7 writes 0, the spec allows 0 or the pc. */
	rt_check_true("c.ebreak.mtval 0 or pc", rt_trap.tval == 0 || rt_trap.tval == pc);
}

int main(void)
{
	alu();
	memory();
	control();
	return rt_finish();
}
