/* Benchmark: integer matrix multiply (64-bit multiply-accumulate, strided
 * loads), repeated with the product fed back; checksum of the result. */
#include "bench.h"

#define N 192
#define ROUNDS 72

static uint64_t a[N][N], b[N][N], c[N][N];

int main(void)
{
	uint64_t seed = 777, sum = 0;

	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			a[i][j] = bench_rand(&seed) & 0xffff;
			b[i][j] = bench_rand(&seed) & 0xffff;
		}
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++) {
				uint64_t acc = 0;

				for (int k = 0; k < N; k++)
					acc += a[i][k] * b[k][j];
				c[i][j] = acc;
			}
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++) {
				sum = sum * 131 + c[i][j];
				a[i][j] = c[i][j] & 0xffff;
			}
	}
	return bench_report("matmul", sum);
}
