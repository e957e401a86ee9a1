/*
 * test_decode.c — rv_decode(): every encoding class of RV64IMAC, Zicsr,
 * Zifencei and the privileged set decodes to the right op and fields; the
 * reserved forms decode ILLEGAL and the HINTs decode legal; every 16-bit
 * parcel decodes sanely and expands to a base instruction that decodes the
 * same; and the op of every vector in vectors.h (GNU as/objdump) agrees.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "target/riscv/decode.h"
#include "vectors.h"

/* ---- 32-bit encoders (field layouts from the unprivileged spec) ---- */
#define ENC_R(opc, rd, f3, rs1, rs2, f7) \
    ((uint32_t)(f7) << 25 | (uint32_t)(rs2) << 20 | (uint32_t)(rs1) << 15 | \
     (uint32_t)(f3) << 12 | (uint32_t)(rd) << 7 | (opc))
#define ENC_I(opc, rd, f3, rs1, imm) \
    ((uint32_t)((imm) & 0xfff) << 20 | (uint32_t)(rs1) << 15 | \
     (uint32_t)(f3) << 12 | (uint32_t)(rd) << 7 | (opc))
#define ENC_S(opc, f3, rs1, rs2, imm) \
    ((uint32_t)(((imm) >> 5) & 0x7f) << 25 | (uint32_t)(rs2) << 20 | \
     (uint32_t)(rs1) << 15 | (uint32_t)(f3) << 12 | \
     (uint32_t)((imm) & 0x1f) << 7 | (opc))
#define ENC_B(f3, rs1, rs2, off) \
    ((uint32_t)(((off) >> 12) & 1) << 31 | (uint32_t)(((off) >> 5) & 0x3f) << 25 | \
     (uint32_t)(rs2) << 20 | (uint32_t)(rs1) << 15 | (uint32_t)(f3) << 12 | \
     (uint32_t)(((off) >> 1) & 0xf) << 8 | (uint32_t)(((off) >> 11) & 1) << 7 | 0x63)
#define ENC_U(opc, rd, imm20) \
    ((uint32_t)((imm20) & 0xfffff) << 12 | (uint32_t)(rd) << 7 | (opc))
#define ENC_J(rd, off) \
    ((uint32_t)(((off) >> 20) & 1) << 31 | (uint32_t)(((off) >> 1) & 0x3ff) << 21 | \
     (uint32_t)(((off) >> 11) & 1) << 20 | (uint32_t)(((off) >> 12) & 0xff) << 12 | \
     (uint32_t)(rd) << 7 | 0x6f)
#define ENC_AMO(f5, aq, rl, f3, rd, rs1, rs2) \
    ENC_R(0x2f, rd, f3, rs1, rs2, (f5) << 2 | (aq) << 1 | (rl))
#define ENC_FENCE(fm, pred, succ, rs1, rd) \
    ((uint32_t)(fm) << 28 | (uint32_t)(pred) << 24 | (uint32_t)(succ) << 20 | \
     (uint32_t)(rs1) << 15 | (uint32_t)(rd) << 7 | 0x0f)

/* ---- 16-bit encoders: the generic shapes, fields placed by the caller ---- */
#define ENC_C(q, f3, b12, b11_7, b6_2) \
    ((uint32_t)(f3) << 13 | (uint32_t)(b12) << 12 | (uint32_t)(b11_7) << 7 | \
     (uint32_t)(b6_2) << 2 | (q))

struct expect {
    uint32_t raw;
    uint16_t op;
    uint8_t rd, rs1, rs2;
    int64_t imm;
};

static void check(const struct expect *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct rv_insn d;
        rv_decode(e[i].raw, &d);
        if (d.op != e[i].op || d.rd != e[i].rd || d.rs1 != e[i].rs1 ||
            d.rs2 != e[i].rs2 || d.imm != e[i].imm)
            fail_msg("raw 0x%08x: got %s rd=%u rs1=%u rs2=%u imm=%lld, want "
                     "%s rd=%u rs1=%u rs2=%u imm=%lld", e[i].raw,
                     rv_op_name(d.op), d.rd, d.rs1, d.rs2, (long long)d.imm,
                     rv_op_name(e[i].op), e[i].rd, e[i].rs1, e[i].rs2,
                     (long long)e[i].imm);
        assert_int_equal(d.len, (e[i].raw & 3) == 3 ? 4 : 2);
        assert_int_equal(d.raw, d.len == 2 ? (e[i].raw & 0xffff) : e[i].raw);
    }
}

#define CHECK(tab) check(tab, sizeof(tab) / sizeof((tab)[0]))

static void expect_illegal(const uint32_t *raw, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct rv_insn d;
        rv_decode(raw[i], &d);
        if (d.op != RV_OP_ILLEGAL)
            fail_msg("raw 0x%08x decoded as %s, want illegal", raw[i], rv_op_name(d.op));
        assert_int_equal(d.len, (raw[i] & 3) == 3 ? 4 : 2);
        assert_null(d.cname);
    }
}

#define ILLEGAL(tab) expect_illegal(tab, sizeof(tab) / sizeof((tab)[0]))

static void test_rv64i(void **state)
{
    (void)state;
    static const struct expect t[] = {
        { ENC_U(0x37, 10, 0x12345), RV_OP_LUI, 10, 0, 0, 0x12345000 },
        { ENC_U(0x37, 8, 0x80000), RV_OP_LUI, 8, 0, 0, -0x80000000LL },
        { ENC_U(0x17, 31, 0xfffff), RV_OP_AUIPC, 31, 0, 0, -4096 },
        { ENC_J(1, 2048), RV_OP_JAL, 1, 0, 0, 2048 },
        { ENC_J(0, -4), RV_OP_JAL, 0, 0, 0, -4 },
        { ENC_J(5, 0xffffe), RV_OP_JAL, 5, 0, 0, 0xffffe },
        { ENC_J(5, -0x100000), RV_OP_JAL, 5, 0, 0, -0x100000 },
        { ENC_I(0x67, 1, 0, 10, -2048), RV_OP_JALR, 1, 10, 0, -2048 },
        { ENC_B(0, 10, 11, 16), RV_OP_BEQ, 0, 10, 11, 16 },
        { ENC_B(1, 1, 2, -4096), RV_OP_BNE, 0, 1, 2, -4096 },
        { ENC_B(4, 3, 4, 4094), RV_OP_BLT, 0, 3, 4, 4094 },
        { ENC_B(5, 5, 6, -2), RV_OP_BGE, 0, 5, 6, -2 },
        { ENC_B(6, 7, 8, 2048), RV_OP_BLTU, 0, 7, 8, 2048 },
        { ENC_B(7, 9, 31, -2048), RV_OP_BGEU, 0, 9, 31, -2048 },
        { ENC_I(0x03, 10, 0, 11, -1), RV_OP_LB, 10, 11, 0, -1 },
        { ENC_I(0x03, 10, 1, 11, 2047), RV_OP_LH, 10, 11, 0, 2047 },
        { ENC_I(0x03, 10, 2, 11, 4), RV_OP_LW, 10, 11, 0, 4 },
        { ENC_I(0x03, 10, 3, 2, -2048), RV_OP_LD, 10, 2, 0, -2048 },
        { ENC_I(0x03, 10, 4, 11, 0), RV_OP_LBU, 10, 11, 0, 0 },
        { ENC_I(0x03, 10, 5, 11, 6), RV_OP_LHU, 10, 11, 0, 6 },
        { ENC_I(0x03, 10, 6, 11, 8), RV_OP_LWU, 10, 11, 0, 8 },
        { ENC_S(0x23, 0, 11, 10, -1), RV_OP_SB, 0, 11, 10, -1 },
        { ENC_S(0x23, 1, 11, 10, 2047), RV_OP_SH, 0, 11, 10, 2047 },
        { ENC_S(0x23, 2, 11, 10, -2048), RV_OP_SW, 0, 11, 10, -2048 },
        { ENC_S(0x23, 3, 2, 1, 8), RV_OP_SD, 0, 2, 1, 8 },
        { ENC_I(0x13, 10, 0, 10, 1), RV_OP_ADDI, 10, 10, 0, 1 },
        { ENC_I(0x13, 10, 2, 11, -5), RV_OP_SLTI, 10, 11, 0, -5 },
        { ENC_I(0x13, 10, 3, 11, 2047), RV_OP_SLTIU, 10, 11, 0, 2047 },
        { ENC_I(0x13, 10, 4, 11, -1), RV_OP_XORI, 10, 11, 0, -1 },
        { ENC_I(0x13, 10, 6, 11, 0x7ff), RV_OP_ORI, 10, 11, 0, 0x7ff },
        { ENC_I(0x13, 10, 7, 11, -2048), RV_OP_ANDI, 10, 11, 0, -2048 },
        { ENC_I(0x13, 10, 1, 11, 63), RV_OP_SLLI, 10, 11, 0, 63 },
        { ENC_I(0x13, 10, 5, 11, 32), RV_OP_SRLI, 10, 11, 0, 32 },
        { ENC_I(0x13, 10, 5, 11, 0x400 | 63), RV_OP_SRAI, 10, 11, 0, 63 },
        { ENC_R(0x33, 1, 0, 2, 3, 0), RV_OP_ADD, 1, 2, 3, 0 },
        { ENC_R(0x33, 1, 0, 2, 3, 0x20), RV_OP_SUB, 1, 2, 3, 0 },
        { ENC_R(0x33, 1, 1, 2, 3, 0), RV_OP_SLL, 1, 2, 3, 0 },
        { ENC_R(0x33, 1, 2, 2, 3, 0), RV_OP_SLT, 1, 2, 3, 0 },
        { ENC_R(0x33, 1, 3, 2, 3, 0), RV_OP_SLTU, 1, 2, 3, 0 },
        { ENC_R(0x33, 1, 4, 2, 3, 0), RV_OP_XOR, 1, 2, 3, 0 },
        { ENC_R(0x33, 1, 5, 2, 3, 0), RV_OP_SRL, 1, 2, 3, 0 },
        { ENC_R(0x33, 1, 5, 2, 3, 0x20), RV_OP_SRA, 1, 2, 3, 0 },
        { ENC_R(0x33, 1, 6, 2, 3, 0), RV_OP_OR, 1, 2, 3, 0 },
        { ENC_R(0x33, 31, 7, 30, 29, 0), RV_OP_AND, 31, 30, 29, 0 },
        { ENC_I(0x1b, 10, 0, 11, -1), RV_OP_ADDIW, 10, 11, 0, -1 },
        { ENC_I(0x1b, 10, 1, 11, 31), RV_OP_SLLIW, 10, 11, 0, 31 },
        { ENC_I(0x1b, 10, 5, 11, 0), RV_OP_SRLIW, 10, 11, 0, 0 },
        { ENC_I(0x1b, 10, 5, 11, 0x400 | 17), RV_OP_SRAIW, 10, 11, 0, 17 },
        { ENC_R(0x3b, 1, 0, 2, 3, 0), RV_OP_ADDW, 1, 2, 3, 0 },
        { ENC_R(0x3b, 1, 0, 2, 3, 0x20), RV_OP_SUBW, 1, 2, 3, 0 },
        { ENC_R(0x3b, 1, 1, 2, 3, 0), RV_OP_SLLW, 1, 2, 3, 0 },
        { ENC_R(0x3b, 1, 5, 2, 3, 0), RV_OP_SRLW, 1, 2, 3, 0 },
        { ENC_R(0x3b, 1, 5, 2, 3, 0x20), RV_OP_SRAW, 1, 2, 3, 0 },
        { 0x00000073, RV_OP_ECALL, 0, 0, 0, 0 },
        { 0x00100073, RV_OP_EBREAK, 0, 0, 0, 0 },
    };
    CHECK(t);
}

static void test_m(void **state)
{
    (void)state;
    static const uint16_t ops[8] = {
        RV_OP_MUL, RV_OP_MULH, RV_OP_MULHSU, RV_OP_MULHU,
        RV_OP_DIV, RV_OP_DIVU, RV_OP_REM, RV_OP_REMU,
    };
    static const uint16_t wops[8] = {
        RV_OP_MULW, 0, 0, 0, RV_OP_DIVW, RV_OP_DIVUW, RV_OP_REMW, RV_OP_REMUW,
    };
    for (unsigned f3 = 0; f3 < 8; f3++) {
        struct expect e[2] = {
            { ENC_R(0x33, 5, f3, 6, 7, 1), ops[f3], 5, 6, 7, 0 },
            { ENC_R(0x3b, 5, f3, 6, 7, 1), wops[f3], 5, 6, 7, 0 },
        };
        if (wops[f3] == RV_OP_ILLEGAL)
            e[1].rd = e[1].rs1 = e[1].rs2 = 0;
        check(e, 2);
    }
}

static void test_a(void **state)
{
    (void)state;
    static const struct { unsigned f5; uint16_t op; } amo[] = {
        { 0x02, RV_OP_LR_W }, { 0x03, RV_OP_SC_W }, { 0x01, RV_OP_AMOSWAP_W },
        { 0x00, RV_OP_AMOADD_W }, { 0x04, RV_OP_AMOXOR_W }, { 0x0c, RV_OP_AMOAND_W },
        { 0x08, RV_OP_AMOOR_W }, { 0x10, RV_OP_AMOMIN_W }, { 0x14, RV_OP_AMOMAX_W },
        { 0x18, RV_OP_AMOMINU_W }, { 0x1c, RV_OP_AMOMAXU_W },
    };
    for (size_t i = 0; i < sizeof(amo) / sizeof(amo[0]); i++) {
        for (unsigned f3 = 2; f3 <= 3; f3++) {
            for (unsigned o = 0; o < 4; o++) {
                unsigned rs2 = amo[i].f5 == 0x02 ? 0 : 12;
                struct rv_insn d;
                rv_decode(ENC_AMO(amo[i].f5, o >> 1, o & 1, f3, 10, 11, rs2), &d);
                assert_int_equal(d.op, amo[i].op + (f3 == 3 ? RV_OP_LR_D - RV_OP_LR_W : 0));
                assert_int_equal(d.rd, 10);
                assert_int_equal(d.rs1, 11);
                assert_int_equal(d.rs2, rs2);
                assert_int_equal(d.aq, o >> 1);
                assert_int_equal(d.rl, o & 1);
            }
        }
    }
    static const uint32_t bad[] = {
        ENC_AMO(0x02, 0, 0, 2, 10, 11, 1),    /* lr.w with rs2 != 0 */
        ENC_AMO(0x02, 1, 1, 3, 10, 11, 31),   /* lr.d with rs2 != 0 */
        ENC_AMO(0x05, 0, 0, 2, 10, 11, 12),   /* unassigned funct5 */
        ENC_AMO(0x06, 0, 0, 3, 10, 11, 12),
        ENC_AMO(0x1f, 0, 0, 2, 10, 11, 12),
        ENC_AMO(0x00, 0, 0, 0, 10, 11, 12),   /* width .b/.h/.q: not in A */
        ENC_AMO(0x00, 0, 0, 1, 10, 11, 12),
        ENC_AMO(0x01, 0, 0, 4, 10, 11, 12),
        ENC_AMO(0x03, 0, 0, 7, 10, 11, 12),
    };
    ILLEGAL(bad);
}

static void test_csr(void **state)
{
    (void)state;
    static const uint16_t ops[8] = {
        0, RV_OP_CSRRW, RV_OP_CSRRS, RV_OP_CSRRC,
        0, RV_OP_CSRRWI, RV_OP_CSRRSI, RV_OP_CSRRCI,
    };
    for (unsigned f3 = 1; f3 < 8; f3++) {
        if (f3 == 4)
            continue;
        struct rv_insn d;
        rv_decode(ENC_I(0x73, 10, f3, 21, 0xf14), &d);
        assert_int_equal(d.op, ops[f3]);
        assert_int_equal(d.rd, 10);
        assert_int_equal(d.csr, 0xf14);
        if (f3 & 4) {
            assert_int_equal(d.imm, 21);     /* zimm, zero-extended */
            assert_int_equal(d.rs1, 0);
        } else {
            assert_int_equal(d.rs1, 21);
            assert_int_equal(d.imm, 0);
        }
    }
    struct rv_insn d;
    rv_decode(ENC_I(0x73, 0, 7, 31, 0xfff), &d);  /* csrrci zero,0xfff,31 */
    assert_int_equal(d.op, RV_OP_CSRRCI);
    assert_int_equal(d.csr, 0xfff);
    assert_int_equal(d.imm, 31);
    static const uint32_t bad[] = { ENC_I(0x73, 10, 4, 11, 0x600) };
    ILLEGAL(bad);
}

static void test_fence(void **state)
{
    (void)state;
    struct rv_insn d;

    rv_decode(ENC_FENCE(0, 0xf, 0xf, 0, 0), &d);
    assert_int_equal(d.op, RV_OP_FENCE);
    assert_int_equal(d.pred, 0xf);
    assert_int_equal(d.succ, 0xf);
    rv_decode(ENC_FENCE(0, 0x2, 0x1, 0, 0), &d);  /* fence r,w */
    assert_int_equal(d.op, RV_OP_FENCE);
    assert_int_equal(d.pred, 2);
    assert_int_equal(d.succ, 1);
    rv_decode(ENC_FENCE(8, 3, 3, 0, 0), &d);
    assert_int_equal(d.op, RV_OP_FENCE_TSO);
    rv_decode(0x0100000f, &d);
    assert_int_equal(d.op, RV_OP_PAUSE);
    rv_decode(0x0000100f, &d);
    assert_int_equal(d.op, RV_OP_FENCE_I);

    /* Reserved configurations: the spec says "treat as a normal fence" and
     * to ignore rs1/rd, and to ignore FENCE.I's imm/rs1/rd. */
    static const uint32_t normal[] = {
        ENC_FENCE(8, 0xf, 0xf, 0, 0),     /* fm=TSO with other sets */
        ENC_FENCE(1, 3, 3, 0, 0),         /* unassigned fm */
        ENC_FENCE(0xf, 3, 3, 0, 0),
        ENC_FENCE(0, 3, 3, 5, 0),         /* rs1 != 0 */
        ENC_FENCE(0, 3, 3, 0, 7),         /* rd != 0 */
        ENC_FENCE(0, 1, 0, 0, 1),         /* pause shape, rd != 0 */
        ENC_FENCE(0, 0, 0, 0, 0),         /* empty sets */
    };
    for (size_t i = 0; i < sizeof(normal) / sizeof(normal[0]); i++) {
        rv_decode(normal[i], &d);
        assert_int_equal(d.op, RV_OP_FENCE);
        assert_int_equal(d.pred, (normal[i] >> 24) & 0xf);
        assert_int_equal(d.succ, (normal[i] >> 20) & 0xf);
    }
    rv_decode(ENC_FENCE(8, 3, 3, 1, 1), &d);
    assert_int_equal(d.op, RV_OP_FENCE_TSO);
    rv_decode(ENC_I(0x0f, 3, 1, 4, 0x123), &d);
    assert_int_equal(d.op, RV_OP_FENCE_I);

    static const uint32_t bad[] = {   /* MISC-MEM funct3 2..7 (CBO etc.) */
        ENC_I(0x0f, 0, 2, 10, 0), ENC_I(0x0f, 0, 3, 0, 0), ENC_I(0x0f, 0, 4, 0, 0),
        ENC_I(0x0f, 0, 5, 0, 0), ENC_I(0x0f, 0, 6, 0, 0), ENC_I(0x0f, 0, 7, 0, 0),
    };
    ILLEGAL(bad);
}

static void test_privileged(void **state)
{
    (void)state;
    static const struct expect t[] = {
        { 0x30200073, RV_OP_MRET, 0, 0, 0, 0 },
        { 0x10200073, RV_OP_SRET, 0, 0, 0, 0 },
        { 0x10500073, RV_OP_WFI, 0, 0, 0, 0 },
        { ENC_R(0x73, 0, 0, 0, 0, 0x09), RV_OP_SFENCE_VMA, 0, 0, 0, 0 },
        { ENC_R(0x73, 0, 0, 10, 11, 0x09), RV_OP_SFENCE_VMA, 0, 10, 11, 0 },
    };
    CHECK(t);
    /* Exact encodings only: any other bit set is illegal. */
    static const uint32_t bad[] = {
        0x00000073 | 1u << 7, 0x00000073 | 1u << 15, 0x00100073 | 1u << 21,
        0x00200073,                 /* uret: no N extension */
        0x30200073 | 1u << 7, 0x30200073 | 1u << 15, 0x10200073 | 1u << 15,
        0x10500073 | 1u << 7, 0x10500073 | 3u << 15, 0x7b200073, /* dret */
        ENC_R(0x73, 1, 0, 10, 11, 0x09),   /* sfence.vma rd != 0 */
        ENC_R(0x73, 0, 0, 10, 11, 0x11),   /* hfence.gvma: no H */
        ENC_R(0x73, 0, 0, 10, 11, 0x0b),   /* sinval.vma: no Svinval */
        0x10400073, 0x10000073,
    };
    ILLEGAL(bad);
}

static void test_illegal32(void **state)
{
    (void)state;
    static const uint32_t bad[] = {
        0xffffffff,
        ENC_I(0x13, 10, 1, 11, 0x040),         /* slli imm[11:6] = 1 */
        ENC_I(0x13, 10, 1, 11, 0x400 | 3),     /* slli with sra bit */
        ENC_I(0x13, 10, 5, 11, 0x800 | 3),     /* srli/srai funct6 bad */
        ENC_I(0x13, 10, 5, 11, 0x440 | 3),
        ENC_I(0x1b, 10, 1, 11, 32),            /* slliw shamt[5] (bit 25) */
        ENC_I(0x1b, 10, 5, 11, 32 | 5),        /* srliw shamt >= 32 */
        ENC_I(0x1b, 10, 5, 11, 0x400 | 32),    /* sraiw shamt >= 32 */
        ENC_I(0x1b, 10, 2, 11, 0), ENC_I(0x1b, 10, 3, 11, 0),
        ENC_I(0x1b, 10, 4, 11, 0), ENC_I(0x1b, 10, 6, 11, 0),
        ENC_I(0x1b, 10, 7, 11, 0), ENC_I(0x1b, 10, 1, 11, 0x400),
        ENC_R(0x33, 1, 0, 2, 3, 0x40), ENC_R(0x33, 1, 1, 2, 3, 0x20),
        ENC_R(0x33, 1, 7, 2, 3, 0x20), ENC_R(0x33, 1, 0, 2, 3, 0x21),
        ENC_R(0x33, 1, 4, 2, 3, 0x05),         /* Zbb-ish */
        ENC_R(0x3b, 1, 2, 2, 3, 0), ENC_R(0x3b, 1, 1, 2, 3, 0x20),
        ENC_R(0x3b, 1, 1, 2, 3, 1), ENC_R(0x3b, 1, 2, 2, 3, 1),
        ENC_R(0x3b, 1, 3, 2, 3, 1), ENC_R(0x3b, 1, 0, 2, 3, 0x04),
        ENC_I(0x03, 1, 7, 2, 0),               /* load funct3 7 */
        ENC_S(0x23, 4, 1, 2, 0), ENC_S(0x23, 7, 1, 2, 0),
        ENC_B(2, 1, 2, 8), ENC_B(3, 1, 2, 8),
        ENC_I(0x67, 1, 1, 2, 0), ENC_I(0x67, 1, 7, 2, 0),
        /* Q/Zfh/V forms of the FP opcodes, reserved rm, custom and
         * reserved major opcodes */
        ENC_I(0x07, 1, 1, 2, 0), ENC_I(0x07, 1, 4, 2, 0),
        ENC_S(0x27, 1, 1, 2, 0), ENC_S(0x27, 4, 1, 2, 0),
        0x06000043, 0x04000047, 0x0000504b, 0x0000604f,
        0x04000053, 0x06000053, 0x00005053, 0x00006053, 0x58105053,
        0x58100053, 0x20003053, 0x28002053, 0xa0003053, 0xe0002053,
        0xe0100053, 0xf0100053, 0xc0400053, 0x40200053, 0x42100053,
        0x00000057,
        0x0000000b, 0x0000002b, 0x0000005b, 0x0000007b, 0x0000006b,
        0x00000077,
        /* 48-bit, 64-bit and longer encodings */
        0x0000001f, 0x0000003f, 0x0000007f, 0xffffffbf, 0x12345f5f,
    };
    ILLEGAL(bad);
}


/* F/D: register fields, imm = offset for loads/stores, rm | rs3 << 3 for
 * the rest (rm 0 where the op has none). */
static void test_fd_fields(void **state)
{
    (void)state;
    static const struct expect t[] = {
        { ENC_I(0x07, 10, 2, 11, -4), RV_OP_FLW, 10, 11, 0, -4 },
        { ENC_I(0x07, 31, 3, 2, 2047), RV_OP_FLD, 31, 2, 0, 2047 },
        { ENC_S(0x27, 2, 11, 12, -2048), RV_OP_FSW, 0, 11, 12, -2048 },
        { ENC_S(0x27, 3, 2, 8, 8), RV_OP_FSD, 0, 2, 8, 8 },
        { 0x68c5f543, RV_OP_FMADD_S, 10, 11, 12, 7 | 13 << 3 },
        { 0x6ac5854f, RV_OP_FNMADD_D, 10, 11, 12, 0 | 13 << 3 },
        { 0xf8c5c547, RV_OP_FMSUB_S, 10, 11, 12, 4 | 31 << 3 },
        { 0x02c59553, RV_OP_FADD_D, 10, 11, 12, 1 },
        { 0x5805b553, RV_OP_FSQRT_S, 10, 11, 0, 3 },
        { 0x22b59553, RV_OP_FSGNJN_D, 10, 11, 11, 0 },
        { 0x2ac59553, RV_OP_FMAX_D, 10, 11, 12, 0 },
        { 0xa0b52553, RV_OP_FEQ_S, 10, 10, 11, 0 },
        { 0xa2b51553, RV_OP_FLT_D, 10, 10, 11, 0 },
        { 0xe2051553, RV_OP_FCLASS_D, 10, 10, 0, 0 },
        { 0xe0050553, RV_OP_FMV_X_W, 10, 10, 0, 0 },
        { 0xf2050553, RV_OP_FMV_D_X, 10, 10, 0, 0 },
        { 0xc0051553, RV_OP_FCVT_W_S, 10, 10, 0, 1 },
        { 0xc235a553, RV_OP_FCVT_LU_D, 10, 11, 0, 2 },
        { 0xd2158553, RV_OP_FCVT_D_WU, 10, 11, 0, 0 },
        { 0xd035f553, RV_OP_FCVT_S_LU, 10, 11, 0, 7 },
        { 0x4015f553, RV_OP_FCVT_S_D, 10, 11, 0, 7 },
        { 0x4205c553, RV_OP_FCVT_D_S, 10, 11, 0, 4 },
        { 0x2588, RV_OP_FLD, 10, 11, 0, 8 },           /* c.fld */
        { 0xa588, RV_OP_FSD, 0, 11, 10, 8 },           /* c.fsd */
        { 0x2442, RV_OP_FLD, 8, 2, 0, 16 },            /* c.fldsp */
        { 0x2002, RV_OP_FLD, 0, 2, 0, 0 },             /* c.fldsp f0 */
        { 0xa822, RV_OP_FSD, 0, 2, 8, 16 },            /* c.fsdsp */
    };
    CHECK(t);
}

static void test_rvc_expand(void **state)
{
    (void)state;
    static const struct { struct expect e; const char *cname; } t[] = {
        { { 0x0808, RV_OP_ADDI, 10, 2, 0, 16 }, "c.addi4spn" },
        { { 0x1fe0, RV_OP_ADDI, 8, 2, 0, 1020 }, "c.addi4spn" },
        { { 0x41c8, RV_OP_LW, 10, 11, 0, 4 }, "c.lw" },
        { { 0x5fe4, RV_OP_LW, 9, 15, 0, 124 }, "c.lw" },
        { { 0x6588, RV_OP_LD, 10, 11, 0, 8 }, "c.ld" },
        { { 0x7c70, RV_OP_LD, 12, 8, 0, 248 }, "c.ld" },
        { { 0xc188, RV_OP_SW, 0, 11, 10, 0 }, "c.sw" },
        { { 0xdf74, RV_OP_SW, 0, 14, 13, 124 }, "c.sw" },
        { { 0xe988, RV_OP_SD, 0, 11, 10, 16 }, "c.sd" },
        { { 0xfcfc, RV_OP_SD, 0, 9, 15, 248 }, "c.sd" },
        { { 0x0001, RV_OP_ADDI, 0, 0, 0, 0 }, "c.nop" },
        { { 0x0505, RV_OP_ADDI, 10, 10, 0, 1 }, "c.addi" },
        { { 0x1f81, RV_OP_ADDI, 31, 31, 0, -32 }, "c.addi" },
        { { 0x357d, RV_OP_ADDIW, 10, 10, 0, -1 }, "c.addiw" },
        { { 0x5575, RV_OP_ADDI, 10, 0, 0, -3 }, "c.li" },
        { { 0x7139, RV_OP_ADDI, 2, 2, 0, -64 }, "c.addi16sp" },
        { { 0x617d, RV_OP_ADDI, 2, 2, 0, 496 }, "c.addi16sp" },
        { { 0x7101, RV_OP_ADDI, 2, 2, 0, -512 }, "c.addi16sp" },
        { { 0x6505, RV_OP_LUI, 10, 0, 0, 0x1000 }, "c.lui" },
        { { 0x757d, RV_OP_LUI, 10, 0, 0, -4096 }, "c.lui" },
        { { 0x7501, RV_OP_LUI, 10, 0, 0, -0x20000 }, "c.lui" },
        { { 0x8105, RV_OP_SRLI, 10, 10, 0, 1 }, "c.srli" },
        { { 0x907d, RV_OP_SRLI, 8, 8, 0, 63 }, "c.srli" },
        { { 0x9581, RV_OP_SRAI, 11, 11, 0, 32 }, "c.srai" },
        { { 0x997d, RV_OP_ANDI, 10, 10, 0, -1 }, "c.andi" },
        { { 0x8d0d, RV_OP_SUB, 10, 10, 11, 0 }, "c.sub" },
        { { 0x8c25, RV_OP_XOR, 8, 8, 9, 0 }, "c.xor" },
        { { 0x8f5d, RV_OP_OR, 14, 14, 15, 0 }, "c.or" },
        { { 0x8e75, RV_OP_AND, 12, 12, 13, 0 }, "c.and" },
        { { 0x9d0d, RV_OP_SUBW, 10, 10, 11, 0 }, "c.subw" },
        { { 0x9c3d, RV_OP_ADDW, 8, 8, 15, 0 }, "c.addw" },
        { { 0xa029, RV_OP_JAL, 0, 0, 0, 10 }, "c.j" },
        { { 0xb001, RV_OP_JAL, 0, 0, 0, -2048 }, "c.j" },
        { { 0xaffd, RV_OP_JAL, 0, 0, 0, 2046 }, "c.j" },
        { { 0xdd75, RV_OP_BEQ, 0, 10, 0, -4 }, "c.beqz" },
        { { 0xcc7d, RV_OP_BEQ, 0, 8, 0, 254 }, "c.beqz" },
        { { 0xf381, RV_OP_BNE, 0, 15, 0, -256 }, "c.bnez" },
        { { 0x050a, RV_OP_SLLI, 10, 10, 0, 2 }, "c.slli" },
        { { 0x1ffe, RV_OP_SLLI, 31, 31, 0, 63 }, "c.slli" },
        { { 0x4522, RV_OP_LW, 10, 2, 0, 8 }, "c.lwsp" },
        { { 0x50fe, RV_OP_LW, 1, 2, 0, 252 }, "c.lwsp" },
        { { 0x6522, RV_OP_LD, 10, 2, 0, 8 }, "c.ldsp" },
        { { 0x7ffe, RV_OP_LD, 31, 2, 0, 504 }, "c.ldsp" },
        { { 0x8082, RV_OP_JALR, 0, 1, 0, 0 }, "c.jr" },
        { { 0x852e, RV_OP_ADD, 10, 0, 11, 0 }, "c.mv" },
        { { 0x9002, RV_OP_EBREAK, 0, 0, 0, 0 }, "c.ebreak" },
        { { 0x9502, RV_OP_JALR, 1, 10, 0, 0 }, "c.jalr" },
        { { 0x952e, RV_OP_ADD, 10, 10, 11, 0 }, "c.add" },
        { { 0xc02a, RV_OP_SW, 0, 2, 10, 0 }, "c.swsp" },
        { { 0xdffe, RV_OP_SW, 0, 2, 31, 252 }, "c.swsp" },
        { { 0xe82a, RV_OP_SD, 0, 2, 10, 16 }, "c.sdsp" },
        { { 0xffe6, RV_OP_SD, 0, 2, 25, 504 }, "c.sdsp" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct rv_insn d;
        check(&t[i].e, 1);
        rv_decode(t[i].e.raw | 0xabcd0000u, &d);  /* upper half ignored */
        assert_int_equal(d.len, 2);
        assert_non_null(d.cname);
        assert_string_equal(d.cname, t[i].cname);
    }
}

static void test_rvc_reserved(void **state)
{
    (void)state;
    static const uint32_t bad[] = {
        0x0000,          /* all-zero parcel (c.addi4spn nzuimm=0, rd=s0) */
        0x0004, 0x001c,  /* c.addi4spn nzuimm=0, other rd' */
        0x8000, 0x9fec,  /* Q0 funct3 100: reserved (Zcb not supported) */
        0x2001, 0x3001, 0x207d,  /* c.addiw rd=0 */
        0x6101,          /* c.addi16sp imm=0 */
        0x6001,          /* c.lui rd=0 imm=0 */
        0x6501, 0x6f81,  /* c.lui imm=0 */
        0x9c41, 0x9c61, 0x9fdd, 0x9ffd,  /* Q1 100 111 funct2 10/11 */
        0x4002, 0x5002, 0x407e,  /* c.lwsp rd=0 */
        0x6002, 0x7002, 0x607e,  /* c.ldsp rd=0 */
        0x8002,          /* c.jr rs1=0 */
    };
    ILLEGAL(bad);
}

static void test_rvc_hints(void **state)
{
    (void)state;
    /* HINT code points decode to their legal base op (a no-op or plain op). */
    static const struct { struct expect e; const char *cname; } t[] = {
        { { 0x0005, RV_OP_ADDI, 0, 0, 0, 1 }, "c.nop" },       /* c.nop imm!=0 */
        { { 0x1001, RV_OP_ADDI, 0, 0, 0, -32 }, "c.nop" },
        { { 0x0101, RV_OP_ADDI, 2, 2, 0, 0 }, "c.addi" },      /* c.addi imm=0 */
        { { 0x4005, RV_OP_ADDI, 0, 0, 0, 1 }, "c.li" },        /* c.li rd=0 */
        { { 0x6005, RV_OP_LUI, 0, 0, 0, 0x1000 }, "c.lui" },   /* c.lui rd=0 */
        { { 0x8001, RV_OP_SRLI, 8, 8, 0, 0 }, "c.srli" },      /* shamt=0 */
        { { 0x8401, RV_OP_SRAI, 8, 8, 0, 0 }, "c.srai" },
        { { 0x000e, RV_OP_SLLI, 0, 0, 0, 3 }, "c.slli" },      /* rd=0 */
        { { 0x0082, RV_OP_SLLI, 1, 1, 0, 0 }, "c.slli" },      /* shamt=0 */
        { { 0x8006, RV_OP_ADD, 0, 0, 1, 0 }, "c.mv" },         /* rd=0 */
        { { 0x9006, RV_OP_ADD, 0, 0, 1, 0 }, "c.add" },        /* rd=0 */
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct rv_insn d;
        check(&t[i].e, 1);
        rv_decode(t[i].e.raw, &d);
        assert_string_equal(d.cname, t[i].cname);
    }
}

/* Encode a decoded base instruction back to 32 bits (the ops that the RVC
 * expansions produce), so every compressed parcel can be checked against the
 * decoding of its expansion. */
static uint32_t encode_base(const struct rv_insn *d)
{
    switch (d->op) {
    case RV_OP_ADDI:  return ENC_I(0x13, d->rd, 0, d->rs1, d->imm);
    case RV_OP_ANDI:  return ENC_I(0x13, d->rd, 7, d->rs1, d->imm);
    case RV_OP_SLLI:  return ENC_I(0x13, d->rd, 1, d->rs1, d->imm);
    case RV_OP_SRLI:  return ENC_I(0x13, d->rd, 5, d->rs1, d->imm);
    case RV_OP_SRAI:  return ENC_I(0x13, d->rd, 5, d->rs1, d->imm | 0x400);
    case RV_OP_ADDIW: return ENC_I(0x1b, d->rd, 0, d->rs1, d->imm);
    case RV_OP_LW:    return ENC_I(0x03, d->rd, 2, d->rs1, d->imm);
    case RV_OP_LD:    return ENC_I(0x03, d->rd, 3, d->rs1, d->imm);
    case RV_OP_SW:    return ENC_S(0x23, 2, d->rs1, d->rs2, d->imm);
    case RV_OP_SD:    return ENC_S(0x23, 3, d->rs1, d->rs2, d->imm);
    case RV_OP_FLD:   return ENC_I(0x07, d->rd, 3, d->rs1, d->imm);
    case RV_OP_FSD:   return ENC_S(0x27, 3, d->rs1, d->rs2, d->imm);
    case RV_OP_LUI:   return ENC_U(0x37, d->rd, d->imm >> 12);
    case RV_OP_ADD:   return ENC_R(0x33, d->rd, 0, d->rs1, d->rs2, 0);
    case RV_OP_SUB:   return ENC_R(0x33, d->rd, 0, d->rs1, d->rs2, 0x20);
    case RV_OP_XOR:   return ENC_R(0x33, d->rd, 4, d->rs1, d->rs2, 0);
    case RV_OP_OR:    return ENC_R(0x33, d->rd, 6, d->rs1, d->rs2, 0);
    case RV_OP_AND:   return ENC_R(0x33, d->rd, 7, d->rs1, d->rs2, 0);
    case RV_OP_ADDW:  return ENC_R(0x3b, d->rd, 0, d->rs1, d->rs2, 0);
    case RV_OP_SUBW:  return ENC_R(0x3b, d->rd, 0, d->rs1, d->rs2, 0x20);
    case RV_OP_JAL:   return ENC_J(d->rd, d->imm);
    case RV_OP_JALR:  return ENC_I(0x67, d->rd, 0, d->rs1, d->imm);
    case RV_OP_BEQ:   return ENC_B(0, d->rs1, d->rs2, d->imm);
    case RV_OP_BNE:   return ENC_B(1, d->rs1, d->rs2, d->imm);
    case RV_OP_EBREAK: return 0x00100073;
    default:          return 0;
    }
}

static void test_all_parcels(void **state)
{
    (void)state;
    unsigned legal = 0;

    for (uint32_t h = 0; h <= 0xffff; h++) {
        struct rv_insn d, base;
        rv_decode(h, &d);
        if ((h & 3) == 3) {
            assert_int_equal(d.len, 4);
            continue;
        }
        assert_int_equal(d.len, 2);
        assert_int_equal(d.raw, h);
        assert_true(d.rd < 32 && d.rs1 < 32 && d.rs2 < 32);
        if (d.op == RV_OP_ILLEGAL) {
            assert_null(d.cname);
            continue;
        }
        legal++;
        assert_non_null(d.cname);
        assert_memory_equal(d.cname, "c.", 2);
        /* The expansion is a valid base instruction with the same fields. */
        uint32_t w = encode_base(&d);
        if (w == 0)
            fail_msg("0x%04x expands to unexpected op %s", h, rv_op_name(d.op));
        rv_decode(w, &base);
        if (base.op != d.op || base.rd != d.rd || base.rs1 != d.rs1 ||
            base.rs2 != d.rs2 || base.imm != d.imm)
            fail_msg("0x%04x (%s): expansion 0x%08x decodes differently", h,
                     d.cname, w);
    }
    /* Exactly the reserved/unsupported parcels are illegal (49152 - 46743 =
     * 2409): Q0 funct3-100 2048 + c.addi4spn nzuimm=0 8; Q1 c.addiw rd=0
     * 64 + c.addi16sp 0 1 + c.lui imm=0 31 + funct2 10/11 of the W row
     * 128; Q2 c.lwsp/c.ldsp rd=0 2*64 + c.jr x0 1. */
    assert_int_equal(legal, 46743);
}

static void test_random32(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t w = (uint32_t)x | 3;
        struct rv_insn d;
        rv_decode(w, &d);
        assert_int_equal(d.len, 4);
        assert_int_equal(d.raw, w);
        assert_null(d.cname);
        assert_true(d.op < RV_OP_COUNT);
        if (d.op == RV_OP_ILLEGAL)
            assert_true(d.rd == 0 && d.rs1 == 0 && d.rs2 == 0 && d.imm == 0 &&
                        d.csr == 0);
    }
}

/* Every GNU-assembled vector: legality and mnemonic agree with objdump. */
static void test_vectors(void **state)
{
    (void)state;
    static const char *const sfx[4] = { "", ".rl", ".aq", ".aqrl" };
    unsigned bad = 0;
    for (size_t i = 0; i < sizeof(rv_vectors) / sizeof(rv_vectors[0]); i++) {
        const struct rv_vector *v = &rv_vectors[i];
        struct rv_insn d;
        char want[32], got[32];

        rv_decode(v->raw, &d);
        assert_int_equal(d.len, v->len);
        sscanf(v->text, "%31s", want);
        if (strcmp(want, "illegal") == 0)
            snprintf(got, sizeof(got), "%s", d.op == RV_OP_ILLEGAL ? "illegal" : rv_op_name(d.op));
        else if (d.cname)
            snprintf(got, sizeof(got), "%s", d.cname);
        else
            snprintf(got, sizeof(got), "%s%s", rv_op_name(d.op),
                     d.op >= RV_OP_LR_W && d.op <= RV_OP_AMOMAXU_D
                         ? sfx[d.aq << 1 | d.rl] : "");
        if (strcmp(want, got) != 0 && bad++ < 30)
            print_error("0x%08x: objdump says \"%s\", decoded %s\n", v->raw,
                        v->text, got);
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rv64i),
        cmocka_unit_test(test_m),
        cmocka_unit_test(test_a),
        cmocka_unit_test(test_csr),
        cmocka_unit_test(test_fence),
        cmocka_unit_test(test_privileged),
        cmocka_unit_test(test_illegal32),
        cmocka_unit_test(test_fd_fields),
        cmocka_unit_test(test_rvc_expand),
        cmocka_unit_test(test_rvc_reserved),
        cmocka_unit_test(test_rvc_hints),
        cmocka_unit_test(test_all_parcels),
        cmocka_unit_test(test_random32),
        cmocka_unit_test(test_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
