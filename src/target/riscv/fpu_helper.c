/*
 * fpu_helper.c — F and D arithmetic for generated code (rv_helper_fp).
 *
 * Contract: bit-exact RISC-V results and fflags for every op, in every
 * rounding mode, with NaN-boxing (a single whose upper 32 bits are not all
 * ones reads as the canonical NaN) and canonical NaN results.
 *
 * Method (docs/riscv.md "F and D"): the host FPU does the arithmetic, a
 * short software step does the rounding.
 *   1. NaN operands, invalid operations and division by zero are decided
 *      in software from the operands (cheap tests, exact spec rules).
 *   2. The operation runs on the x87 in 80-bit extended precision (64-bit
 *      significand, exponent range far beyond double's) with the host
 *      rounding mode set to round-toward-zero; FE_INEXACT tells whether
 *      that result is exact.  Truncation plus an "inexact" sticky bit is
 *      round-to-odd at 64 bits, and 64 >= 53 + 2, so rounding it once more
 *      to single or double gives the correctly rounded result in any mode.
 *      glibc's fmal is a correctly rounded fused multiply-add, so the fused
 *      ops get the same treatment.
 *   3. fp_round() rounds that value to the target format in software: all
 *      five RISC-V modes (the host has no ties-to-away), overflow to inf or
 *      max-finite by mode, and underflow with tininess detected AFTER
 *      rounding as RISC-V specifies (x86 SSE detects it before rounding,
 *      which is why SSE's own flags are never used).
 * A fast path (fp_fast) serves the common case directly on SSE: RNE,
 * operands of moderate magnitude, a normal result, where SSE's result is
 * right and NX, the only possible flag, comes from an exact error term.  Comparisons, min/max, sign injection, classify, moves and
 * the integer conversions' range checks are pure software on the bits.
 */
#include <fenv.h>
#include <math.h>
#include <string.h>
#include "target/riscv/internal.h"

enum { FF_NX = 1, FF_UF = 2, FF_OF = 4, FF_DZ = 8, FF_NV = 16 };
enum { RM_RNE = 0, RM_RTZ = 1, RM_RDN = 2, RM_RUP = 3, RM_RMM = 4, RM_DYN = 7 };

#define RV_FP_D_DELTA (RV_OP_FLD - RV_OP_FLW)
#define F32_QNAN 0x7fc00000ull
#define F64_QNAN 0x7ff8000000000000ull

/* Target format: significand bits p (with the hidden bit), exponent range
 * of normal numbers [emin, emax], exponent field width. */
struct fp_fmt {
    unsigned p, ebits;
    int emin, emax;
    uint64_t qnan;
};
static const struct fp_fmt fmt_s = { 24, 8, -126, 127, F32_QNAN };
static const struct fp_fmt fmt_d = { 53, 11, -1022, 1023, F64_QNAN };

/* ---- bits of one format ---- */

static uint64_t fp_sign_bit(const struct fp_fmt *f)
{
    return 1ull << (f->p - 1 + f->ebits);
}

static uint64_t fp_exp_field(const struct fp_fmt *f, uint64_t b)
{
    return (b >> (f->p - 1)) & ((1ull << f->ebits) - 1);
}

static uint64_t fp_frac(const struct fp_fmt *f, uint64_t b)
{
    return b & ((1ull << (f->p - 1)) - 1);
}

static bool fp_is_nan(const struct fp_fmt *f, uint64_t b)
{
    return fp_exp_field(f, b) == (1ull << f->ebits) - 1 && fp_frac(f, b);
}

static bool fp_is_snan(const struct fp_fmt *f, uint64_t b)
{
    return fp_is_nan(f, b) && !(b & (1ull << (f->p - 2)));
}

static bool fp_is_inf(const struct fp_fmt *f, uint64_t b)
{
    return fp_exp_field(f, b) == (1ull << f->ebits) - 1 && !fp_frac(f, b);
}

static bool fp_is_zero(const struct fp_fmt *f, uint64_t b)
{
    return (b & ~fp_sign_bit(f)) == 0;
}

static bool fp_sign(const struct fp_fmt *f, uint64_t b)
{
    return b & fp_sign_bit(f);
}

static uint64_t fp_inf(const struct fp_fmt *f, bool sign)
{
    return (sign ? fp_sign_bit(f) : 0) |
           ((1ull << f->ebits) - 1) << (f->p - 1);
}

/* The exact value of a non-NaN operand as a long double. */
static long double fp_to_ld(const struct fp_fmt *f, uint64_t b)
{
    if (f == &fmt_s) {
        uint32_t w = (uint32_t)b;
        float x;
        memcpy(&x, &w, sizeof(x));
        return x;
    }
    double x;
    memcpy(&x, &b, sizeof(x));
    return x;
}

/* ---- rounding to the target format (software) ---- */

static bool fp_round_up(unsigned rm, bool sign, uint64_t kept, bool guard,
                        bool sticky)
{
    switch (rm) {
    case RM_RNE: return guard && (sticky || (kept & 1));
    case RM_RDN: return sign && (guard || sticky);
    case RM_RUP: return !sign && (guard || sticky);
    case RM_RMM: return guard;
    default:     return false;                   /* RTZ */
    }
}

/* Keep the top (64 - shift) bits of m: the kept part, guard bit, sticky. */
static uint64_t fp_split(uint64_t m, int shift, bool *guard, bool *sticky)
{
    if (shift > 64) {
        *guard = false;
        *sticky = *sticky || m;
        return 0;
    }
    *guard = (m >> (shift - 1)) & 1;
    *sticky = *sticky || (m & ((1ull << (shift - 1)) - 1));
    return shift == 64 ? 0 : m >> shift;
}

/* Round sign * m * 2^(e - 63) (m with bit 63 set), plus a sticky bit for
 * anything below m, to format f in mode rm; accrue NX/UF/OF. */
static uint64_t fp_round(const struct fp_fmt *f, bool sign, int e, uint64_t m,
                         bool sticky, unsigned rm, unsigned *fl)
{
    int shift = 64 - (int)f->p;
    bool tiny = false, guard, st;
    uint64_t kept, bits;

    if (e < f->emin) {
        /* Tininess after rounding: tiny unless rounding to p bits with an
         * unbounded exponent reaches 2^emin. */
        tiny = true;
        if (e == f->emin - 1) {
            st = sticky;
            kept = fp_split(m, shift, &guard, &st);
            kept += fp_round_up(rm, sign, kept, guard, st);
            tiny = kept != 1ull << f->p;
        }
        shift += f->emin - e;
    }
    st = sticky;
    kept = fp_split(m, shift, &guard, &st);
    kept += fp_round_up(rm, sign, kept, guard, st);
    if (guard || st)
        *fl |= FF_NX | (tiny ? FF_UF : 0);
    /* Normal: the significand's hidden bit adds 1 to the exponent field,
     * and a carry out of the significand moves to the next exponent.
     * Subnormal: the field is 0, or 1 if rounding reached 2^emin. */
    if (e > f->emax)
        bits = fp_inf(f, false);        /* overflows whatever the rounding */
    else
        bits = e >= f->emin ? ((uint64_t)(e - f->emin) << (f->p - 1)) + kept
                            : kept;
    if (fp_exp_field(f, bits) == (1ull << f->ebits) - 1) {
        *fl |= FF_OF | FF_NX;
        bool to_inf = rm == RM_RNE || rm == RM_RMM ||
                      (rm == RM_RDN && sign) || (rm == RM_RUP && !sign);
        bits = to_inf ? fp_inf(f, false) : fp_inf(f, false) - 1;
    }
    return bits | (sign ? fp_sign_bit(f) : 0);
}

/* Round a long double (not NaN) to format f; sticky: it was inexact. */
static uint64_t fp_pack(const struct fp_fmt *f, long double v, bool sticky,
                        unsigned rm, unsigned *fl)
{
    union { long double v; struct { uint64_t m; uint16_t se; } p; } u;
    bool sign;
    int e;

    memset(&u, 0, sizeof(u));
    u.v = v;
    sign = u.p.se >> 15;
    if (isinf(v))
        return fp_inf(f, sign);
    if (u.p.m == 0)
        return sign ? fp_sign_bit(f) : 0;
    e = (u.p.se & 0x7fff) ? (int)(u.p.se & 0x7fff) - 16383 : 1 - 16383;
    while (!(u.p.m >> 63)) {            /* x87 denormal: normalise */
        u.p.m <<= 1;
        e--;
    }
    return fp_round(f, sign, e, u.p.m, sticky, rm, fl);
}

/* ---- arithmetic: x87 round-toward-zero + sticky, then fp_pack ---- */

enum fp_arith { FA_ADD, FA_SUB, FA_MUL, FA_DIV, FA_SQRT, FA_FMA };
_Static_assert(RV_OP_FSQRT_S - RV_OP_FADD_S == FA_SQRT,
               "rv_ops.def lists fadd..fsqrt in enum fp_arith order");

static long double fp_host(enum fp_arith op, long double a, long double b,
                           long double c, bool *inexact)
{
    /* volatile: keep the compiler from moving the arithmetic across the
     * rounding-mode and flag calls (GCC has no FENV_ACCESS). */
    volatile long double va = a, vb = b, vc = c, r = 0;
    int old = fegetround();

    fesetround(FE_TOWARDZERO);
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case FA_ADD:  r = va + vb; break;
    case FA_SUB:  r = va - vb; break;
    case FA_MUL:  r = va * vb; break;
    case FA_DIV:  r = va / vb; break;
    case FA_SQRT: r = sqrtl(va); break;
    case FA_FMA:  r = fmal(va, vb, vc); break;
    }
    *inexact = fetestexcept(FE_INEXACT);
    fesetround(old);
    return r;
}

/* Fast path for the common case: RNE, operands of moderate magnitude, a
 * normal result.  SSE at the target precision (the host runs in its default
 * round-to-nearest; only fp_host changes the mode, and it restores it)
 * then gives the right result, and the only possible flag is NX.  NX is
 * decided without touching MXCSR (ldmxcsr is slow): the rounding error of
 * the operation is computed exactly — TwoSum for add/sub; for single
 * precision the product/quotient/square checked in double, where it is
 * exact; for double an fma residual.  The operand range keeps every such
 * residual representable (no underflow to zero, no overflow).  One zero
 * operand with a moderate other one is exact by the IEEE rules.  Anything
 * else (other modes, fused ops, two zeros, huge/tiny/inf/NaN operands,
 * results that are not normal or are the smallest normal) returns false. */
static bool fp_fast(const struct fp_fmt *f, enum fp_arith op, uint64_t a,
                    uint64_t b, unsigned rm, uint64_t *out, unsigned *fl)
{
    uint64_t bias = (1ull << (f->ebits - 1)) - 1;
    uint64_t e_lo = bias + f->emin / 2 + f->p, e_hi = bias + f->emax - 2;
    uint64_t ea = fp_exp_field(f, a), eb = fp_exp_field(f, b), mag;
    bool inexact;

    if (rm != RM_RNE || op == FA_FMA)
        return false;
    /* Zero operands with a moderate other operand: exact, no flags.
     * (Both zero, sqrt(±0), x/0: the exact path.) */
    if (op != FA_SQRT && (fp_is_zero(f, a) != fp_is_zero(f, b))) {
        bool za = fp_is_zero(f, a);
        uint64_t other = za ? b : a, eo = za ? eb : ea;
        if (eo < e_lo || eo > e_hi)
            return false;
        switch (op) {
        case FA_ADD: *out = other; return true;
        case FA_SUB: *out = za ? b ^ fp_sign_bit(f) : a; return true;
        case FA_MUL:
            *out = (a ^ b) & fp_sign_bit(f);
            return true;
        case FA_DIV:
            if (!za)
                return false;                    /* x/0: DZ */
            *out = (a ^ b) & fp_sign_bit(f);
            return true;
        default:
            return false;
        }
    }
    if (ea < e_lo || ea > e_hi || (op != FA_SQRT && (eb < e_lo || eb > e_hi)))
        return false;
    if (f == &fmt_s) {
        float x, y, r, t;
        uint32_t wa = (uint32_t)a, wb = (uint32_t)b, wr;
        memcpy(&x, &wa, 4);
        memcpy(&y, &wb, 4);
        switch (op) {
        case FA_ADD: case FA_SUB:
            if (op == FA_SUB)
                y = -y;
            r = x + y;
            t = r - x;                          /* TwoSum */
            inexact = (x - (r - t)) + (y - t) != 0;
            break;
        case FA_MUL:
            r = x * y;
            inexact = (double)x * y != r;
            break;
        case FA_DIV:
            r = x / y;
            inexact = (double)r * y != x;
            break;
        default:
            r = sqrtf(x);
            inexact = (double)r * r != x;
            break;
        }
        memcpy(&wr, &r, 4);
        *out = wr;
    } else {
        double x, y, r, t;
        memcpy(&x, &a, 8);
        memcpy(&y, &b, 8);
        switch (op) {
        case FA_ADD: case FA_SUB:
            if (op == FA_SUB)
                y = -y;
            r = x + y;
            t = r - x;
            inexact = (x - (r - t)) + (y - t) != 0;
            break;
        case FA_MUL:
            r = x * y;
            inexact = fma(x, y, -r) != 0;
            break;
        case FA_DIV:
            r = x / y;
            inexact = fma(-r, y, x) != 0;
            break;
        default:
            r = sqrt(x);
            inexact = fma(-r, r, x) != 0;
            break;
        }
        memcpy(out, &r, 8);
    }
    mag = *out & ~fp_sign_bit(f);
    if (mag <= 1ull << (f->p - 1) || mag >= fp_inf(f, false))
        return false;                 /* tiny, min normal, inf, NaN */
    if (inexact)
        *fl |= FF_NX;
    return true;
}

/* a op b (op c): NaN rules, invalid, divide by zero, signed zero sums. */
static uint64_t fp_arith(const struct fp_fmt *f, enum fp_arith op, uint64_t a,
                         uint64_t b, uint64_t c, unsigned rm, unsigned *fl)
{
    bool nan_a = fp_is_nan(f, a), nan_b = op != FA_SQRT && fp_is_nan(f, b);
    bool nan_c = op == FA_FMA && fp_is_nan(f, c);
    bool inexact;
    uint64_t fast;

    if (fp_fast(f, op, a, b, rm, &fast, fl))
        return fast;
    if (nan_a || nan_b || nan_c) {
        bool inf_zero = op == FA_FMA && !nan_a && !nan_b &&
            ((fp_is_inf(f, a) && fp_is_zero(f, b)) ||
             (fp_is_zero(f, a) && fp_is_inf(f, b)));
        if (fp_is_snan(f, a) || (nan_b && fp_is_snan(f, b)) ||
            (nan_c && fp_is_snan(f, c)) || inf_zero)
            *fl |= FF_NV;
        return f->qnan;
    }
    if (op == FA_DIV && fp_is_zero(f, b) && !fp_is_zero(f, a) &&
        !fp_is_inf(f, a)) {
        *fl |= FF_DZ;
        return fp_inf(f, fp_sign(f, a) != fp_sign(f, b));
    }
    long double r = fp_host(op, fp_to_ld(f, a), fp_to_ld(f, b),
                            fp_to_ld(f, c), &inexact);
    if (isnan(r)) {          /* inf-inf, 0*inf, 0/0, inf/inf, sqrt(-x) */
        *fl |= FF_NV;
        return f->qnan;
    }
    if (r == 0 && (op == FA_ADD || op == FA_SUB || op == FA_FMA)) {
        /* An exact zero sum: -0 only if both addends are -0, or in RDN
         * if either is (x + -x = -0 in RDN, +0 otherwise). */
        bool s1 = op == FA_FMA ? fp_sign(f, a) != fp_sign(f, b) : fp_sign(f, a);
        bool s2 = op == FA_FMA ? fp_sign(f, c)
                : op == FA_SUB ? !fp_sign(f, b) : fp_sign(f, b);
        bool neg = rm == RM_RDN ? s1 || s2 : s1 && s2;
        return neg ? fp_sign_bit(f) : 0;
    }
    return fp_pack(f, r, inexact, rm, fl);
}

/* ---- conversions ---- */

/* Round to an integral long double in mode rm (exact for |v| < 2^64). */
static long double fp_round_int(long double v, unsigned rm)
{
    static const int host_rm[4] = { FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD,
                                    FE_UPWARD };
    if (rm == RM_RMM)
        return roundl(v);
    int old = fegetround();
    fesetround(host_rm[rm]);
    volatile long double r = nearbyintl(v);
    fesetround(old);
    return r;
}

/* fcvt.{w,wu,l,lu}.fmt: saturate with NV on NaN/out of range, NX if
 * inexact and in range.  W results are sign-extended. */
static uint64_t fp_to_int(const struct fp_fmt *f, uint64_t a, bool is_signed,
                          bool w64, unsigned rm, unsigned *fl)
{
    long double lo = is_signed ? (w64 ? -0x1p63L : -0x1p31L) : 0;
    long double hi = is_signed ? (w64 ? 0x1p63L : 0x1p31L)
                               : (w64 ? 0x1p64L : 0x1p32L);   /* exclusive */
    uint64_t vmin = is_signed ? (w64 ? 1ull << 63 : 0xffffffff80000000ull) : 0;
    uint64_t vmax = is_signed ? (w64 ? INT64_MAX : INT32_MAX)
                              : ~0ull;  /* wu: 0xffffffff sign-extended */
    long double v, r;

    if (fp_is_nan(f, a)) {
        *fl |= FF_NV;
        return vmax;
    }
    v = fp_to_ld(f, a);
    r = fp_round_int(v, rm);
    if (r < lo || r >= hi) {
        *fl |= FF_NV;
        return r < lo ? vmin : vmax;
    }
    if (r != v)
        *fl |= FF_NX;
    if (is_signed)
        return w64 ? (uint64_t)(int64_t)r : (uint64_t)(int64_t)(int32_t)r;
    uint64_t u = (uint64_t)r;           /* r == -0 gives 0 */
    return w64 ? u : (uint64_t)(int64_t)(int32_t)(uint32_t)u;
}

/* fcvt.fmt.{w,wu,l,lu}: the integer is exact in a long double. */
static uint64_t fp_from_int(const struct fp_fmt *f, uint64_t x, unsigned sop,
                            unsigned rm, unsigned *fl)
{
    long double v;

    switch (sop) {
    case RV_OP_FCVT_S_W:  v = (int32_t)x; break;
    case RV_OP_FCVT_S_WU: v = (uint32_t)x; break;
    case RV_OP_FCVT_S_L:  v = (int64_t)x; break;
    default:              v = x; break;
    }
    return v == 0 ? 0 : fp_pack(f, v, false, rm, fl);
}

/* fcvt.s.d / fcvt.d.s: value conversion; NaN → canonical (NV if sNaN). */
static uint64_t fp_convert(const struct fp_fmt *to, const struct fp_fmt *from,
                           uint64_t a, unsigned rm, unsigned *fl)
{
    if (fp_is_nan(from, a)) {
        if (fp_is_snan(from, a))
            *fl |= FF_NV;
        return to->qnan;
    }
    return fp_pack(to, fp_to_ld(from, a), false, rm, fl);
}

/* ---- comparisons, min/max, classify ---- */

/* a < b (lt) or a == b (!lt) for non-NaN bits, -0 == +0. */
static bool fp_cmp(const struct fp_fmt *f, uint64_t a, uint64_t b, bool lt)
{
    long double x = fp_to_ld(f, a), y = fp_to_ld(f, b);
    return lt ? x < y : x == y;
}

/* feq/flt/fle: feq signals only on sNaN, flt/fle on any NaN. */
static uint64_t fp_compare(const struct fp_fmt *f, unsigned sop, uint64_t a,
                           uint64_t b, unsigned *fl)
{
    if (fp_is_nan(f, a) || fp_is_nan(f, b)) {
        if (sop != RV_OP_FEQ_S || fp_is_snan(f, a) || fp_is_snan(f, b))
            *fl |= FF_NV;
        return 0;
    }
    switch (sop) {
    case RV_OP_FEQ_S: return fp_cmp(f, a, b, false);
    case RV_OP_FLT_S: return fp_cmp(f, a, b, true);
    default:          return fp_cmp(f, a, b, true) || fp_cmp(f, a, b, false);
    }
}

/* fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber): a NaN loses to a
 * number, -0 < +0, sNaN signals. */
static uint64_t fp_minmax(const struct fp_fmt *f, uint64_t a, uint64_t b,
                          bool max, unsigned *fl)
{
    bool na = fp_is_nan(f, a), nb = fp_is_nan(f, b);

    if (fp_is_snan(f, a) || fp_is_snan(f, b))
        *fl |= FF_NV;
    if (na && nb)
        return f->qnan;
    if (na || nb)
        return na ? b : a;
    if (fp_is_zero(f, a) && fp_is_zero(f, b))
        return (fp_sign(f, a) == max) ? b : a;   /* min: the negative one */
    bool a_lt_b = fp_cmp(f, a, b, true);
    return a_lt_b != max ? a : b;
}

static uint64_t fp_class(const struct fp_fmt *f, uint64_t a)
{
    bool s = fp_sign(f, a);
    uint64_t e = fp_exp_field(f, a);

    if (fp_is_inf(f, a))
        return s ? 1u << 0 : 1u << 7;
    if (fp_is_nan(f, a))
        return fp_is_snan(f, a) ? 1u << 8 : 1u << 9;
    if (fp_is_zero(f, a))
        return s ? 1u << 3 : 1u << 4;
    if (e == 0)
        return s ? 1u << 2 : 1u << 5;
    return s ? 1u << 1 : 1u << 6;
}

/* ---- register images ---- */

/* A register image as format bits: a single must be NaN-boxed. */
static uint64_t fp_unbox(uint64_t v, bool dbl)
{
    if (dbl)
        return v;
    return (v >> 32) == 0xffffffffu ? (uint32_t)v : F32_QNAN;
}

static uint64_t fp_box(uint64_t bits, bool dbl)
{
    return dbl ? bits : bits | 0xffffffff00000000ull;
}

static bool fp_op_has_rm(unsigned sop)
{
    return (sop >= RV_OP_FMADD_S && sop <= RV_OP_FSQRT_S) ||
           (sop >= RV_OP_FCVT_W_S && sop <= RV_OP_FCVT_S_LU) ||
           sop == RV_OP_FCVT_S_D;
}

/* Does op (S or D block) write an x register (else an f register)? */
static bool fp_op_writes_x(unsigned sop)
{
    return (sop >= RV_OP_FEQ_S && sop <= RV_OP_FCVT_LU_S) ||
           sop == RV_OP_FMV_X_W;
}

/* Op `op` (enum rv_op) in rounding mode rm (0..4, resolved) on the raw
 * register images ia, ib, ic (rs1, rs2, rs3) and integer operand xsrc:
 * returns the image for f[rd] (boxed) or the value for x[rd]; accrues
 * fflags into *fl.  Pure: the one definition of every F/D op. */
static uint64_t fp_exec(unsigned op, unsigned rm, uint64_t ia, uint64_t ib,
                        uint64_t ic, uint64_t xsrc, unsigned *fl)
{
    bool dbl = op >= RV_OP_FLD;
    unsigned sop = dbl ? op - RV_FP_D_DELTA : op;
    const struct fp_fmt *f = dbl ? &fmt_d : &fmt_s;
    uint64_t a = fp_unbox(ia, dbl), b = fp_unbox(ib, dbl);
    uint64_t sb = fp_sign_bit(f);

    switch (sop) {
    case RV_OP_FMADD_S: case RV_OP_FMSUB_S:
    case RV_OP_FNMSUB_S: case RV_OP_FNMADD_S: {
        /* fmsub: a*b-c; fnmsub: -(a*b)+c; fnmadd: -(a*b)-c.  Negating an
         * operand flips its sign bit (a NaN stays a NaN). */
        uint64_t c = fp_unbox(ic, dbl);
        if (sop == RV_OP_FMSUB_S || sop == RV_OP_FNMADD_S)
            c ^= sb;
        if (sop == RV_OP_FNMSUB_S || sop == RV_OP_FNMADD_S)
            a ^= sb;
        return fp_box(fp_arith(f, FA_FMA, a, b, c, rm, fl), dbl);
    }
    case RV_OP_FADD_S: case RV_OP_FSUB_S: case RV_OP_FMUL_S:
    case RV_OP_FDIV_S: case RV_OP_FSQRT_S: {
        /* FADD..FSQRT are consecutive in rv_ops.def, like enum fp_arith. */
        enum fp_arith fa = (enum fp_arith)(sop - RV_OP_FADD_S);
        return fp_box(fp_arith(f, fa, a, fa == FA_SQRT ? 0 : b, 0, rm, fl),
                      dbl);
    }
    case RV_OP_FSGNJ_S:  return fp_box((a & ~sb) | (b & sb), dbl);
    case RV_OP_FSGNJN_S: return fp_box((a & ~sb) | (~b & sb), dbl);
    case RV_OP_FSGNJX_S: return fp_box(a ^ (b & sb), dbl);
    case RV_OP_FMIN_S: case RV_OP_FMAX_S:
        return fp_box(fp_minmax(f, a, b, sop == RV_OP_FMAX_S, fl), dbl);
    case RV_OP_FEQ_S: case RV_OP_FLT_S: case RV_OP_FLE_S:
        return fp_compare(f, sop, a, b, fl);
    case RV_OP_FCLASS_S: return fp_class(f, a);
    case RV_OP_FCVT_W_S:  return fp_to_int(f, a, true, false, rm, fl);
    case RV_OP_FCVT_WU_S: return fp_to_int(f, a, false, false, rm, fl);
    case RV_OP_FCVT_L_S:  return fp_to_int(f, a, true, true, rm, fl);
    case RV_OP_FCVT_LU_S: return fp_to_int(f, a, false, true, rm, fl);
    case RV_OP_FCVT_S_W: case RV_OP_FCVT_S_WU:
    case RV_OP_FCVT_S_L: case RV_OP_FCVT_S_LU:
        return fp_box(fp_from_int(f, xsrc, sop, rm, fl), dbl);
    case RV_OP_FMV_X_W:   /* raw bits, no unboxing; .w sign-extends */
        return dbl ? ia : (uint64_t)(int64_t)(int32_t)ia;
    case RV_OP_FMV_W_X:
        return fp_box(dbl ? xsrc : (uint32_t)xsrc, dbl);
    case RV_OP_FCVT_S_D:  /* fcvt.s.d (S block) / fcvt.d.s (D block) */
        return dbl ? fp_convert(&fmt_d, &fmt_s, fp_unbox(ia, false), rm, fl)
                   : fp_box(fp_convert(&fmt_s, &fmt_d, ia, rm, fl), false);
    default:
        return 0;
    }
}

uint64_t rv_helper_fp(void *env, uint64_t desc, uint64_t xsrc)
{
    struct rv_hart *h = env;
    uint32_t raw = (uint32_t)desc;
    unsigned op = (unsigned)(desc >> 32);
    bool dbl = op >= RV_OP_FLD;
    unsigned sop = dbl ? op - RV_FP_D_DELTA : op;
    unsigned rd = (raw >> 7) & 31, rs1 = (raw >> 15) & 31;
    unsigned rs2 = (raw >> 20) & 31, rs3 = raw >> 27;
    unsigned rm = (raw >> 12) & 7, fl = 0;
    uint64_t r;

    if (fp_op_has_rm(sop)) {
        if (rm == RM_DYN)
            rm = h->frm;
        if (rm > RM_RMM)
            rv_raise_exception(h, RV_EXC_ILLEGAL, raw, GETPC());
    }
    r = fp_exec(op, rm, h->f[rs1], h->f[rs2], h->f[rs3], xsrc, &fl);
    h->fflags |= fl;
    if (fp_op_writes_x(sop))
        return r;
    h->f[rd] = r;
    return 0;
}

uint64_t rv_helper_fp_op(void *env, uint64_t a, uint64_t b, uint64_t c,
                         uint64_t desc)
{
    struct rv_hart *h = env;
    unsigned op = (unsigned)desc & 0xff, rm = (unsigned)(desc >> 8) & 7;
    unsigned fl = 0;
    bool dbl = op >= RV_OP_FLD;
    unsigned sop = dbl ? op - RV_FP_D_DELTA : op;
    uint64_t r;

    /* The integer source of fcvt.fmt.{w,wu,l,lu} comes in a. */
    if (sop >= RV_OP_FCVT_S_W && sop <= RV_OP_FCVT_S_LU)
        r = fp_exec(op, rm, 0, 0, 0, a, &fl);
    else
        r = fp_exec(op, rm, a, b, c, 0, &fl);
    h->fflags |= fl;
    return r;
}
