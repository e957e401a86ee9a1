/* Benchmark: dependent chains of fdiv.d and fsqrt.d (and a float chain of
 * fdiv.s / fsqrt.s); checksum of the results' bits. */
#include "fpbench.h"

#define ROUNDS 15000000

/* After bench_fp_enable: no FP instruction may run before FS is on. */
__attribute__((noinline)) static uint64_t run(void)
{
	double x = 1.2345, y = 0.987, acc = 0;
	float fx = 1.5f;
	uint64_t sum = 0;

	for (int r = 0; r < ROUNDS; r++) {
		x = __builtin_sqrt(x * 7.0 + 1.0) / y;
		y = 1.0 + 1.0 / (x + y);
		fx = __builtin_sqrtf(fx * 3.0f + 2.0f) / 1.25f;
		acc += x;     /* x and y settle; acc keeps the count honest */
	}
	sum = bench_mix(bench_mix(sum, bench_bits(x)), bench_bits(y));
	sum = bench_mix(sum, bench_bits(acc));
	sum = bench_mix(sum, bench_bits((double)fx));
	return sum;
}

int main(void)
{
	bench_fp_enable();
	return bench_report("divsqrt", run());
}
