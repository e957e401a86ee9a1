/* RV64F: every single-precision instruction in every rounding mode (static
 * rm and dyn through frm) over edge-case values, printing each result and
 * its fflags as hex (fpu.h), so any difference from QEMU shows. */
#define FPU_P "s"
#define FPU_Q "d"
#define FPU_W "w"
#include "fpu_values.h"

int main(void)
{
	fpu_enable();
	rt_group("fpu-f");
	fpu_run_all(fpu_vals_s, NVALS(fpu_vals_s), fpu_vals_d, NVALS(fpu_vals_d),
		    fpu_ints, NVALS(fpu_ints));
	rt_check("fs dirty", (RT_CSR_READ(mstatus) >> 13) & 3, 3);
	return rt_finish();
}
