/* Benchmark: conversions: int <-> double (fcvt.d.l, fcvt.l.d rtz, fcvt.w.d),
 * double <-> float (fcvt.s.d, fcvt.d.s), unsigned forms; checksum of the
 * integer results. */
#include "fpbench.h"

#define ROUNDS 15000000

/* After bench_fp_enable: no FP instruction may run before FS is on. */
__attribute__((noinline)) static uint64_t run(void)
{
	uint64_t seed = 99, sum = 0;
	volatile double scale = 1.0 / 3.0;
	double s = scale;

	for (int r = 0; r < ROUNDS; r++) {
		int64_t v = (int64_t)(bench_rand(&seed) >> 20) - (1ll << 42);
		double d = (double)v * s;             /* fcvt.d.l, fmul */
		int64_t back = (int64_t)d;            /* fcvt.l.d rtz */
		int32_t w = (int32_t)(d * 1e-6);      /* fcvt.w.d rtz */
		float f = (float)d;                   /* fcvt.s.d */
		double g = (double)f;                 /* fcvt.d.s */
		uint32_t u = (uint32_t)(g < 0 ? -g * 1e-5 : g * 1e-5); /* fcvt.wu.d */

		sum = bench_mix(sum, (uint64_t)back ^ (uint64_t)(int64_t)w ^
				       ((uint64_t)u << 20) ^ (uint64_t)(int64_t)g);
	}
	return sum;
}

int main(void)
{
	bench_fp_enable();
	return bench_report("fpconv", run());
}
