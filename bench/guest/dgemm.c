/* Benchmark: double-precision matrix multiply with fused multiply-add
 * (fmadd.d), C = A*B + C over N x N matrices, repeated; checksum of the
 * result bits. */
#include "fpbench.h"

#define N 96
#define ROUNDS 192

static double a[N][N], b[N][N], c[N][N];

/* After bench_fp_enable: no FP instruction may run before FS is on. */
__attribute__((noinline)) static uint64_t run(void)
{
	uint64_t seed = 4242, sum = 0;

	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			a[i][j] = (double)(bench_rand(&seed) & 0xfffff) / 1048576.0 - 0.5;
			b[i][j] = (double)(bench_rand(&seed) & 0xfffff) / 1048576.0 - 0.5;
			c[i][j] = 0;
		}
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++) {
				double acc = c[i][j] * 0.5;

				for (int k = 0; k < N; k++)
					acc = __builtin_fma(a[i][k], b[k][j], acc);
				c[i][j] = acc;
			}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			sum = bench_mix(sum, bench_bits(c[i][j]));
	return sum;
}

int main(void)
{
	bench_fp_enable();
	return bench_report("dgemm", run());
}
