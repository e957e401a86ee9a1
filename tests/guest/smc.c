/* Self-modifying code: instructions written into RAM, made visible with
 * fence.i and executed; then modified and re-executed after the old code
 * has run (and been translated) many times. Covers a separate code page
 * called as a function, patching the very next instruction of the running
 * block, 16-bit (compressed) patches, a growing generated function, code
 * with two entry points, and an instruction straddling two pages patched
 * through its second half only, then by one misaligned store across both. */
#include "insn.h"

/* addi rd, x0, imm and ret */
#define ADDI_X0(rd, imm) ((((uint32_t)(imm) & 0xfff) << 20) | ((rd) << 7) | 0x13)
#define ADDI(rd, rs, imm) ((((uint32_t)(imm) & 0xfff) << 20) | ((rs) << 15) | \
			   ((rd) << 7) | 0x13)
#define RET 0x00008067u
#define A0 10
/* c.li a0, imm (imm in -32..31) */
#define C_LI_A0(imm) ((uint16_t)(0x4001 | (A0 << 7) | (((imm) & 0x1f) << 2) | \
				 (((imm) & 0x20) << 7)))

static uint32_t code[2048] __attribute__((aligned(4096)));   /* two pages */

typedef uint64_t (*fn_t)(void);
typedef uint64_t (*fn1_t)(uint64_t);

static void sync_icache(void)
{
	__asm__ volatile("fence.i" ::: "memory");
}

static uint64_t call(void)
{
	return ((fn_t)(uintptr_t)code)();
}

static void page_function(void)
{
	uint64_t sum = 0;

	rt_group("code-page");
	code[0] = ADDI_X0(A0, 1);
	code[1] = RET;
	sync_icache();
	rt_check("first", call(), 1);
	for (int i = 0; i < 200; i++)
		sum += call();
	rt_check("cached", sum, 200);
	for (int v = 2; v < 60; v++) {
		code[0] = ADDI_X0(A0, v * 37 - 1000);
		sync_icache();
		sum = call() + call();
		if (!rt_check("rewritten", sum, (uint64_t)(2 * (v * 37 - 1000))))
			break;
	}
	/* Compressed: c.li a0, imm; c.jr ra in one word. */
	for (int v = -32; v < 32; v += 7) {
		code[0] = C_LI_A0(v) | (uint32_t)0x8082 << 16;
		sync_icache();
		if (!rt_check("c.li patch", call(), (uint64_t)(int64_t)v))
			break;
	}
	/* A 16-bit store patching only the first halfword. */
	code[0] = C_LI_A0(5) | (uint32_t)0x8082 << 16;
	sync_icache();
	rt_check("c.li 5", call(), 5);
	*(volatile uint16_t *)(uintptr_t)code = C_LI_A0(-3);
	sync_icache();
	rt_check("halfword patch", call(), (uint64_t)-3);
}

static void grow_function(void)
{
	rt_group("grow");
	/* n instructions of addi a0, a0, 3 then ret, for growing n. */
	for (int n = 1; n <= 700; n += 77) {
		code[0] = ADDI_X0(A0, 0);
		for (int i = 1; i <= n; i++)
			code[i] = ADDI(A0, A0, 3);
		code[n + 1] = RET;
		sync_icache();
		if (!rt_check("grown", call(), (uint64_t)(3 * n)))
			break;
		call();
	}
}

/* Store to the instruction right after the store, in the running block:
 * after fence.i the new immediate must be seen, on every pass. */
static void inline_patch(void)
{
	uint64_t r, site = 0;

	rt_group("next-insn");
	for (int i = 0; i < 20; i++) {
		/* addi a0, x0, 100 + i */
		uint32_t insn = ((uint32_t)(100 + i) << 20) | (A0 << 7) | 0x13;

		__asm__ volatile(".option push\n.option norvc\n"
				 "la t0, 1f\n"
				 "sw %2, 0(t0)\n"
				 "fence.i\n"
				 "1: addi a0, x0, 7\n"
				 "mv %0, a0\n"
				 "mv %1, t0\n"
				 ".option pop"
				 : "=r"(r), "=r"(site) : "r"(insn) : "t0", "a0", "memory");
		if (!rt_check("patched next insn", r, (uint64_t)(100 + i)))
			break;
	}
	rt_check("site holds last", *(volatile uint32_t *)(uintptr_t)site >> 20, 119);
}

/* Two entry points into one piece of code (two overlapping translated
 * blocks): patching the shared instruction must reach both. */
static void overlapping(void)
{
	fn1_t a = (fn1_t)(uintptr_t)&code[0], b = (fn1_t)(uintptr_t)&code[1];

	rt_group("overlap");
	code[0] = ADDI_X0(A0, 100);
	code[1] = ADDI(A0, A0, 5);
	code[2] = RET;
	sync_icache();
	for (int i = 0; i < 50; i++)
		a(0), b(0);
	rt_check("entry a", a(0), 105);
	rt_check("entry b", b(1), 6);
	code[1] = ADDI(A0, A0, 7);
	sync_icache();
	rt_check("entry a patched", a(0), 107);
	rt_check("entry b patched", b(1), 8);
}

/* A 4-byte instruction straddling the boundary of the two code pages;
 * rewriting only its upper half (on the second page) must be seen by the
 * block that starts on the first page. */
static void straddling(void)
{
	volatile uint16_t *h = (volatile uint16_t *)(uintptr_t)code;
	fn_t f = (fn_t)(uintptr_t)&h[2045];            /* byte 4090 */
	uint32_t insn = ADDI_X0(A0, 11);

	rt_group("page-straddle");
	h[2045] = 0x0001;                               /* c.nop */
	h[2046] = 0x0001;                               /* c.nop */
	h[2047] = (uint16_t)insn;                       /* bytes 4094..4095 */
	h[2048] = (uint16_t)(insn >> 16);               /* bytes 4096..4097 */
	h[2049] = 0x8082;                               /* c.jr ra */
	sync_icache();
	for (int i = 0; i < 50; i++)
		f();
	rt_check("straddling insn", f(), 11);
	for (int v = 12; v < 40; v += 9) {
		h[2048] = (uint16_t)(ADDI_X0(A0, v) >> 16);
		sync_icache();
		if (!rt_check("upper half rewritten", f(), (uint64_t)v))
			break;
	}
	/* One misaligned 4-byte store across the page boundary rewrites the
	 * whole instruction: both pages' TBs must go (each page is reported
	 * on its own, docs/concurrency.md S4). */
	for (int v = 41; v < 60; v += 9) {
		__asm__ volatile("sw %0, 0(%1)" :: "r"(ADDI_X0(A0, v)),
				 "r"(&h[2047]) : "memory");
		sync_icache();
		if (!rt_check("misaligned store across the pages", f(), (uint64_t)v))
			break;
	}
}

int main(void)
{
	page_function();
	grow_function();
	inline_patch();
	overlapping();
	straddling();
	return rt_finish();
}
