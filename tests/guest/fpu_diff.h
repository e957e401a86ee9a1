/* Body of the FP JIT differential programs (fpu_diff_*.c, docs/backend.md
 * "Floating point"): FPU_DIFF_N seeded pseudo-random operations over every
 * op and rounding mode (static and dyn, frm 0..4), on the edge-biased
 * operands of fpu_rand.h, each started with random fflags — mostly with
 * NX already set, the state in which the JIT's inline fast paths run, and
 * otherwise anything, so that a flag the inline code failed to raise shows
 * up in the fflags read back.  Prints one hash of results and fflags per
 * (op, rounding mode) and the count of ops it covers, then a total.
 * fpu-diff.py runs it with LOOM_FP=helper (the exact helpers, the oracle)
 * and with the JIT (LOOM_FP=jit, nofma, fallback) and requires identical
 * output; the guest suite also compares it with QEMU's (the .ref). */
#ifndef LOOM_GUEST_FPU_DIFF_H
#define LOOM_GUEST_FPU_DIFF_H

#define FPU_RAND_NO_RUN
#define FPU_RAND_SEED FPU_DIFF_SEED
#include "fpu_values.h"
#include "fpu_rand.h"

/* fsgnj/fsgnjn/fsgnjx with rs1 == rs2 (fmv, fneg, fabs: their own path
 * in the translator). */
#define FPU_SELF(i) FPU_ASM(i " ft2, ft0, ft0\n\tfmv.x.d %0, ft2")
static uint64_t fpu_self(int k, uint64_t a, uint64_t *flags)
{
	uint64_t r = 0, fl = 0, b = 0, c = 0;

	switch (k) {
	case 0: FPU_SELF("fsgnj." FPU_P); break;
	case 1: FPU_SELF("fsgnjn." FPU_P); break;
	default: FPU_SELF("fsgnjx." FPU_P); break;
	}
	*flags = fl;
	return r;
}

/* rm index: 0-4 static, 5 dyn (any frm); ops without rm count as 5 */
static uint64_t diff_hash[OP_COUNT][6], diff_n[OP_COUNT][6];

static void fpu_diff_run(unsigned mant, unsigned ebits, const uint64_t *tab,
			 int ntab, unsigned omant, unsigned oebits,
			 const uint64_t *otab, int notab)
{
	uint64_t total = 0;

	for (uint64_t i = 0; i < FPU_DIFF_N; i++) {
		int op = (int)(rng() % OP_COUNT);
		uint64_t pick = rng() % 6, frm = rng() % 5, fl, r;
		int rm = pick < 5 ? (int)pick : 7, ri;
		uint64_t a = rand_fp(mant, ebits, tab, ntab);
		uint64_t b = rand_fp(mant, ebits, tab, ntab);
		uint64_t c = rand_fp(mant, ebits, tab, ntab);

		if (op >= OP_CVT_FROM_W && op <= OP_CVT_FROM_LU)
			a = rand_int();
		else if (op == OP_CVT_OTHER)
			a = rand_fp(omant, oebits, otab, notab);
		fpu_fl0 = rng() & 0x1f;
		if (rng() & 7)
			fpu_fl0 |= 1;            /* NX already set */
		fpu_set_frm(frm);
		r = fpu_op(op, rm, a, b, c, &fl);
		ri = fpu_has_rm(op) && rm < 5 ? rm : 5;
		diff_hash[op][ri] = fpu_mix(diff_hash[op][ri], r, fl);
		diff_n[op][ri]++;
		total = fpu_mix(total, r, fl);
	}
	for (int op = 0; op < OP_COUNT; op++)
		for (int ri = 0; ri < 6; ri++) {
			if (!diff_n[op][ri])
				continue;
			rt_puts(fpu_op_names[op]);
			rt_putc(' ');
			rt_puts(ri == 5 ? "dyn" : fpu_rm_names[ri]);
			rt_puts(" n ");
			rt_put_udec(diff_n[op][ri]);
			rt_puts(" hash ");
			rt_put_hex(diff_hash[op][ri]);
			rt_putc('\n');
		}
	for (int k = 0; k < 3; k++) {
		uint64_t h = 0, fl, r;

		for (uint64_t i = 0; i < FPU_DIFF_N / 64; i++) {
			uint64_t a = rand_fp(mant, ebits, tab, ntab);

			if (!(rng() & 7))        /* an unboxed image */
				a &= 0xffffffffull | rng() << 32;
			fpu_fl0 = rng() & 0x1f;
			r = fpu_self(k, a, &fl);
			h = fpu_mix(h, r, fl);
		}
		rt_puts(fpu_op_names[OP_SGNJ + k]);
		rt_puts(" rs1==rs2 hash ");
		rt_put_hex(h);
		rt_putc('\n');
		total = fpu_mix(total, h, 0);
	}
	rt_puts("total ");
	rt_put_hex(total);
	rt_putc('\n');
	rt_check("ran", 1, 1);
}

#endif
