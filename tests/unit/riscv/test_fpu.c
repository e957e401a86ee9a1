/*
 * test_fpu.c — rv_helper_fp (src/target/riscv/fpu_helper.c) against QEMU.
 *
 * fpu_vectors.h holds ~9,600 results of single F/D instructions, with
 * their fflags, as QEMU 7.2 (softfloat, exact for RISC-V) produced them for
 * the guest programs fpu_f and fpu_d: every non-fused op in every static
 * rounding mode and in dyn with frm 0..4, over edge-case operands.  Each
 * is replayed here through the helper on a bare hart: the instruction is
 * encoded (rd=f1/x1, rs1=2, rs2=3), decoded for its op number, and the
 * helper's f1 image or integer result and fflags must match bit for bit.
 * A few hand-written cases pin the rules the table shows only implicitly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "target/riscv/internal.h"
#include "fpu_vectors.h"

/* OP-FP encoding of one op: funct7 (S form), rs2 field, funct3 (when not
 * the rm), whether rd is an x register, whether rs1 is one. */
static const struct {
    const char *name;
    unsigned f7, rs2, f3;
    bool has_rm, x_rd, x_rs1;
} ops[] = {
    { "fadd", 0x00, 3, 0, true, false, false },
    { "fsub", 0x04, 3, 0, true, false, false },
    { "fmul", 0x08, 3, 0, true, false, false },
    { "fdiv", 0x0c, 3, 0, true, false, false },
    { "fsqrt", 0x2c, 0, 0, true, false, false },
    { "fsgnj", 0x10, 3, 0, false, false, false },
    { "fsgnjn", 0x10, 3, 1, false, false, false },
    { "fsgnjx", 0x10, 3, 2, false, false, false },
    { "fmin", 0x14, 3, 0, false, false, false },
    { "fmax", 0x14, 3, 1, false, false, false },
    { "feq", 0x50, 3, 2, false, true, false },
    { "flt", 0x50, 3, 1, false, true, false },
    { "fle", 0x50, 3, 0, false, true, false },
    { "fclass", 0x70, 0, 1, false, true, false },
    { "fmv.x", 0x70, 0, 0, false, true, false },
    { "fmv.from.x", 0x78, 0, 0, false, false, true },
    { "fcvt.w", 0x60, 0, 0, true, true, false },
    { "fcvt.wu", 0x60, 1, 0, true, true, false },
    { "fcvt.l", 0x60, 2, 0, true, true, false },
    { "fcvt.lu", 0x60, 3, 0, true, true, false },
    { "fcvt.from.w", 0x68, 0, 0, true, false, true },
    { "fcvt.from.wu", 0x68, 1, 0, true, false, true },
    { "fcvt.from.l", 0x68, 2, 0, true, false, true },
    { "fcvt.from.lu", 0x68, 3, 0, true, false, true },
    { "fcvt.other", 0x20, 1, 0, true, false, false },  /* fcvt.s.d */
};

static const char *const rm_names[5] = { "rne", "rtz", "rdn", "rup", "rmm" };

/* Run one vector; returns true if the helper agreed. */
static bool run_vector(struct rv_hart *h, const struct fpu_vector *v)
{
    size_t i;
    bool dbl = v->prec == 'd';
    unsigned rm = 7, f7, rs2;
    struct rv_insn in;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strcmp(ops[i].name, v->op) == 0)
            break;
    assert_true(i < sizeof(ops) / sizeof(ops[0]));
    h->frm = 0;
    if (strncmp(v->rm, "dyn", 3) == 0)
        h->frm = (unsigned)(v->rm[3] - '0');
    else
        for (unsigned r = 0; r < 5; r++)
            if (strcmp(v->rm, rm_names[r]) == 0)
                rm = r;
    f7 = ops[i].f7 | dbl;
    rs2 = ops[i].rs2;
    if (strcmp(v->op, "fcvt.other") == 0) {      /* fcvt.d.s: f7 0x21, rs2 0 */
        f7 = dbl ? 0x21 : 0x20;
        rs2 = dbl ? 0 : 1;
    }
    uint32_t raw = f7 << 25 | rs2 << 20 | 2u << 15 |
                   (ops[i].has_rm ? rm : ops[i].f3) << 12 | 1u << 7 | 0x53;
    rv_decode(raw, &in);
    assert_int_not_equal(in.op, RV_OP_ILLEGAL);
    h->f[1] = 0x5555555555555555ull;
    h->f[2] = v->a;
    h->f[3] = v->b;
    h->fflags = 0;
    uint64_t ret = rv_helper_fp(h, raw | (uint64_t)in.op << 32,
                                ops[i].x_rs1 ? v->a : 0);
    uint64_t got = ops[i].x_rd ? ret : h->f[1];
    if (got != v->r || h->fflags != v->fl) {
        print_error("%c %s %s a=%016llx b=%016llx: got %016llx/%02x want "
                    "%016llx/%02x\n", v->prec, v->op, v->rm,
                    (unsigned long long)v->a, (unsigned long long)v->b,
                    (unsigned long long)got, h->fflags,
                    (unsigned long long)v->r, v->fl);
        return false;
    }
    return true;
}

static void test_qemu_vectors(void **state)
{
    struct rv_hart *h = *state;
    size_t n = sizeof(fpu_vectors) / sizeof(fpu_vectors[0]), bad = 0;

    for (size_t i = 0; i < n; i++)
        bad += !run_vector(h, &fpu_vectors[i]);
    assert_int_equal(bad, 0);
    assert_true(n > 9000);
}

/* Helper for the hand cases: one f-to-f R-type op, rd = f1, rs1 = f2,
 * rs2 = f3; returns f1. */
static uint64_t op2(struct rv_hart *h, uint32_t raw, uint64_t a, uint64_t b,
                    unsigned *fl)
{
    struct rv_insn in;

    rv_decode(raw, &in);
    h->f[2] = a;
    h->f[3] = b;
    h->fflags = 0;
    rv_helper_fp(h, raw | (uint64_t)in.op << 32, 0);
    *fl = h->fflags;
    return h->f[1];
}

#define R(f7, f3) ((uint32_t)(f7) << 25 | 3u << 20 | 2u << 15 | \
                   (uint32_t)(f3) << 12 | 1u << 7 | 0x53)
#define BOX(x) (0xffffffff00000000ull | (x))

static void test_hand_cases(void **state)
{
    struct rv_hart *h = *state;
    unsigned fl;

    /* RMM ties away: 1 + 2^-24 (a tie between 1 and 1+2^-23) */
    assert_int_equal(op2(h, R(0x00, 4), BOX(0x3f800000), BOX(0x33800000), &fl),
                     BOX(0x3f800001));
    assert_int_equal(fl, 1);
    /* ... where RNE keeps the even 1.0 */
    assert_int_equal(op2(h, R(0x00, 0), BOX(0x3f800000), BOX(0x33800000), &fl),
                     BOX(0x3f800000));
    /* x - x = -0 in RDN, +0 in RNE */
    assert_int_equal(op2(h, R(0x05, 2), 0x3ff0000000000000ull,
                         0x3ff0000000000000ull, &fl), 0x8000000000000000ull);
    assert_int_equal(op2(h, R(0x05, 0), 0x3ff0000000000000ull,
                         0x3ff0000000000000ull, &fl), 0);
    /* inf - inf: canonical NaN, NV */
    assert_int_equal(op2(h, R(0x05, 0), 0x7ff0000000000000ull,
                         0x7ff0000000000000ull, &fl), 0x7ff8000000000000ull);
    assert_int_equal(fl, 0x10);
    /* 1/0: inf, DZ */
    assert_int_equal(op2(h, R(0x0d, 0), 0x3ff0000000000000ull, 0, &fl),
                     0x7ff0000000000000ull);
    assert_int_equal(fl, 0x08);
    /* minnorm * (1 - 2^-24) = 2^-127 * (2 - 2^-23): exact at 24 bits with
     * an unbounded exponent, so tiny after rounding in every mode (UF|NX),
     * even where RUP's subnormal rounding reaches minnorm. */
    assert_int_equal(op2(h, R(0x08, 3), BOX(0x00800000), BOX(0x3f7fffff), &fl),
                     BOX(0x00800000));
    assert_int_equal(fl, 0x03);
    assert_int_equal(op2(h, R(0x08, 1), BOX(0x00800000), BOX(0x3f7fffff), &fl),
                     BOX(0x007fffff));
    assert_int_equal(fl, 0x03);
    /* An unboxed single reads as the canonical NaN. */
    assert_int_equal(op2(h, R(0x00, 0), 0x3f800000ull, BOX(0x3f800000), &fl),
                     BOX(0x7fc00000));
    assert_int_equal(fl, 0);
    /* fmin(-0, +0) = -0; fmax(sNaN, 1) = 1 with NV */
    assert_int_equal(op2(h, R(0x14, 0), BOX(0x00000000), BOX(0x80000000), &fl),
                     BOX(0x80000000));
    assert_int_equal(op2(h, R(0x14, 1), BOX(0x7f800001), BOX(0x3f800000), &fl),
                     BOX(0x3f800000));
    assert_int_equal(fl, 0x10);
}

static int setup(void **state)
{
    *state = calloc(1, sizeof(struct rv_hart));
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_vectors),
        cmocka_unit_test(test_hand_cases),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
