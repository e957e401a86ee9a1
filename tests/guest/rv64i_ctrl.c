/* RV64I control flow and x0: all six branch conditions taken and not taken
 * on extreme values (forward and backward), jal/jalr link values, jalr
 * clearing bit 0 of the target and rd == rs1, and writes to x0 being
 * ignored through ALU ops, lui/auipc, jal/jalr, loads, AMOs and CSR ops. */
#include "insn.h"

/* 1 if `op a, b` branches (forward target). */
#define BR_FWD(op, a, b) ({ uint64_t t_; \
	__asm__ volatile("li %0, 1\n\t" op " %1, %2, 1f\n\tli %0, 0\n1:" \
			 : "=&r"(t_) : "r"(U(a)), "r"(U(b))); t_; })
/* 1 if `op a, b` branches (backward target, reached once from a jump). */
#define BR_BWD(op, a, b) ({ uint64_t t_; \
	__asm__ volatile("li %0, 0\n\tj 2f\n" \
			 "1: li %0, 1\n\tj 3f\n" \
			 "2: " op " %1, %2, 1b\n3:" \
			 : "=&r"(t_) : "r"(U(a)), "r"(U(b))); t_; })

static const uint64_t vals[] = {
	0, 1, U(-1), I64_MIN, I64_MAX, 0x80000000, 0xffffffff, U(-2),
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

static void branches(void)
{
	char name[] = "bxx a,b";

	rt_group("branches");
	for (unsigned i = 0; i < NVALS; i++) {
		for (unsigned j = 0; j < NVALS; j++) {
			uint64_t a = vals[i], b = vals[j];
			int64_t sa = (int64_t)a, sb = (int64_t)b;

			name[5] = (char)('0' + i);
			name[6] = (char)('0' + j);
			name[1] = 'e'; name[2] = 'q';
			rt_check(name, BR_FWD("beq", a, b), a == b);
			rt_check(name, BR_BWD("beq", a, b), a == b);
			name[1] = 'n'; name[2] = 'e';
			rt_check(name, BR_FWD("bne", a, b), a != b);
			rt_check(name, BR_BWD("bne", a, b), a != b);
			name[1] = 'l'; name[2] = 't';
			rt_check(name, BR_FWD("blt", a, b), sa < sb);
			rt_check(name, BR_BWD("blt", a, b), sa < sb);
			name[1] = 'g'; name[2] = 'e';
			rt_check(name, BR_FWD("bge", a, b), sa >= sb);
			rt_check(name, BR_BWD("bge", a, b), sa >= sb);
			name[1] = 'L'; name[2] = 'U';
			rt_check(name, BR_FWD("bltu", a, b), a < b);
			rt_check(name, BR_BWD("bltu", a, b), a < b);
			name[1] = 'G'; name[2] = 'U';
			rt_check(name, BR_FWD("bgeu", a, b), a >= b);
			rt_check(name, BR_BWD("bgeu", a, b), a >= b);
		}
	}
}

/* Branches against x0 on either side (often special-cased). */
static void branches_x0(void)
{
	uint64_t t;

	rt_group("branches-x0");
	for (int i = 0; i < 4; i++) {
		static const uint64_t v[] = { 0, 1, U(-1), I64_MIN };
		uint64_t a = v[i];
		int64_t sa = (int64_t)a;

		__asm__ volatile("li %0, 1\n bltu x0, %1, 1f\n li %0, 0\n1:" : "=&r"(t) : "r"(a));
		rt_check("bltu x0,a", t, a != 0);
		__asm__ volatile("li %0, 1\n bgeu %1, x0, 1f\n li %0, 0\n1:" : "=&r"(t) : "r"(a));
		rt_check("bgeu a,x0", t, 1);
		__asm__ volatile("li %0, 1\n bltu %1, x0, 1f\n li %0, 0\n1:" : "=&r"(t) : "r"(a));
		rt_check("bltu a,x0", t, 0);
		__asm__ volatile("li %0, 1\n blt %1, x0, 1f\n li %0, 0\n1:" : "=&r"(t) : "r"(a));
		rt_check("blt a,x0", t, sa < 0);
		__asm__ volatile("li %0, 1\n bge x0, %1, 1f\n li %0, 0\n1:" : "=&r"(t) : "r"(a));
		rt_check("bge x0,a", t, 0 >= sa);
		__asm__ volatile("li %0, 1\n beq %1, %1, 1f\n li %0, 0\n1:" : "=&r"(t) : "r"(a));
		rt_check("beq a,a", t, 1);
		__asm__ volatile("li %0, 1\n blt %1, %1, 1f\n li %0, 0\n1:" : "=&r"(t) : "r"(a));
		rt_check("blt a,a", t, 0);
	}
	__asm__ volatile("li %0, 1\n bne x0, x0, 1f\n li %0, 0\n1:" : "=&r"(t));
	rt_check("bne x0,x0", t, 0);
	__asm__ volatile("li %0, 1\n bgeu x0, x0, 1f\n li %0, 0\n1:" : "=&r"(t));
	rt_check("bgeu x0,x0", t, 1);
}

static void jumps(void)
{
	uint64_t link, want, r;

	rt_group("jal-jalr");
	__asm__ volatile(".option push\n.option norvc\n"
			 "jal %0, 1f\n2: nop\n1: la %1, 2b\n.option pop"
			 : "=r"(link), "=r"(want));
	rt_check("jal link", link, want);
	/* jal backwards over a long distance stays exact. */
	__asm__ volatile(".option push\n.option norvc\n"
			 "j 3f\n"
			 "1: la %1, 2f\n j 4f\n"
			 ".skip 3000\n"
			 "3: jal %0, 1b\n2: nop\n4:\n.option pop"
			 : "=r"(link), "=r"(want));
	rt_check("jal back link", link, want);
	__asm__ volatile(".option push\n.option norvc\n"
			 "la t1, 1f\n"
			 "jalr %0, 0(t1)\n2: li %0, 0\n"
			 "1: la %1, 2b\n.option pop"
			 : "=&r"(link), "=r"(want) :: "t1");
	rt_check("jalr link", link, want);
	__asm__ volatile(".option push\n.option norvc\n"
			 "la t1, 1f\n addi t1, t1, 1\n"
			 "li %2, 0\n"
			 "jalr %0, 0(t1)\n2: li %2, 99\n"
			 "1: la %1, 2b\n.option pop"
			 : "=&r"(link), "=r"(want), "=&r"(r) :: "t1");
	rt_check("jalr bit0 link", link, want);
	rt_check("jalr bit0 target", r, 0);
	__asm__ volatile(".option push\n.option norvc\n"
			 "la t1, 1f + 9\n"
			 "li %1, 0\n"
			 "jalr t1, -8(t1)\n li %1, 99\n"
			 "1: mv %0, t1\n.option pop"
			 : "=&r"(link), "=&r"(r) :: "t1");
	rt_check("jalr odd offset lands", r, 0);
	__asm__ volatile(".option push\n.option norvc\n"
			 "la t1, 1f\n"
			 "jalr t1, 0(t1)\n2:\n"
			 "1: mv %0, t1\n la %1, 2b\n.option pop"
			 : "=&r"(link), "=r"(want) :: "t1");
	rt_check("jalr rd==rs1", link, want);
	/* A call/return pair through ra. */
	__asm__ volatile(".option push\n.option norvc\n"
			 "li %0, 0\n"
			 "jal ra, 1f\n addi %0, %0, 2\n j 2f\n"
			 "1: addi %0, %0, 1\n ret\n"
			 "2:\n.option pop"
			 : "=&r"(r) :: "ra");
	rt_check("call ret", r, 3);
}

static void x0_writes(void)
{
	static volatile uint64_t word = 0x1122334455667788;
	uint64_t r, saved;

	rt_group("x0-writes");
	__asm__ volatile("addi x0, x0, 5\n mv %0, x0" : "=r"(r));
	rt_check("addi x0", r, 0);
	__asm__ volatile("li t1, 7\n add x0, t1, t1\n mv %0, x0" : "=r"(r) :: "t1");
	rt_check("add x0", r, 0);
	__asm__ volatile("lui x0, 0x12345\n mv %0, x0" : "=r"(r));
	rt_check("lui x0", r, 0);
	__asm__ volatile("auipc x0, 0x12345\n mv %0, x0" : "=r"(r));
	rt_check("auipc x0", r, 0);
	__asm__ volatile("jal x0, 1f\n1: mv %0, x0" : "=r"(r));
	rt_check("jal x0", r, 0);
	__asm__ volatile("la t1, 1f\n jalr x0, 0(t1)\n1: mv %0, x0" : "=r"(r) :: "t1");
	rt_check("jalr x0", r, 0);
	__asm__ volatile("ld x0, 0(%1)\n mv %0, x0" : "=r"(r) : "r"(&word));
	rt_check("ld x0", r, 0);
	__asm__ volatile("lb x0, 0(%1)\n mv %0, x0" : "=r"(r) : "r"(&word));
	rt_check("lb x0", r, 0);
	__asm__ volatile("amoadd.d x0, %2, (%1)\n mv %0, x0"
			 : "=r"(r) : "r"(&word), "r"(U(1)) : "memory");
	rt_check("amoadd.d x0", r, 0);
	rt_check("amoadd.d x0 mem", word, 0x1122334455667789);
	saved = RT_CSR_READ(mscratch);
	__asm__ volatile("csrw mscratch, %1\n csrrw x0, mscratch, %2\n mv %0, x0"
			 : "=r"(r) : "r"(U(0xaaaa)), "r"(U(0xbbbb)));
	rt_check("csrrw x0", r, 0);
	rt_check("csrrw x0 wrote csr", RT_CSR_READ(mscratch), 0xbbbb);
	__asm__ volatile("csrrs x0, mscratch, x0\n mv %0, x0" : "=r"(r));
	rt_check("csrrs x0", r, 0);
	RT_CSR_WRITE(mscratch, saved);
}

/* Fences and hints are no-ops for a single hart: they must execute
 * without trapping and leave registers and memory as they were. */
static void fences(void)
{
	static volatile uint64_t word;
	uint64_t r;

	rt_group("fence-hints");
	word = 0;
	__asm__ volatile("li %0, 3\n"
			 "sd %0, 0(%1)\n"
			 "fence\n"
			 "fence rw, rw\n"
			 "fence r, r\n"
			 "fence w, w\n"
			 "fence iorw, iorw\n"
			 "fence.tso\n"
			 ".word 0x0100000f\n"     /* pause (Zihintpause) */
			 "fence.i\n"
			 "nop\n"
			 "c.nop\n"
			 "addi x0, x1, 5\n"       /* HINT encodings */
			 "slli x0, x0, 3\n"
			 "ld %0, 0(%1)\n"
			 "addi %0, %0, 1"
			 : "=&r"(r) : "r"(&word) : "memory");
	rt_check("fences keep state", r, 4);
	rt_check("store before fence", word, 3);
}

int main(void)
{
	fences();
	branches();
	branches_x0();
	jumps();
	x0_writes();
	return rt_finish();
}
