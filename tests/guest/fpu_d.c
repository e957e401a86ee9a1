/* RV64D: every double-precision instruction in every rounding mode (static
 * rm and dyn through frm) over edge-case values, printing each result and
 * its fflags as hex (fpu.h), so any difference from QEMU shows. */
#define FPU_P "d"
#define FPU_Q "s"
#define FPU_W "d"
#define FPU_IS_D 1
#include "fpu_values.h"

int main(void)
{
	fpu_enable();
	rt_group("fpu-d");
	fpu_run_all(fpu_vals_d, NVALS(fpu_vals_d), fpu_vals_s, NVALS(fpu_vals_s),
		    fpu_ints, NVALS(fpu_ints));
	rt_check("fs dirty", (RT_CSR_READ(mstatus) >> 13) & 3, 3);
	return rt_finish();
}
