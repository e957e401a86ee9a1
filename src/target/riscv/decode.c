/*
 * decode.c — RISC-V instruction decoder: RV64I, M, A, Zicsr, Zifencei, the
 * privileged instructions, and every RV64 C-extension form expanded to the
 * base operation it stands for.
 *
 * Contract (see decode.h): rv_decode() is a pure function of the raw bits; it
 * always fills the whole struct, and any encoding Loom does not implement —
 * reserved, wrong funct fields, Q/Zfh/V, custom opcodes, 48-bit and longer —
 * comes back as RV_OP_ILLEGAL with len set.  Compressed HINTs are legal and
 * decode to their expansion (they execute as that base op, which is either a
 * no-op or harmless); reserved compressed code points are illegal.  The
 * HINT-vs-reserved choices are written down in docs/riscv-decode.md.
 *
 * One file for both spaces: it is a decode table in code form, hence its
 * length.
 *
 * Field conventions: imm is sign-extended; shifts carry the shamt; CSR*I
 * carry zimm in imm (rs1 = 0); LUI/AUIPC carry the sign-extended imm20 << 12;
 * branches and jumps carry the byte offset.  Fields an op does not use are 0.
 * F/D: rd/rs1/rs2 name f or x registers as the op says; FP loads/stores
 * carry the offset in imm; every other FP op carries rm | rs3 << 3 in imm
 * (rm = inst[14:12], 0 where the op has no rm; rs3 for the fused ops).
 * Static rm 5 and 6 are reserved: illegal.  fcvt.d.s/fcvt.d.w/fcvt.d.wu
 * accept any other rm (like QEMU; binutils only rm=0: docs/riscv-decode.md).
 */
#include "target/riscv/decode.h"

#include <stdbool.h>
#include <string.h>

#include "util/compiler.h"

/* Major opcodes (inst[6:0]) of the 32-bit space Loom implements. */
enum {
    OPC_LOAD = 0x03, OPC_MISC_MEM = 0x0f, OPC_OP_IMM = 0x13, OPC_AUIPC = 0x17,
    OPC_OP_IMM_32 = 0x1b, OPC_STORE = 0x23, OPC_AMO = 0x2f, OPC_OP = 0x33,
    OPC_LUI = 0x37, OPC_OP_32 = 0x3b, OPC_BRANCH = 0x63, OPC_JALR = 0x67,
    OPC_JAL = 0x6f, OPC_SYSTEM = 0x73,
    OPC_LOAD_FP = 0x07, OPC_STORE_FP = 0x27, OPC_MADD = 0x43, OPC_MSUB = 0x47,
    OPC_NMSUB = 0x4b, OPC_NMADD = 0x4f, OPC_OP_FP = 0x53,
};

/* ---- 32-bit immediates ---- */

static int64_t imm_i(uint32_t w) { return sextract32(w, 20, 12); }

static int64_t imm_s(uint32_t w)
{
    return (int64_t)(sextract32(w, 25, 7) * 32) | extract32(w, 7, 5);
}

static int64_t imm_b(uint32_t w)
{
    return (int64_t)sextract32(w, 31, 1) * 4096 | extract32(w, 7, 1) << 11 |
           extract32(w, 25, 6) << 5 | extract32(w, 8, 4) << 1;
}

static int64_t imm_u(uint32_t w) { return (int32_t)(w & 0xfffff000u); }

static int64_t imm_j(uint32_t w)
{
    return (int64_t)sextract32(w, 31, 1) * (1 << 20) | extract32(w, 12, 8) << 12 |
           extract32(w, 20, 1) << 11 | extract32(w, 21, 10) << 1;
}

/* Fill the register fields of an R-type shape. */
static void set_r(struct rv_insn *d, uint32_t w, uint16_t op)
{
    d->op = op;
    d->rd = extract32(w, 7, 5);
    d->rs1 = extract32(w, 15, 5);
    d->rs2 = extract32(w, 20, 5);
}

static void set_i(struct rv_insn *d, uint32_t w, uint16_t op)
{
    d->op = op;
    d->rd = extract32(w, 7, 5);
    d->rs1 = extract32(w, 15, 5);
    d->imm = imm_i(w);
}

static const uint16_t load_ops[8] = {
    RV_OP_LB, RV_OP_LH, RV_OP_LW, RV_OP_LD, RV_OP_LBU, RV_OP_LHU, RV_OP_LWU,
    RV_OP_ILLEGAL,
};
static const uint16_t store_ops[8] = {
    RV_OP_SB, RV_OP_SH, RV_OP_SW, RV_OP_SD,
};
static const uint16_t branch_ops[8] = {
    RV_OP_BEQ, RV_OP_BNE, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
    RV_OP_BLT, RV_OP_BGE, RV_OP_BLTU, RV_OP_BGEU,
};
/* OP-IMM by funct3; the shifts (1, 5) are checked separately. */
static const uint16_t opimm_ops[8] = {
    RV_OP_ADDI, RV_OP_SLLI, RV_OP_SLTI, RV_OP_SLTIU,
    RV_OP_XORI, RV_OP_SRLI, RV_OP_ORI, RV_OP_ANDI,
};
/* OP by funct3, for funct7 = 0, 0x20 and 0x01 (M). */
static const uint16_t op_ops[3][8] = {
    { RV_OP_ADD, RV_OP_SLL, RV_OP_SLT, RV_OP_SLTU,
      RV_OP_XOR, RV_OP_SRL, RV_OP_OR, RV_OP_AND },
    { RV_OP_SUB, 0, 0, 0, 0, RV_OP_SRA, 0, 0 },
    { RV_OP_MUL, RV_OP_MULH, RV_OP_MULHSU, RV_OP_MULHU,
      RV_OP_DIV, RV_OP_DIVU, RV_OP_REM, RV_OP_REMU },
};
static const uint16_t op32_ops[3][8] = {
    { RV_OP_ADDW, RV_OP_SLLW, 0, 0, 0, RV_OP_SRLW, 0, 0 },
    { RV_OP_SUBW, 0, 0, 0, 0, RV_OP_SRAW, 0, 0 },
    { RV_OP_MULW, 0, 0, 0, RV_OP_DIVW, RV_OP_DIVUW, RV_OP_REMW, RV_OP_REMUW },
};
/* AMO by funct5 (inst[31:27]); .d ops follow .w ops in the same order. */
static const uint16_t amo_w_ops[32] = {
    [0x00] = RV_OP_AMOADD_W, [0x01] = RV_OP_AMOSWAP_W, [0x02] = RV_OP_LR_W,
    [0x03] = RV_OP_SC_W,     [0x04] = RV_OP_AMOXOR_W,  [0x0c] = RV_OP_AMOAND_W,
    [0x08] = RV_OP_AMOOR_W,  [0x10] = RV_OP_AMOMIN_W,  [0x14] = RV_OP_AMOMAX_W,
    [0x18] = RV_OP_AMOMINU_W, [0x1c] = RV_OP_AMOMAXU_W,
};

static int funct7_row(uint32_t f7)
{
    return f7 == 0 ? 0 : f7 == 0x20 ? 1 : f7 == 0x01 ? 2 : -1;
}

static void decode_op(struct rv_insn *d, uint32_t w, const uint16_t tab[3][8])
{
    int row = funct7_row(extract32(w, 25, 7));
    if (row >= 0 && tab[row][extract32(w, 12, 3)] != RV_OP_ILLEGAL)
        set_r(d, w, tab[row][extract32(w, 12, 3)]);
}

static void decode_opimm(struct rv_insn *d, uint32_t w)
{
    unsigned f3 = extract32(w, 12, 3);
    unsigned hi6 = extract32(w, 26, 6);  /* imm[11:6]; shamt is imm[5:0] */

    if (f3 == 1 || f3 == 5) {
        uint16_t op = f3 == 1 ? (hi6 == 0 ? RV_OP_SLLI : 0)
                    : hi6 == 0 ? RV_OP_SRLI : hi6 == 0x10 ? RV_OP_SRAI : 0;
        if (op != RV_OP_ILLEGAL) {
            set_i(d, w, op);
            d->imm = extract32(w, 20, 6);
        }
        return;
    }
    set_i(d, w, opimm_ops[f3]);
}

static void decode_opimm32(struct rv_insn *d, uint32_t w)
{
    unsigned f3 = extract32(w, 12, 3), f7 = extract32(w, 25, 7);
    uint16_t op = RV_OP_ILLEGAL;

    if (f3 == 0) {
        set_i(d, w, RV_OP_ADDIW);
        return;
    }
    /* W shifts: shamt is 5 bits; imm[5] (bit 25) set is reserved. */
    if (f3 == 1 && f7 == 0)
        op = RV_OP_SLLIW;
    else if (f3 == 5 && f7 == 0)
        op = RV_OP_SRLIW;
    else if (f3 == 5 && f7 == 0x20)
        op = RV_OP_SRAIW;
    if (op != RV_OP_ILLEGAL) {
        set_i(d, w, op);
        d->imm = extract32(w, 20, 5);
    }
}

static void decode_amo(struct rv_insn *d, uint32_t w)
{
    unsigned f3 = extract32(w, 12, 3), f5 = extract32(w, 27, 5);
    uint16_t op = amo_w_ops[f5];

    if ((f3 != 2 && f3 != 3) || op == RV_OP_ILLEGAL)
        return;
    if (f5 == 0x02 && extract32(w, 20, 5) != 0)  /* lr: rs2 must be 0 */
        return;
    if (f3 == 3)
        op += RV_OP_LR_D - RV_OP_LR_W;
    set_r(d, w, op);
    d->aq = extract32(w, 26, 1);
    d->rl = extract32(w, 25, 1);
}

/* FENCE / FENCE.TSO / PAUSE / FENCE.I.  The spec tells base implementations
 * to ignore rs1/rd of FENCE and FENCE.I and to treat reserved fm or pred/succ
 * combinations as an ordinary fence, so none of those is illegal. */
static void decode_misc_mem(struct rv_insn *d, uint32_t w)
{
    unsigned f3 = extract32(w, 12, 3), fm = extract32(w, 28, 4);

    if (f3 == 1) {
        d->op = RV_OP_FENCE_I;
        return;
    }
    if (f3 != 0)
        return;
    d->pred = extract32(w, 24, 4);
    d->succ = extract32(w, 20, 4);
    if (w == 0x0100000f)                       /* fence w,0 with rd=rs1=0 */
        d->op = RV_OP_PAUSE;
    else if (fm == 8 && d->pred == 3 && d->succ == 3)
        d->op = RV_OP_FENCE_TSO;
    else
        d->op = RV_OP_FENCE;
}

static void decode_system(struct rv_insn *d, uint32_t w)
{
    unsigned f3 = extract32(w, 12, 3);

    if (f3 == 0) {
        switch (w) {
        case 0x00000073: d->op = RV_OP_ECALL; return;
        case 0x00100073: d->op = RV_OP_EBREAK; return;
        case 0x10200073: d->op = RV_OP_SRET; return;
        case 0x30200073: d->op = RV_OP_MRET; return;
        case 0x10500073: d->op = RV_OP_WFI; return;
        }
        if (extract32(w, 25, 7) == 0x09 && extract32(w, 7, 5) == 0) {
            set_r(d, w, RV_OP_SFENCE_VMA);
        }
        return;
    }
    if (f3 == 4)
        return;
    set_i(d, w, RV_OP_CSRRW + (f3 & 3) - 1 + (f3 & 4 ? 3 : 0));
    d->imm = 0;
    d->csr = extract32(w, 20, 12);
    if (f3 & 4) {
        d->imm = d->rs1;
        d->rs1 = 0;
    }
}

/* ---- F and D ---- */

/* D op from S op: the two blocks of rv_ops.def share their order. */
#define FP_D(op_s, dbl) ((uint16_t)((op_s) + ((dbl) ? RV_OP_FLD - RV_OP_FLW : 0)))

static bool rm_ok(unsigned rm) { return rm != 5 && rm != 6; }

/* R-type FP op: rd, rs1, rs2 and imm = rm (when the op has one). */
static void set_fp(struct rv_insn *d, uint32_t w, uint16_t op, bool has_rm)
{
    set_r(d, w, op);
    d->imm = has_rm ? extract32(w, 12, 3) : 0;
}

static void decode_fmadd(struct rv_insn *d, uint32_t w)
{
    static const uint16_t ops[4] = { RV_OP_FMADD_S, RV_OP_FMSUB_S,
                                     RV_OP_FNMSUB_S, RV_OP_FNMADD_S };
    unsigned fmt = extract32(w, 25, 2), rm = extract32(w, 12, 3);

    if (fmt > 1 || !rm_ok(rm))   /* fmt 2 (H), 3 (Q): not implemented */
        return;
    set_fp(d, w, FP_D(ops[extract32(w, 2, 2)], fmt), true);
    d->imm |= extract32(w, 27, 5) << 3;
}

static void decode_op_fp(struct rv_insn *d, uint32_t w)
{
    unsigned f7 = extract32(w, 25, 7), f3 = extract32(w, 12, 3);
    unsigned fmt = f7 & 3, f5 = f7 >> 2, rs2 = extract32(w, 20, 5);
    uint16_t op = RV_OP_ILLEGAL;
    bool has_rm = false;

    if (fmt > 1)
        return;
    switch (f5) {
    case 0x00: case 0x01: case 0x02: case 0x03: {
        static const uint16_t arith[4] = { RV_OP_FADD_S, RV_OP_FSUB_S,
                                           RV_OP_FMUL_S, RV_OP_FDIV_S };
        op = arith[f5];
        has_rm = true;
        break;
    }
    case 0x0b:
        op = rs2 == 0 ? RV_OP_FSQRT_S : 0;
        has_rm = true;
        break;
    case 0x04:
        op = f3 == 0 ? RV_OP_FSGNJ_S : f3 == 1 ? RV_OP_FSGNJN_S
           : f3 == 2 ? RV_OP_FSGNJX_S : 0;
        break;
    case 0x05:
        op = f3 == 0 ? RV_OP_FMIN_S : f3 == 1 ? RV_OP_FMAX_S : 0;
        break;
    case 0x14:
        op = f3 == 2 ? RV_OP_FEQ_S : f3 == 1 ? RV_OP_FLT_S
           : f3 == 0 ? RV_OP_FLE_S : 0;
        break;
    case 0x1c:
        if (rs2 == 0)
            op = f3 == 0 ? RV_OP_FMV_X_W : f3 == 1 ? RV_OP_FCLASS_S : 0;
        break;
    case 0x1e:
        op = rs2 == 0 && f3 == 0 ? RV_OP_FMV_W_X : 0;
        break;
    case 0x18:
        op = rs2 < 4 ? RV_OP_FCVT_W_S + rs2 : 0;
        has_rm = true;
        break;
    case 0x1a:
        op = rs2 < 4 ? RV_OP_FCVT_S_W + rs2 : 0;
        has_rm = true;
        break;
    case 0x08:   /* fcvt.s.d: fmt S, rs2 = 1 (D); fcvt.d.s: fmt D, rs2 = 0 */
        op = rs2 == (fmt ^ 1) ? RV_OP_FCVT_S_D : 0;
        has_rm = true;
        break;
    }
    if (op == RV_OP_ILLEGAL || (has_rm && !rm_ok(f3)))
        return;
    set_fp(d, w, FP_D(op, fmt), has_rm);
    if (f5 == 0x0b || f5 >= 0x18 || f5 == 0x08)
        d->rs2 = 0;      /* the field selects the op, not a register */
}

static void decode32(struct rv_insn *d, uint32_t w)
{
    unsigned f3 = extract32(w, 12, 3);

    switch (w & 0x7f) {
    case OPC_LUI:
    case OPC_AUIPC:
        d->op = (w & 0x7f) == OPC_LUI ? RV_OP_LUI : RV_OP_AUIPC;
        d->rd = extract32(w, 7, 5);
        d->imm = imm_u(w);
        break;
    case OPC_JAL:
        d->op = RV_OP_JAL;
        d->rd = extract32(w, 7, 5);
        d->imm = imm_j(w);
        break;
    case OPC_JALR:
        if (f3 == 0)
            set_i(d, w, RV_OP_JALR);
        break;
    case OPC_BRANCH:
        if (branch_ops[f3] != RV_OP_ILLEGAL) {
            set_r(d, w, branch_ops[f3]);
            d->rd = 0;
            d->imm = imm_b(w);
        }
        break;
    case OPC_LOAD:
        if (load_ops[f3] != RV_OP_ILLEGAL)
            set_i(d, w, load_ops[f3]);
        break;
    case OPC_STORE:
        if (f3 < 4) {
            set_r(d, w, store_ops[f3]);
            d->rd = 0;
            d->imm = imm_s(w);
        }
        break;
    case OPC_OP_IMM:    decode_opimm(d, w); break;
    case OPC_OP_IMM_32: decode_opimm32(d, w); break;
    case OPC_OP:        decode_op(d, w, op_ops); break;
    case OPC_OP_32:     decode_op(d, w, op32_ops); break;
    case OPC_AMO:       decode_amo(d, w); break;
    case OPC_MISC_MEM:  decode_misc_mem(d, w); break;
    case OPC_SYSTEM:    decode_system(d, w); break;
    case OPC_LOAD_FP:
        if (f3 == 2 || f3 == 3)
            set_i(d, w, f3 == 2 ? RV_OP_FLW : RV_OP_FLD);
        break;
    case OPC_STORE_FP:
        if (f3 == 2 || f3 == 3) {
            set_r(d, w, f3 == 2 ? RV_OP_FSW : RV_OP_FSD);
            d->rd = 0;
            d->imm = imm_s(w);
        }
        break;
    case OPC_MADD: case OPC_MSUB: case OPC_NMSUB: case OPC_NMADD:
        decode_fmadd(d, w);
        break;
    case OPC_OP_FP:     decode_op_fp(d, w); break;
    default:            break;  /* V, custom, 48-bit+ */
    }
}

/* ---- RVC (RV64): each form expands to one base instruction ---- */

/* rd'/rs1'/rs2' (3-bit fields) name x8..x15. */
static unsigned creg(uint32_t h, unsigned pos) { return 8 + extract32(h, pos, 3); }

/* The 6-bit signed immediate imm[5] = h[12], imm[4:0] = h[6:2]. */
static int64_t cimm6(uint32_t h)
{
    return (int64_t)sextract32(h, 12, 1) * 32 | extract32(h, 2, 5);
}

static unsigned cshamt(uint32_t h) { return extract32(h, 12, 1) << 5 | extract32(h, 2, 5); }

/* c.j offset: [11|4|9:8|10|6|7|3:1|5] in h[12:2]. */
static int64_t cj_off(uint32_t h)
{
    return (int64_t)sextract32(h, 12, 1) * 2048 | extract32(h, 11, 1) << 4 |
           extract32(h, 9, 2) << 8 | extract32(h, 8, 1) << 10 |
           extract32(h, 7, 1) << 6 | extract32(h, 6, 1) << 7 |
           extract32(h, 3, 3) << 1 | extract32(h, 2, 1) << 5;
}

/* c.beqz/c.bnez offset: [8|4:3] in h[12:10], [7:6|2:1|5] in h[6:2]. */
static int64_t cb_off(uint32_t h)
{
    return (int64_t)sextract32(h, 12, 1) * 256 | extract32(h, 10, 2) << 3 |
           extract32(h, 5, 2) << 6 | extract32(h, 3, 2) << 1 |
           extract32(h, 2, 1) << 5;
}

/* Expanded instruction in d; cname names the compressed form. */
static void cset(struct rv_insn *d, uint16_t op, const char *cname,
                 unsigned rd, unsigned rs1, unsigned rs2, int64_t imm)
{
    d->op = op;
    d->cname = cname;
    d->rd = rd;
    d->rs1 = rs1;
    d->rs2 = rs2;
    d->imm = imm;
}

/* Quadrant 0: stack-pointer based addi and the rs1'-relative loads/stores.
 * Funct3 001/101 are c.fld/c.fsd, 100 is reserved, 011/111 are c.ld/c.sd
 * on RV64. */
static void decode_q0(struct rv_insn *d, uint32_t h)
{
    unsigned rd = creg(h, 2), rs1 = creg(h, 7);
    unsigned offw = extract32(h, 10, 3) << 3 | extract32(h, 6, 1) << 2 |
                    extract32(h, 5, 1) << 6;
    unsigned offd = extract32(h, 10, 3) << 3 | extract32(h, 5, 2) << 6;

    switch (extract32(h, 13, 3)) {
    case 0: {
        unsigned nzuimm = extract32(h, 11, 2) << 4 | extract32(h, 7, 4) << 6 |
                          extract32(h, 6, 1) << 2 | extract32(h, 5, 1) << 3;
        if (nzuimm != 0)  /* nzuimm = 0 (incl. the all-zero parcel) is reserved */
            cset(d, RV_OP_ADDI, "c.addi4spn", rd, 2, 0, nzuimm);
        break;
    }
    case 1: cset(d, RV_OP_FLD, "c.fld", rd, rs1, 0, offd); break;
    case 2: cset(d, RV_OP_LW, "c.lw", rd, rs1, 0, offw); break;
    case 3: cset(d, RV_OP_LD, "c.ld", rd, rs1, 0, offd); break;
    case 5: cset(d, RV_OP_FSD, "c.fsd", 0, rs1, rd, offd); break;
    case 6: cset(d, RV_OP_SW, "c.sw", 0, rs1, rd, offw); break;
    case 7: cset(d, RV_OP_SD, "c.sd", 0, rs1, rd, offd); break;
    default: break;
    }
}

/* Quadrant 1 funct3 100: shifts, andi, and the register-register ALU ops. */
static void decode_q1_alu(struct rv_insn *d, uint32_t h)
{
    unsigned r = creg(h, 7), rs2 = creg(h, 2);
    static const uint16_t alu[2][4] = {
        { RV_OP_SUB, RV_OP_XOR, RV_OP_OR, RV_OP_AND },
        { RV_OP_SUBW, RV_OP_ADDW, RV_OP_ILLEGAL, RV_OP_ILLEGAL },
    };
    static const char *const alu_names[2][4] = {
        { "c.sub", "c.xor", "c.or", "c.and" }, { "c.subw", "c.addw", NULL, NULL },
    };
    unsigned w = extract32(h, 12, 1), f2 = extract32(h, 5, 2);

    switch (extract32(h, 10, 2)) {
    case 0: cset(d, RV_OP_SRLI, "c.srli", r, r, 0, cshamt(h)); break;  /* shamt 0: HINT */
    case 1: cset(d, RV_OP_SRAI, "c.srai", r, r, 0, cshamt(h)); break;
    case 2: cset(d, RV_OP_ANDI, "c.andi", r, r, 0, cimm6(h)); break;
    case 3:
        if (alu[w][f2] != RV_OP_ILLEGAL)
            cset(d, alu[w][f2], alu_names[w][f2], r, r, rs2, 0);
        break;
    }
}

static void decode_q1(struct rv_insn *d, uint32_t h)
{
    unsigned rd = extract32(h, 7, 5);

    switch (extract32(h, 13, 3)) {
    case 0:  /* rd=0 is c.nop (nonzero imm: HINT); imm=0 with rd!=0: HINT */
        cset(d, RV_OP_ADDI, rd == 0 ? "c.nop" : "c.addi", rd, rd, 0, cimm6(h));
        break;
    case 1:  /* RV64: c.addiw (c.jal is RV32-only); rd=0 reserved */
        if (rd != 0)
            cset(d, RV_OP_ADDIW, "c.addiw", rd, rd, 0, cimm6(h));
        break;
    case 2:  /* rd=0: HINT */
        cset(d, RV_OP_ADDI, "c.li", rd, 0, 0, cimm6(h));
        break;
    case 3:
        if (rd == 2) {
            int64_t nzimm = (int64_t)sextract32(h, 12, 1) * 512 |
                            extract32(h, 6, 1) << 4 | extract32(h, 5, 1) << 6 |
                            extract32(h, 3, 2) << 7 | extract32(h, 2, 1) << 5;
            if (nzimm != 0)
                cset(d, RV_OP_ADDI, "c.addi16sp", 2, 2, 0, nzimm);
        } else if (cimm6(h) != 0) {  /* nzimm=0 reserved; rd=0 is a HINT */
            cset(d, RV_OP_LUI, "c.lui", rd, 0, 0, cimm6(h) * 4096);
        }
        break;
    case 4: decode_q1_alu(d, h); break;
    case 5: cset(d, RV_OP_JAL, "c.j", 0, 0, 0, cj_off(h)); break;
    case 6: cset(d, RV_OP_BEQ, "c.beqz", 0, creg(h, 7), 0, cb_off(h)); break;
    case 7: cset(d, RV_OP_BNE, "c.bnez", 0, creg(h, 7), 0, cb_off(h)); break;
    }
}

static void decode_q2(struct rv_insn *d, uint32_t h)
{
    unsigned rd = extract32(h, 7, 5), rs2 = extract32(h, 2, 5);
    unsigned lw_off = extract32(h, 12, 1) << 5 | extract32(h, 4, 3) << 2 |
                      extract32(h, 2, 2) << 6;
    unsigned ld_off = extract32(h, 12, 1) << 5 | extract32(h, 5, 2) << 3 |
                      extract32(h, 2, 3) << 6;

    switch (extract32(h, 13, 3)) {
    case 0:  /* rd=0 or shamt=0: HINT */
        cset(d, RV_OP_SLLI, "c.slli", rd, rd, 0, cshamt(h));
        break;
    case 1:  /* f0 is a register like any other: rd=0 is legal */
        cset(d, RV_OP_FLD, "c.fldsp", rd, 2, 0, ld_off);
        break;
    case 2:
        if (rd != 0)
            cset(d, RV_OP_LW, "c.lwsp", rd, 2, 0, lw_off);
        break;
    case 3:
        if (rd != 0)
            cset(d, RV_OP_LD, "c.ldsp", rd, 2, 0, ld_off);
        break;
    case 4:
        if (!extract32(h, 12, 1)) {
            if (rs2 == 0) {
                if (rd != 0)
                    cset(d, RV_OP_JALR, "c.jr", 0, rd, 0, 0);
            } else {  /* rd=0: HINT */
                cset(d, RV_OP_ADD, "c.mv", rd, 0, rs2, 0);
            }
        } else if (rs2 == 0) {
            if (rd == 0)
                cset(d, RV_OP_EBREAK, "c.ebreak", 0, 0, 0, 0);
            else
                cset(d, RV_OP_JALR, "c.jalr", 1, rd, 0, 0);
        } else {  /* rd=0: HINT */
            cset(d, RV_OP_ADD, "c.add", rd, rd, rs2, 0);
        }
        break;
    case 6:
        cset(d, RV_OP_SW, "c.swsp", 0, 2, rs2,
             extract32(h, 9, 4) << 2 | extract32(h, 7, 2) << 6);
        break;
    case 7:
        cset(d, RV_OP_SD, "c.sdsp", 0, 2, rs2,
             extract32(h, 10, 3) << 3 | extract32(h, 7, 3) << 6);
        break;
    case 5:
        cset(d, RV_OP_FSD, "c.fsdsp", 0, 2, rs2,
             extract32(h, 10, 3) << 3 | extract32(h, 7, 3) << 6);
        break;
    }
}

void rv_decode(uint32_t raw, struct rv_insn *out)
{
    memset(out, 0, sizeof(*out));
    out->op = RV_OP_ILLEGAL;
    out->len = rv_insn_len((uint16_t)raw);
    if (out->len == 2) {
        uint32_t h = raw & 0xffff;
        out->raw = h;
        switch (h & 3) {
        case 0: decode_q0(out, h); break;
        case 1: decode_q1(out, h); break;
        case 2: decode_q2(out, h); break;
        }
        if (out->op == RV_OP_ILLEGAL)
            out->cname = NULL;
        return;
    }
    out->raw = raw;
    /* inst[4:2] = 111 marks 48-bit and longer encodings: not supported. */
    if ((raw & 0x1c) != 0x1c)
        decode32(out, raw);
    if (out->op == RV_OP_ILLEGAL) {
        /* Keep ILLEGAL clean: no half-filled fields from a failed match. */
        memset(out, 0, sizeof(*out));
        out->raw = raw;
        out->len = 4;
    }
}
