/* FP JIT differential test of RV64D, long run (stress suite): fpu_diff.h. */
#define FPU_P "d"
#define FPU_Q "s"
#define FPU_W "d"
#define FPU_IS_D 1
#define FPU_DIFF_N 12000000
#define FPU_DIFF_SEED 0xd1b54a32d192ed03ull
#include "fpu_diff.h"

int main(void)
{
	fpu_enable();
	rt_group("fpu-diff_long-d");
	fpu_diff_run(52, 11, fpu_vals_d, NVALS(fpu_vals_d), 23, 8, fpu_vals_s,
		     NVALS(fpu_vals_s));
	return rt_finish();
}
