/* Value tables of the F/D guest programs: edge cases of each precision
 * (signed zeros, ±1, values that round differently per mode, extremes,
 * subnormals, infinities, quiet/signaling NaNs with payloads, integer
 * conversion boundaries) and the integers the int→FP conversions take. */
#ifndef LOOM_GUEST_FPU_VALUES_H
#define LOOM_GUEST_FPU_VALUES_H

#include "fpu.h"

static const uint64_t fpu_vals_s[] = {
	FS(0x00000000), FS(0x80000000), FS(0x3f800000), FS(0xbf800000),
	FS(0x40400000), FS(0x3dcccccd), FS(0x3f800001), FS(0x3f7fffff),
	FS(0x7f7fffff), FS(0xff7fffff), FS(0x00800000), FS(0x00800001),
	FS(0x00000001), FS(0x807fffff), FS(0x7f800000), FS(0xff800000),
	FS(0x7fc00000), FS(0x7f800001), FS(0xffc00123), FS(0x3f000000),
	FS(0xbf400000), FS(0x4f000000), FS(0xcf000000), FS(0x5f800000),
	FS(0x3fc00000), FS(0x40200000), FS(0xbfc00000), FS(0x4effffff),
	FS(0x34000000), FS(0x0ccccccd),
	0x000000003f800000ull,      /* not NaN-boxed: reads as qNaN */
	0xfffffffe40000000ull,      /* box off by one bit */
};
static const uint64_t fpu_vals_d[] = {
	0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull,
	0xbff0000000000000ull, 0x4008000000000000ull, 0x3fb999999999999aull,
	0x3ff0000000000001ull, 0x3fefffffffffffffull, 0x7fefffffffffffffull,
	0xffefffffffffffffull, 0x0010000000000000ull, 0x0010000000000001ull,
	0x0000000000000001ull, 0x800fffffffffffffull, 0x7ff0000000000000ull,
	0xfff0000000000000ull, 0x7ff8000000000000ull, 0x7ff0000000000001ull,
	0xfff8000000000123ull, 0x3fe0000000000000ull, 0xbfe8000000000000ull,
	0x41e0000000000000ull, 0xc1e0000000000000ull, 0x43e0000000000000ull,
	0x43f0000000000000ull, 0x3ff8000000000000ull, 0x4004000000000000ull,
	0xbff8000000000000ull, 0x41dfffffffc00000ull, 0xc1e0000000100000ull,
	0x47efffffe0000000ull,      /* float max + half ulp */
	0x36a0000000000000ull,      /* 2^-149: float min subnormal */
	0x3690000000000000ull,      /* 2^-150: tie below it */
	0x380fffffffffffffull,      /* just below float min normal */
	0x380ffffff0000000ull,      /* rounds up to float min normal */
	0xc3e0000000000001ull, 0x43dfffffffffffffull, 0x3cb0000000000000ull,
};
static const uint64_t fpu_ints[] = {
	0, 1, U(-1), 2, 3, U(-3), 0x7fffffff, 0x80000000, 0xffffffff,
	0x80000001, 0x00ffffff, 0x01000001, 0x01000003, 0xfffffffff0000001ull,
	0x7fffffffffffffffull, 0x8000000000000000ull, 0x0020000000000001ull,
	0x0020000000000003ull, 0xffffffffffffffffull, 0x123456789abcdefull,
	0x7ffffffffffffdffull, 0x00000000fffffff5ull, 0xfedcba9876543210ull,
};
#define NVALS(t) ((int)(sizeof(t) / sizeof((t)[0])))

#endif
