/* F/D state and encodings around the arithmetic: mstatus.FS = Off makes
 * every FP instruction and fcsr access illegal (mtval = bits); FS Dirty
 * tracking (writes of f registers and fcsr set Dirty and SD, stores and
 * moves to x do not); fflags/frm/fcsr as views of one register; dyn rm with
 * an invalid frm is illegal at execution while ops without rm still run;
 * reserved static rm is illegal; NaN-boxing through loads, stores, moves
 * and sign injection; the compressed FP loads and stores. */
#include "fpu.h"

#define NORVC(s) ".option push\n.option norvc\n" s "\n.option pop"
#define FS_FIELD() ((RT_CSR_READ(mstatus) >> 13) & 3)
#define SD_BIT() (RT_CSR_READ(mstatus) >> 63)

static uint64_t insn_bits(uint64_t pc)
{
	const volatile uint16_t *p = (const volatile uint16_t *)(uintptr_t)pc;

	if ((p[0] & 3) != 3)
		return p[0];
	return p[0] | (uint64_t)p[1] << 16;
}

#define ILLEGAL(name, insns) do { \
	uint64_t pc_, before_ = rt_trap.count; \
	RT_TRAP_AT(pc_, 0, insns); \
	rt_check_trap(name, before_, 2, pc_, insn_bits(pc_)); \
} while (0)

static void set_fs(unsigned fs)
{
	RT_CSR_CLEAR(mstatus, 3ull << 13);
	RT_CSR_SET(mstatus, (uint64_t)fs << 13);
}

static void fs_off(void)
{
	rt_group("fs-off");
	set_fs(0);
	rt_check("fs reads 0", FS_FIELD(), 0);
	rt_check("sd clear", SD_BIT(), 0);
	ILLEGAL("fadd.s", NORVC("fadd.s ft0, ft1, ft2"));
	ILLEGAL("fmadd.d", NORVC("fmadd.d ft0, ft1, ft2, ft3"));
	ILLEGAL("flw", NORVC("flw ft0, 0(sp)"));
	ILLEGAL("fsd", NORVC("fsd ft0, 0(sp)"));
	ILLEGAL("fmv.x.d", NORVC("fmv.x.d t1, ft0"));
	ILLEGAL("fmv.w.x", NORVC("fmv.w.x ft0, zero"));
	ILLEGAL("fclass.s", NORVC("fclass.s t1, ft0"));
	ILLEGAL("fcvt.d.w", NORVC("fcvt.d.w ft0, zero"));
	ILLEGAL("c.fld", "c.fld fa0, 0(a5)");
	ILLEGAL("c.fsdsp", "c.fsdsp fa0, 0(sp)");
	ILLEGAL("csrr fflags", NORVC("csrr t1, fflags"));
	ILLEGAL("csrw frm", NORVC("csrw frm, zero"));
	ILLEGAL("csrr fcsr", NORVC("csrr t1, fcsr"));
	rt_check("fs still off", FS_FIELD(), 0);
	set_fs(1);
}

static void dirty(void)
{
	uint64_t x, mem = 0;

	rt_group("fs-dirty");
	set_fs(1);
	rt_check("initial", FS_FIELD(), 1);
	rt_check("initial sd", SD_BIT(), 0);
	__asm__ volatile("fsd ft0, %0" : "=m"(mem));
	rt_check("fsd keeps", FS_FIELD(), 1);
	__asm__ volatile("fmv.x.d %0, ft0" : "=r"(x));
	rt_check("fmv.x.d keeps", FS_FIELD(), 1);
	__asm__ volatile("fclass.d %0, ft0" : "=r"(x));
	rt_check("fclass keeps", FS_FIELD(), 1);
	__asm__ volatile("fadd.d ft0, ft1, ft2" ::: "ft0");
	rt_check("fadd dirty", FS_FIELD(), 3);
	rt_check("fadd sd", SD_BIT(), 1);
	set_fs(2);
	rt_check("clean", FS_FIELD(), 2);
	rt_check("clean sd", SD_BIT(), 0);
	__asm__ volatile("fld ft0, %0" :: "m"(mem) : "ft0");
	rt_check("fld dirty", FS_FIELD(), 3);
	set_fs(2);
	__asm__ volatile("fmv.w.x ft0, zero" ::: "ft0");
	rt_check("fmv.w.x dirty", FS_FIELD(), 3);
	set_fs(2);
	__asm__ volatile("csrw fflags, zero");
	rt_check("csrw fflags dirty", FS_FIELD(), 3);
	set_fs(2);
	__asm__ volatile("csrw frm, zero");
	rt_check("csrw frm dirty", FS_FIELD(), 3);
	set_fs(1);
	__asm__ volatile("c.fldsp ft0, 0(sp)" ::: "ft0");
	rt_check("c.fldsp dirty", FS_FIELD(), 3);
	rt_check("dirty sd", SD_BIT(), 1);
	set_fs(1);
}

static void csrs(void)
{
	uint64_t old;

	rt_group("fcsr");
	__asm__ volatile("csrw fcsr, %0" :: "r"(0xffffull));
	rt_check("fcsr masked", RT_CSR_READ(fcsr), 0xff);
	rt_check("frm view", RT_CSR_READ(frm), 7);
	rt_check("fflags view", RT_CSR_READ(fflags), 0x1f);
	__asm__ volatile("csrw frm, %0" :: "r"(0x2bull));
	rt_check("frm 3 bits", RT_CSR_READ(frm), 3);
	rt_check("fcsr after frm", RT_CSR_READ(fcsr), 0x7f);
	__asm__ volatile("csrrw %0, fflags, %1" : "=r"(old) : "r"(0x25ull));
	rt_check("fflags old", old, 0x1f);
	rt_check("fflags 5 bits", RT_CSR_READ(fflags), 5);
	__asm__ volatile("csrrci %0, fflags, 1" : "=r"(old));
	rt_check("csrrci fflags", RT_CSR_READ(fflags), 4);
	__asm__ volatile("csrrsi %0, frm, 4" : "=r"(old));
	rt_check("csrrsi frm", RT_CSR_READ(frm), 7);
	__asm__ volatile("csrw fcsr, zero");
	/* Flags accrue: a second op adds to, never clears, fflags. */
	uint64_t one = FS(0x3f800000), three = FS(0x40400000), zero = FS(0);
	__asm__ volatile("fmv.d.x ft0, %0\n\tfmv.d.x ft1, %1\n\t"
			 "fdiv.s ft2, ft0, ft1\n\tfmv.d.x ft1, %2\n\t"
			 "fdiv.s ft2, ft0, ft1"
			 :: "r"(one), "r"(three), "r"(zero) : "ft0", "ft1", "ft2");
	rt_check("accrued NX|DZ", RT_CSR_READ(fflags), 0x09);
	__asm__ volatile("csrw fcsr, zero");
}

static void bad_rm(void)
{
	uint64_t x;

	rt_group("rm");
	for (uint64_t frm = 5; frm <= 7; frm++) {
		__asm__ volatile("csrw frm, %0" :: "r"(frm));
		ILLEGAL("fadd.s dyn", NORVC("fadd.s ft0, ft1, ft2"));
		ILLEGAL("fmadd.d dyn", NORVC("fmadd.d ft0, ft1, ft2, ft3"));
		ILLEGAL("fcvt.w.d dyn", NORVC("fcvt.w.d t1, ft0"));
		ILLEGAL("fcvt.d.w dyn", NORVC(".insn r 0x53, 7, 0x69, ft0, zero, x0"));
		ILLEGAL("fcvt.d.s dyn", NORVC(".insn r 0x53, 7, 0x21, ft0, ft1, x0"));
		/* Ops without an rm field ignore frm. */
		__asm__ volatile("fsgnj.d ft0, ft1, ft2\n\tfeq.d %0, ft0, ft0\n\t"
				 "fmin.s ft0, ft1, ft2" : "=r"(x) :: "ft0");
		/* A static rm overrides a bad frm. */
		__asm__ volatile("fadd.d ft0, ft1, ft2, rne" ::: "ft0");
	}
	rt_check("frm kept", RT_CSR_READ(frm), 7);
	__asm__ volatile("csrw frm, zero");
	/* Static rm 5 and 6 are reserved: illegal whatever frm says. */
	ILLEGAL("fadd.s rm=5", NORVC(".insn r 0x53, 5, 0x00, ft0, ft1, ft2"));
	ILLEGAL("fadd.d rm=6", NORVC(".insn r 0x53, 6, 0x01, ft0, ft1, ft2"));
	ILLEGAL("fsqrt.s rm=5", NORVC(".insn r 0x53, 5, 0x2c, ft0, ft1, x0"));
	ILLEGAL("fcvt.d.s rm=6", NORVC(".insn r 0x53, 6, 0x21, ft0, ft1, x0"));
	ILLEGAL("fmadd.s rm=5", NORVC(".insn r4 0x43, 5, 0, ft0, ft1, ft2, ft3"));
	ILLEGAL("fsgnj.s f3=3", NORVC(".insn r 0x53, 3, 0x10, ft0, ft1, ft2"));
	ILLEGAL("fmt=Q", NORVC(".insn r 0x53, 0, 0x03, ft0, ft1, ft2"));
	ILLEGAL("flq", NORVC(".insn i 0x07, 4, ft0, 0(sp)"));
}

/* Run asm with f10 (fa0) = in, return fa1's image. */
#define F_IO(insn, in) ({ uint64_t o_; \
	__asm__ volatile("fmv.d.x fa0, %1\n\t" insn "\n\tfmv.x.d %0, fa1" \
			 : "=r"(o_) : "r"(U(in)) : "fa0", "fa1", "memory"); o_; })

static void boxing(void)
{
	static volatile uint64_t buf[4];
	volatile uint64_t *p = buf;
	uint64_t x;

	rt_group("nan-boxing");
	buf[0] = 0x1122334455667788ull;
	buf[1] = 0;
	__asm__ volatile("flw fa1, 0(%1)\n\tfmv.x.d %0, fa1" : "=r"(x) : "r"(p) : "fa1");
	rt_check("flw boxes", x, 0xffffffff55667788ull);
	__asm__ volatile("fld fa1, 0(%1)\n\tfmv.x.d %0, fa1" : "=r"(x) : "r"(p) : "fa1");
	rt_check("fld raw", x, 0x1122334455667788ull);
	x = 0x0123456789abcdefull;
	__asm__ volatile("fmv.d.x fa0, %1\n\tfsw fa0, 8(%0)" :: "r"(p), "r"(x) : "fa0", "memory");
	rt_check("fsw low bits", buf[1], 0x89abcdefull);
	__asm__ volatile("fmv.d.x fa0, %1\n\tfsd fa0, 16(%0)" :: "r"(p), "r"(x) : "fa0", "memory");
	rt_check("fsd raw", buf[2], x);
	__asm__ volatile("fmv.d.x fa0, %1\n\tfmv.x.w %0, fa0" : "=r"(x) : "r"(0x12345678cafef00dull) : "fa0");
	rt_check("fmv.x.w no unbox", x, 0xffffffffcafef00dull);
	__asm__ volatile("fmv.w.x fa0, %1\n\tfmv.x.d %0, fa0" : "=r"(x) : "r"(0xabcdef0012345678ull) : "fa0");
	rt_check("fmv.w.x boxes", x, 0xffffffff12345678ull);
	rt_check("fsgnj.s unboxed", F_IO("fsgnj.s fa1, fa0, fa0", 0x3f800000ull), FS(0x7fc00000));
	rt_check("fsgnjn.s unboxed", F_IO("fsgnjn.s fa1, fa0, fa0", 0x3f800000ull), FS(0xffc00000));
	rt_check("fsgnjx.s boxed", F_IO("fsgnjx.s fa1, fa0, fa0", FS(0xbf800000)), FS(0x3f800000));
	rt_check("fsgnj.d raw", F_IO("fsgnjn.d fa1, fa0, fa0", 0x7ff0000000000001ull), 0xfff0000000000001ull);
	rt_check("fmv.s unboxed", F_IO("fsgnj.s fa1, fa0, fa0", 0xffff0000ffffffffull), FS(0x7fc00000));
	rt_check("fcvt.d.s unboxed", F_IO("fcvt.d.s fa1, fa0", 0x3f800000ull), 0x7ff8000000000000ull);
	rt_check("fcvt.s.d boxes", F_IO("fcvt.s.d fa1, fa0", 0x3ff0000000000000ull), FS(0x3f800000));
	rt_check("fsgnj.s no flags", RT_CSR_READ(fflags) & 0x10, 0);
	rt_check("fclass.s unboxed", ({ uint64_t c_; __asm__ volatile(
		"fmv.d.x fa0, %1\n\tfclass.s %0, fa0" : "=r"(c_) : "r"(0x7f800000ull) : "fa0"); c_; }), 0x200);
	__asm__ volatile("csrw fcsr, zero");
}

static void compressed(void)
{
	static volatile uint64_t buf[4];
	uint64_t x;

	rt_group("rvc-fp");
	buf[0] = 0x400921fb54442d18ull;
	__asm__ volatile("mv a5, %1\n\tc.fld fa0, 0(a5)\n\tc.fsd fa0, 8(a5)\n\t"
			 "fmv.x.d %0, fa0" : "=r"(x) : "r"(buf) : "a5", "fa0", "memory");
	rt_check("c.fld", x, 0x400921fb54442d18ull);
	rt_check("c.fsd", buf[1], 0x400921fb54442d18ull);
	__asm__ volatile("addi sp, sp, -16\n\tfmv.d.x fs0, %1\n\tc.fsdsp fs0, 8(sp)\n\t"
			 "c.fldsp fs1, 8(sp)\n\tfmv.x.d %0, fs1\n\taddi sp, sp, 16"
			 : "=r"(x) : "r"(0xc00921fb54442d18ull) : "fs0", "fs1", "memory");
	rt_check("c.fsdsp/c.fldsp", x, 0xc00921fb54442d18ull);
}

int main(void)
{
	fpu_enable();
	fs_off();
	dirty();
	csrs();
	bad_rm();
	boxing();
	compressed();
	return rt_finish();
}
