/* Benchmark: contended amoadd.d counter on 2 harts (see atomics.h). */
#ifdef __riscv
#define BENCH_INC(p) __asm__ volatile("amoadd.d x0, %1, (%0)" \
				      :: "r"(p), "r"(1UL) : "memory")
#else
#define BENCH_INC(p) __atomic_fetch_add((p), 1, __ATOMIC_RELAXED)
#endif
#include "atomics.h"

int main(void)
{
	return bench_atomics_main("amoadd");
}
