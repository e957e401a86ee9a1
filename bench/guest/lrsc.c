/* Benchmark: contended lr.d/sc.d increment loop on 2 harts (atomics.h). */
#include <stdint.h>
#ifdef __riscv
static inline void lrsc_inc(volatile uint64_t *p)
{
	uint64_t v, fail;

	__asm__ volatile("1:	lr.d	%0, (%2)\n\t"
			 "addi	%0, %0, 1\n\t"
			 "sc.d	%1, %0, (%2)\n\t"
			 "bnez	%1, 1b"
			 : "=&r"(v), "=&r"(fail) : "r"(p) : "memory");
}
#define BENCH_INC(p) lrsc_inc(p)
#else
#define BENCH_INC(p) __atomic_fetch_add((p), 1, __ATOMIC_RELAXED)
#endif
#include "atomics.h"

int main(void)
{
	return bench_atomics_main("lrsc");
}
