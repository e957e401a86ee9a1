/* Host stand-in for tests/guest/rt/rt.h, used only by bench/compare's
 * native column: the same bench/guest kernel source built with the host gcc
 * -O2 and run as an ordinary process, the physical limit a translator can
 * approach. It maps the few console calls the kernels make onto stdio so the
 * checksum line is byte for byte the one the guest prints. Guest-only parts
 * of a kernel (CSRs, paging, traps) are under #ifdef __riscv. */
#ifndef LOOM_BENCH_NATIVE_RT_H
#define LOOM_BENCH_NATIVE_RT_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

static inline void rt_putc(char c)
{
	putchar(c);
}

static inline void rt_puts(const char *s)
{
	fputs(s, stdout);
}

static inline void rt_put_hex(uint64_t v)
{
	printf("0x%016llx", (unsigned long long)v);
}

static inline void rt_put_udec(uint64_t v)
{
	printf("%llu", (unsigned long long)v);
}

static inline void rt_put_dec(int64_t v)
{
	printf("%lld", (long long)v);
}

#endif
