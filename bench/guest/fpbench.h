/* Shared bits of the floating-point bench/compare programs: F/D on (the
 * runtime's start.S leaves mstatus.FS Off) and doubles hashed by their
 * bits, so Loom and QEMU (both exact) must print the same line. */
#ifndef LOOM_BENCH_FPBENCH_H
#define LOOM_BENCH_FPBENCH_H

#include "bench.h"

static inline void bench_fp_enable(void)
{
#ifdef __riscv   /* the native build (bench/native) has no mstatus */
	__asm__ volatile("csrs mstatus, %0" :: "r"(1ul << 13) : "memory");   /* FS = Initial */
#endif
}

static inline uint64_t bench_bits(double x)
{
	uint64_t u;

	__builtin_memcpy(&u, &x, sizeof(u));
	return u;
}

static inline uint64_t bench_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

#endif
