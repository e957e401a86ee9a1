/* Benchmark: Mandelbrot set escape counts on a 256 x 192 grid (double:
 * fmul, fadd, fsub, flt, fcvt from int); checksum of the counts. */
#include "fpbench.h"

#define W 256
#define H 192
#define MAXIT 3000

/* After bench_fp_enable: no FP instruction may run before FS is on. */
__attribute__((noinline)) static uint64_t run(void)
{
	uint64_t sum = 0;

	for (int py = 0; py < H; py++)
		for (int px = 0; px < W; px++) {
			double cx = -2.0 + 2.6 * px / W, cy = -1.15 + 2.3 * py / H;
			double x = 0, y = 0;
			int it = 0;

			while (it < MAXIT && x * x + y * y < 4.0) {
				double t = x * x - y * y + cx;
				y = 2.0 * x * y + cy;
				x = t;
				it++;
			}
			sum = bench_mix(sum, (uint64_t)it);
		}
	return sum;
}

int main(void)
{
	bench_fp_enable();
	return bench_report("mandel", run());
}
