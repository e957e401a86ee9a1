/* Benchmark: quicksort and top-down mergesort of PRNG arrays (branchy
 * integer code, loads/stores, recursion). Checks sortedness; the checksum
 * mixes the sorted contents. */
#include "bench.h"

#define N (1 << 16)
#define ROUNDS 50

static uint64_t a[N], b[N], tmp[N];

static void quicksort(uint64_t *v, long lo, long hi)
{
	while (lo < hi) {
		uint64_t pivot = v[lo + (hi - lo) / 2];
		long i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				uint64_t t = v[i];

				v[i++] = v[j];
				v[j--] = t;
			}
		}
		/* Recurse into the smaller half, loop on the larger. */
		if (j - lo < hi - i) {
			quicksort(v, lo, j);
			lo = i;
		} else {
			quicksort(v, i, hi);
			hi = j;
		}
	}
}

static void mergesort(uint64_t *v, uint64_t *t, long n)
{
	long h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	mergesort(v, t, h);
	mergesort(v + h, t, n - h);
	while (i < h && j < n)
		t[k++] = v[i] <= v[j] ? v[i++] : v[j++];
	while (i < h)
		t[k++] = v[i++];
	while (j < n)
		t[k++] = v[j++];
	for (k = 0; k < n; k++)
		v[k] = t[k];
}

int main(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15, sum = 0;

	for (int r = 0; r < ROUNDS; r++) {
		for (long i = 0; i < N; i++)
			a[i] = b[i] = bench_rand(&seed) >> (r & 1 ? 40 : 0);
		quicksort(a, 0, N - 1);
		mergesort(b, tmp, N);
		for (long i = 0; i < N; i++) {
			if (a[i] != b[i] || (i && a[i - 1] > a[i])) {
				rt_puts("sort: FAIL not sorted\n");
				return 1;
			}
			sum = sum * 31 + a[i];
		}
	}
	return bench_report("sort", sum);
}
