/* Randomized differential test of RV64D against QEMU (fpu_rand.h). */
#define FPU_P "d"
#define FPU_Q "s"
#define FPU_W "d"
#define FPU_IS_D 1
#include "fpu_values.h"
#include "fpu_rand.h"

int main(void)
{
	fpu_enable();
	rt_group("fpu-rand-d");
	fpu_rand_run(52, 11, fpu_vals_d, NVALS(fpu_vals_d), 23, 8, fpu_vals_s,
		     NVALS(fpu_vals_s));
	return rt_finish();
}
