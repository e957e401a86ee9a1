/* Randomized differential test of RV64F against QEMU (fpu_rand.h). */
#define FPU_P "s"
#define FPU_Q "d"
#define FPU_W "w"
#include "fpu_values.h"
#include "fpu_rand.h"

int main(void)
{
	fpu_enable();
	rt_group("fpu-rand-f");
	fpu_rand_run(23, 8, fpu_vals_s, NVALS(fpu_vals_s), 52, 11, fpu_vals_d,
		     NVALS(fpu_vals_d));
	return rt_finish();
}
