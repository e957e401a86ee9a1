/* Shared harness of the F/D guest programs (fpu_f, fpu_d, fpu_rand): run
 * one FP instruction on raw 64-bit register images through inline
 * assembly, in a chosen rounding mode, and return the result image and the
 * fflags it raised.
 *
 * Operands are loaded with fmv.d.x, so single-precision inputs must be
 * NaN-boxed by the caller (FS(x)); an unboxed image tests NaN-boxing.
 * Results are read back with fmv.x.d: the full 64-bit image, box included.
 * Rounding modes 0-4 are static (the rm field); 7 is dyn (frm, set by the
 * caller with fpu_set_frm).  Define FPU_P ("s"/"d"), FPU_Q (the other
 * precision), FPU_W ("w"/"d", the fmv suffix), and FPU_IS_D for double,
 * before including. */
#ifndef LOOM_GUEST_FPU_H
#define LOOM_GUEST_FPU_H

#include "insn.h"

#define FS(x) (U(x) | 0xffffffff00000000ull)   /* NaN-box a single */

static inline void fpu_enable(void)
{
	/* FS = Initial: the runtime's start.S leaves FS Off. */
	RT_CSR_CLEAR(mstatus, 3ull << 13);
	RT_CSR_SET(mstatus, 1ull << 13);
}

static inline void fpu_set_frm(uint64_t rm)
{
	__asm__ volatile("fsrm %0" :: "r"(rm));
}

/* Operation numbers of fpu_op(). */
enum {
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_MIN, OP_MAX, OP_SGNJ,
	OP_SGNJN, OP_SGNJX, OP_EQ, OP_LT, OP_LE, OP_CLASS, OP_CVT_W, OP_CVT_WU,
	OP_CVT_L, OP_CVT_LU, OP_CVT_FROM_W, OP_CVT_FROM_WU, OP_CVT_FROM_L,
	OP_CVT_FROM_LU, OP_CVT_OTHER, OP_MADD, OP_MSUB, OP_NMSUB, OP_NMADD,
	OP_MV_X, OP_MV_FROM_X, OP_COUNT
};

/* Which ops take a rounding mode (others run once, with rm = 7). */
static inline int fpu_has_rm(int op)
{
	return op <= OP_SQRT || (op >= OP_CVT_W && op <= OP_NMADD);
}

/* fflags before the op: 0 unless a program sets fpu_fl0 (fpu_diff.h
 * starts ops with flags already raised, as real code runs: the JIT's
 * inline paths depend on NX being set). */
static uint64_t fpu_fl0 __attribute__((unused));

#define FPU_ASM(body) \
	__asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\t" \
			 "fmv.d.x ft3, %4\n\tfsflags %5\n\t" body \
			 "\n\tfrflags %1" \
			 : "=&r"(r), "=&r"(fl) : "r"(a), "r"(b), "r"(c), \
			   "r"(fpu_fl0) \
			 : "ft0", "ft1", "ft2", "ft3")
#define F3(i, rm) FPU_ASM(i " ft2, ft0, ft1, ft3" rm "\n\tfmv.x.d %0, ft2")
#define F2(i, rm) FPU_ASM(i " ft2, ft0, ft1" rm "\n\tfmv.x.d %0, ft2")
#define F1(i, rm) FPU_ASM(i " ft2, ft0" rm "\n\tfmv.x.d %0, ft2")
#define X2(i, rm) FPU_ASM(i " %0, ft0, ft1")
#define X1(i, rm) FPU_ASM(i " %0, ft0" rm)
#define XF(i, rm) FPU_ASM(i " ft2, %2" rm "\n\tfmv.x.d %0, ft2")

/* One case per rounding mode: static rne..rmm, then dyn. */
#define RMS(op, K, i) \
	case op * 8 + 0: K(i, ",rne"); break; \
	case op * 8 + 1: K(i, ",rtz"); break; \
	case op * 8 + 2: K(i, ",rdn"); break; \
	case op * 8 + 3: K(i, ",rup"); break; \
	case op * 8 + 4: K(i, ",rmm"); break; \
	case op * 8 + 7: K(i, ""); break;
#define NORM(op, K, i) case op * 8 + 7: K(i, ""); break;
/* The exact conversions (fcvt.d.s, fcvt.d.w, fcvt.d.wu) take an rm field
 * the assembler refuses to fill: raw .insn encodings, rm as a number. */
#define XI(args, rm) FPU_ASM(".insn r 0x53, " rm ", " args "\n\tfmv.x.d %0, ft2")
#define RMSN(op, K, args) \
	case op * 8 + 0: K(args, "0"); break; \
	case op * 8 + 1: K(args, "1"); break; \
	case op * 8 + 2: K(args, "2"); break; \
	case op * 8 + 3: K(args, "3"); break; \
	case op * 8 + 4: K(args, "4"); break; \
	case op * 8 + 7: K(args, "7"); break;

#ifdef FPU_P
/* Run op on images a, b, c (c: fused addend; for the integer-source ops
 * a is the integer) in rounding mode rm; *flags receives fflags. */
static uint64_t fpu_op(int op, int rm, uint64_t a, uint64_t b, uint64_t c,
		       uint64_t *flags)
{
	uint64_t r = 0, fl = 0;

	if (!fpu_has_rm(op))
		rm = 7;
	switch (op * 8 + rm) {
	RMS(OP_ADD, F2, "fadd." FPU_P)
	RMS(OP_SUB, F2, "fsub." FPU_P)
	RMS(OP_MUL, F2, "fmul." FPU_P)
	RMS(OP_DIV, F2, "fdiv." FPU_P)
	RMS(OP_SQRT, F1, "fsqrt." FPU_P)
	NORM(OP_MIN, F2, "fmin." FPU_P)
	NORM(OP_MAX, F2, "fmax." FPU_P)
	NORM(OP_SGNJ, F2, "fsgnj." FPU_P)
	NORM(OP_SGNJN, F2, "fsgnjn." FPU_P)
	NORM(OP_SGNJX, F2, "fsgnjx." FPU_P)
	NORM(OP_EQ, X2, "feq." FPU_P)
	NORM(OP_LT, X2, "flt." FPU_P)
	NORM(OP_LE, X2, "fle." FPU_P)
	NORM(OP_CLASS, X1, "fclass." FPU_P)
	RMS(OP_CVT_W, X1, "fcvt.w." FPU_P)
	RMS(OP_CVT_WU, X1, "fcvt.wu." FPU_P)
	RMS(OP_CVT_L, X1, "fcvt.l." FPU_P)
	RMS(OP_CVT_LU, X1, "fcvt.lu." FPU_P)
#ifdef FPU_IS_D
	RMSN(OP_CVT_FROM_W, XI, "0x69, ft2, %2, x0")
	RMSN(OP_CVT_FROM_WU, XI, "0x69, ft2, %2, x1")
	RMSN(OP_CVT_OTHER, XI, "0x21, ft2, ft0, x0")
#else
	RMS(OP_CVT_FROM_W, XF, "fcvt." FPU_P ".w")
	RMS(OP_CVT_FROM_WU, XF, "fcvt." FPU_P ".wu")
	RMS(OP_CVT_OTHER, F1, "fcvt." FPU_P "." FPU_Q)
#endif
	RMS(OP_CVT_FROM_L, XF, "fcvt." FPU_P ".l")
	RMS(OP_CVT_FROM_LU, XF, "fcvt." FPU_P ".lu")
	RMS(OP_MADD, F3, "fmadd." FPU_P)
	RMS(OP_MSUB, F3, "fmsub." FPU_P)
	RMS(OP_NMSUB, F3, "fnmsub." FPU_P)
	RMS(OP_NMADD, F3, "fnmadd." FPU_P)
	NORM(OP_MV_X, X1, "fmv.x." FPU_W)
	NORM(OP_MV_FROM_X, XF, "fmv." FPU_W ".x")
	default:
		break;
	}
	*flags = fl;
	return r;
}

#endif

static const char *const fpu_op_names[OP_COUNT] = {
	"fadd", "fsub", "fmul", "fdiv", "fsqrt", "fmin", "fmax", "fsgnj",
	"fsgnjn", "fsgnjx", "feq", "flt", "fle", "fclass", "fcvt.w", "fcvt.wu",
	"fcvt.l", "fcvt.lu", "fcvt.from.w", "fcvt.from.wu", "fcvt.from.l",
	"fcvt.from.lu", "fcvt.other", "fmadd", "fmsub", "fnmsub", "fnmadd",
	"fmv.x", "fmv.from.x",
};
static const char *const fpu_rm_names[8] = {
	"rne", "rtz", "rdn", "rup", "rmm", "?", "?", "dyn",
};

/* Rounding-mode passes: static 0-4, then dyn (7) with frm = 0..4;
 * pass -1: an op without rm. */
#define FPU_NPASS 10
static inline int fpu_pass_rm(int pass) { return pass < 5 ? pass : 7; }
static inline void fpu_pass_print(int pass)
{
	rt_puts(pass < 0 ? "-" : pass < 5 ? fpu_rm_names[pass] : "dyn");
	if (pass >= 5)
		rt_putc('0' + pass - 5);
}

/* One result line: "<op> <rm> <a> <b> -> <result> <flags>". */
static inline void fpu_print(int op, int pass, uint64_t a, uint64_t b, uint64_t r,
		      uint64_t fl)
{
	rt_puts(fpu_op_names[op]);
	rt_putc(' ');
	fpu_pass_print(pass);
	rt_putc(' ');
	rt_put_hex(a);
	rt_putc(' ');
	rt_put_hex(b);
	rt_puts(" -> ");
	rt_put_hex(r);
	rt_putc(' ');
	rt_putc("0123456789abcdef"[(fl >> 4) & 1]);
	rt_putc("0123456789abcdef"[fl & 15]);
	rt_putc('\n');
}

/* FNV-style mix of a result and its flags into a running hash. */
static inline uint64_t fpu_mix(uint64_t h, uint64_t r, uint64_t fl)
{
	h = (h ^ r) * 0x100000001b3ull;
	h = (h ^ fl) * 0x100000001b3ull;
	return h ^ (h >> 29);
}


#ifdef FPU_P
/* Every op in every rounding mode over the value tables: unary ops and
 * conversions print every result; binary and fused ops print a hash of all
 * pairs (triples: all pairs x the first 6 addends) and the results of a
 * fixed diagonal of pairs.  v: this precision's images; vo: the other
 * precision's (fcvt.s.d / fcvt.d.s input); iv: integers. */
static inline void fpu_run_all(const uint64_t *v, int n, const uint64_t *vo, int no,
			const uint64_t *iv, int ni)
{
	for (int op = 0; op < OP_COUNT; op++) {
		int npass = fpu_has_rm(op) ? FPU_NPASS : 1;
		for (int pass = 0; pass < npass; pass++) {
			int rm = fpu_has_rm(op) ? fpu_pass_rm(pass) : 7;
			int lab = fpu_has_rm(op) ? pass : -1;
			uint64_t fl, r, h = 0;

			fpu_set_frm(pass >= 5 ? pass - 5 : 0);
			if (op == OP_SQRT || op == OP_CLASS || op == OP_MV_X ||
			    (op >= OP_CVT_W && op <= OP_CVT_LU) ||
			    op == OP_CVT_OTHER) {
				const uint64_t *t = op == OP_CVT_OTHER ? vo : v;
				int m = op == OP_CVT_OTHER ? no : n;
				for (int i = 0; i < m; i++) {
					r = fpu_op(op, rm, t[i], 0, 0, &fl);
					fpu_print(op, lab, t[i], 0, r, fl);
				}
				continue;
			}
			if (op >= OP_CVT_FROM_W && op <= OP_CVT_FROM_LU) {
				for (int i = 0; i < ni; i++) {
					r = fpu_op(op, rm, iv[i], 0, 0, &fl);
					fpu_print(op, lab, iv[i], 0, r, fl);
				}
				continue;
			}
			if (op == OP_MV_FROM_X) {
				for (int i = 0; i < n; i++) {
					r = fpu_op(op, rm, v[i], 0, 0, &fl);
					fpu_print(op, lab, v[i], 0, r, fl);
				}
				continue;
			}
			int fused = op >= OP_MADD && op <= OP_NMADD;
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					for (int k = 0; k < (fused ? 6 : 1); k++) {
						r = fpu_op(op, rm, v[i], v[j], v[k], &fl);
						h = fpu_mix(h, r, fl);
					}
			for (int i = 0; i < n; i++) {
				int j = (i * 7 + 3) % n;
				r = fpu_op(op, rm, v[i], v[j], v[(i + j) % n], &fl);
				fpu_print(op, lab, v[i], v[j], r, fl);
			}
			rt_puts(fpu_op_names[op]);
			rt_putc(' ');
			fpu_pass_print(lab);
			rt_puts(" hash ");
			rt_put_hex(h);
			rt_putc('\n');
		}
	}
}

#endif  /* FPU_P */

#endif
