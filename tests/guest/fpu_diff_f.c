/* FP JIT differential test of RV64F, short run (guest suite): fpu_diff.h. */
#define FPU_P "s"
#define FPU_Q "d"
#define FPU_W "w"
#define FPU_DIFF_N 100000
#define FPU_DIFF_SEED 0x9e3779b97f4a7c15ull
#include "fpu_diff.h"

int main(void)
{
	fpu_enable();
	rt_group("fpu-diff-f");
	fpu_diff_run(23, 8, fpu_vals_s, NVALS(fpu_vals_s), 52, 11, fpu_vals_d,
		     NVALS(fpu_vals_d));
	return rt_finish();
}
