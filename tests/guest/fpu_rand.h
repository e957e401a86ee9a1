/* Body of the randomized differential F/D programs (fpu_rand_f/_d):
 * FPU_RAND_N seeded pseudo-random operations over every op and rounding
 * mode (static and dyn), on operands biased towards the interesting spots
 * (table edge values, near-ties with short significands, exponents around
 * the subnormal boundary, 1.0, overflow and the integer limits).  Prints a
 * hash of results and fflags every 16384 ops and the first 48 ops in full,
 * so a difference from QEMU is located to a short window.  Include after
 * fpu_values.h with FPU_P etc. defined. */
#ifndef LOOM_GUEST_FPU_RAND_H
#define LOOM_GUEST_FPU_RAND_H

#ifndef FPU_RAND_N
#define FPU_RAND_N 524288
#endif
#ifndef FPU_RAND_SEED
#define FPU_RAND_SEED 0x2545f4914f6cdd1dull
#endif

static uint64_t rng_state = FPU_RAND_SEED;

static uint64_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* A random image of a format with `mant` fraction bits and `ebits`
 * exponent bits (bias = 2^(ebits-1) - 1). */
static uint64_t rand_fp(unsigned mant, unsigned ebits, const uint64_t *tab,
			int ntab)
{
	uint64_t r = rng(), bias = (1ull << (ebits - 1)) - 1;
	uint64_t emax = (1ull << ebits) - 1, e, m, s = rng() & 1;

	switch (r & 7) {
	case 0: case 1:
		return tab[(r >> 8) % (uint64_t)ntab];
	case 2:                          /* any bits */
		m = rng();
		return mant == 23 ? FS(m & 0xffffffff) : m;
	case 3:                          /* short significand: ties */
		m = rng() & ~((1ull << (mant - (r >> 8) % mant)) - 1);
		e = bias + ((r >> 16) % 9) - 4;
		break;
	case 4:                          /* around the subnormal boundary */
		m = rng();
		e = (r >> 8) % 4;
		break;
	case 5:                          /* around overflow */
		m = rng();
		e = emax - 1 - (r >> 8) % 3;
		break;
	case 6:                          /* around the integer limits */
		m = rng() & ~((1ull << ((r >> 8) % mant)) - 1);
		e = bias + 29 + (r >> 16) % 6 + ((r >> 24) & 1) * 32;
		if (e >= emax)
			e = emax - 1;
		break;
	default:                         /* near 1 */
		m = rng();
		e = bias - 1 + (r >> 8) % 3;
		break;
	}
	uint64_t bits = s << (mant + ebits) | e << mant |
			(m & ((1ull << mant) - 1));
	return mant == 23 ? FS(bits) : bits;
}

static uint64_t rand_int(void)
{
	uint64_t r = rng(), v = rng();

	switch (r & 3) {
	case 0: return v;
	case 1: return v >> (r >> 8) % 64;
	case 2: return (uint64_t)((int64_t)v >> (r >> 8) % 64);
	default: return fpu_ints[(r >> 8) % NVALS(fpu_ints)];
	}
}

#ifndef FPU_RAND_NO_RUN
static void fpu_rand_run(unsigned mant, unsigned ebits, const uint64_t *tab,
			 int ntab, unsigned omant, unsigned oebits,
			 const uint64_t *otab, int notab)
{
	uint64_t h = 0;

	for (int i = 0; i < FPU_RAND_N; i++) {
		int op = (int)(rng() % OP_COUNT);
		uint64_t pick = rng() % 6, frm = rng() % 5, fl, r;
		int rm = pick < 5 ? (int)pick : 7;
		uint64_t a = rand_fp(mant, ebits, tab, ntab);
		uint64_t b = rand_fp(mant, ebits, tab, ntab);
		uint64_t c = rand_fp(mant, ebits, tab, ntab);

		if (op >= OP_CVT_FROM_W && op <= OP_CVT_FROM_LU)
			a = rand_int();
		else if (op == OP_CVT_OTHER)
			a = rand_fp(omant, oebits, otab, notab);
		fpu_set_frm(frm);
		r = fpu_op(op, rm, a, b, c, &fl);
		h = fpu_mix(h, r, fl);
		if (i < 48)
			fpu_print(op, fpu_has_rm(op) ? (rm == 7 ? 5 + (int)frm : rm) : -1,
				  a, b, r, fl);
		if ((i & 16383) == 16383) {
			rt_puts("ops ");
			rt_put_udec((uint64_t)i + 1);
			rt_puts(" hash ");
			rt_put_hex(h);
			rt_putc('\n');
		}
	}
	rt_check("ran", 1, 1);
}
#endif

#endif
