/* Shared bits of the bench/compare guest programs: a xorshift PRNG and the
 * one output line each program prints ("<name> checksum 0x..."), which
 * bench/compare requires to be identical on Loom and QEMU. */
#ifndef LOOM_BENCH_GUEST_H
#define LOOM_BENCH_GUEST_H

#include "rt.h"

static inline uint64_t bench_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static inline int bench_report(const char *name, uint64_t sum)
{
	rt_puts(name);
	rt_puts(" checksum ");
	rt_put_hex(sum);
	rt_putc('\n');
	return 0;
}

#endif
