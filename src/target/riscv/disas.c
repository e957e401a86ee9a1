/*
 * disas.c — RISC-V disassembler for logs and tests: GNU objdump
 * (-M no-aliases) style text from a decoded struct rv_insn.
 *
 * Contract: pure functions, thread-safe, snprintf semantics (the return
 * value is the length the full text needs; buf is always terminated when
 * n > 0).  Output differs from objdump on purpose in a few places, each
 * listed in docs/riscv-decode.md: one space (not a tab) after the mnemonic,
 * branch/jump targets as "0x<hex>" with no symbol, "illegal 0x<raw>" for
 * every illegal encoding, c.nop spelled out, and shamt=0 compressed shifts
 * printed as c.slli/c.srli/c.srai with 0x0 rather than the RV128 names.
 * Compressed instructions print their compressed form and operands.
 */
#include "target/riscv/decode.h"

#include <stdio.h>
#include <string.h>

#include "util/compiler.h"

static const char *const op_names[RV_OP_COUNT] = {
#define X(e, m) [RV_OP_##e] = m,
#include "target/riscv/rv_ops.def"
#undef X
};

static const char *const reg_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *const freg_names[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7",
    "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
    "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

static const struct { uint16_t num; const char *name; } csr_names[] = {
    { 0x001, "fflags" }, { 0x002, "frm" }, { 0x003, "fcsr" },
    { 0x100, "sstatus" }, { 0x104, "sie" }, { 0x105, "stvec" },
    { 0x106, "scounteren" }, { 0x140, "sscratch" }, { 0x141, "sepc" },
    { 0x142, "scause" }, { 0x143, "stval" }, { 0x144, "sip" },
    { 0x180, "satp" },
    { 0x300, "mstatus" }, { 0x301, "misa" }, { 0x302, "medeleg" },
    { 0x303, "mideleg" }, { 0x304, "mie" }, { 0x305, "mtvec" },
    { 0x306, "mcounteren" }, { 0x340, "mscratch" }, { 0x341, "mepc" },
    { 0x342, "mcause" }, { 0x343, "mtval" }, { 0x344, "mip" },
    { 0xb00, "mcycle" }, { 0xb02, "minstret" },
    { 0xc00, "cycle" }, { 0xc01, "time" }, { 0xc02, "instret" },
    { 0xf11, "mvendorid" }, { 0xf12, "marchid" }, { 0xf13, "mimpid" },
    { 0xf14, "mhartid" },
};

const char *rv_op_name(enum rv_op op)
{
    return (unsigned)op < RV_OP_COUNT ? op_names[op] : "?";
}

static const char *csr_name(uint16_t csr, char tmp[8])
{
    for (size_t i = 0; i < ARRAY_SIZE(csr_names); i++)
        if (csr_names[i].num == csr)
            return csr_names[i].name;
    snprintf(tmp, 8, "0x%x", csr);
    return tmp;
}

/* FENCE pred/succ set as objdump spells it: "iorw" letters, "0" if empty. */
static const char *iorw(unsigned set, char tmp[5])
{
    char *p = tmp;
    for (unsigned i = 0; i < 4; i++)
        if (set & (8u >> i))
            *p++ = "iorw"[i];
    if (p == tmp)
        *p++ = '0';
    *p = '\0';
    return tmp;
}

/* Operand shapes of the compressed forms, keyed by cname. */
enum cfmt {
    CF_NONE,      /* c.ebreak */
    CF_RD_IMM,    /* c.addi a0,1 */
    CF_RD_HEX,    /* c.slli a0,0x3 */
    CF_RD_LUI,    /* c.lui a0,0x1 */
    CF_RD_RS2,    /* c.mv a0,a1 */
    CF_RS1,       /* c.jr ra */
    CF_LOAD,      /* c.ld a0,8(a1) */
    CF_STORE,     /* c.sd a0,8(a1) */
    CF_SP4N,      /* c.addi4spn s0,sp,16 */
    CF_SP16,      /* c.addi16sp sp,-64 */
    CF_JUMP,      /* c.j 0x10 */
    CF_BRANCH,    /* c.beqz a0,0x10 */
    CF_NOP,       /* c.nop, or c.nop 5 (HINT) */
    CF_FLOAD,     /* c.fld fa0,8(a1) */
    CF_FSTORE,    /* c.fsd fa0,8(a1) */
};

static const struct { const char *name; enum cfmt fmt; } cforms[] = {
    { "c.addi4spn", CF_SP4N }, { "c.lw", CF_LOAD }, { "c.ld", CF_LOAD },
    { "c.sw", CF_STORE }, { "c.sd", CF_STORE }, { "c.nop", CF_NOP },
    { "c.addi", CF_RD_IMM }, { "c.addiw", CF_RD_IMM }, { "c.li", CF_RD_IMM },
    { "c.addi16sp", CF_SP16 }, { "c.lui", CF_RD_LUI }, { "c.srli", CF_RD_HEX },
    { "c.srai", CF_RD_HEX }, { "c.andi", CF_RD_IMM }, { "c.sub", CF_RD_RS2 },
    { "c.xor", CF_RD_RS2 }, { "c.or", CF_RD_RS2 }, { "c.and", CF_RD_RS2 },
    { "c.subw", CF_RD_RS2 }, { "c.addw", CF_RD_RS2 }, { "c.j", CF_JUMP },
    { "c.beqz", CF_BRANCH }, { "c.bnez", CF_BRANCH }, { "c.slli", CF_RD_HEX },
    { "c.lwsp", CF_LOAD }, { "c.ldsp", CF_LOAD }, { "c.jr", CF_RS1 },
    { "c.mv", CF_RD_RS2 }, { "c.ebreak", CF_NONE }, { "c.jalr", CF_RS1 },
    { "c.add", CF_RD_RS2 }, { "c.swsp", CF_STORE }, { "c.sdsp", CF_STORE },
    { "c.fld", CF_FLOAD }, { "c.fsd", CF_FSTORE }, { "c.fldsp", CF_FLOAD },
    { "c.fsdsp", CF_FSTORE },
};

static int disas_compressed(const struct rv_insn *d, uint64_t pc,
                            char *buf, size_t n)
{
    const char *m = d->cname;
    const char *rd = reg_names[d->rd], *rs1 = reg_names[d->rs1];
    const char *rs2 = reg_names[d->rs2];
    long long imm = d->imm;
    enum cfmt fmt = CF_NONE;

    for (size_t i = 0; i < ARRAY_SIZE(cforms); i++)
        if (strcmp(cforms[i].name, m) == 0)
            fmt = cforms[i].fmt;

    switch (fmt) {
    case CF_NONE:    return snprintf(buf, n, "%s", m);
    case CF_RD_IMM:  return snprintf(buf, n, "%s %s,%lld", m, rd, imm);
    case CF_RD_HEX:  return snprintf(buf, n, "%s %s,0x%llx", m, rd, imm);
    case CF_RD_LUI:
        return snprintf(buf, n, "%s %s,0x%llx", m, rd,
                        (unsigned long long)(imm >> 12) & 0xfffff);
    case CF_RD_RS2:  return snprintf(buf, n, "%s %s,%s", m, rd, rs2);
    case CF_RS1:     return snprintf(buf, n, "%s %s", m, rs1);
    case CF_LOAD:    return snprintf(buf, n, "%s %s,%lld(%s)", m, rd, imm, rs1);
    case CF_STORE:   return snprintf(buf, n, "%s %s,%lld(%s)", m, rs2, imm, rs1);
    case CF_SP4N:    return snprintf(buf, n, "%s %s,sp,%lld", m, rd, imm);
    case CF_SP16:    return snprintf(buf, n, "%s sp,%lld", m, imm);
    case CF_JUMP:
        return snprintf(buf, n, "%s 0x%llx", m, (unsigned long long)(pc + imm));
    case CF_BRANCH:
        return snprintf(buf, n, "%s %s,0x%llx", m, rs1,
                        (unsigned long long)(pc + imm));
    case CF_NOP:
        return imm ? snprintf(buf, n, "%s %lld", m, imm) : snprintf(buf, n, "%s", m);
    case CF_FLOAD:
        return snprintf(buf, n, "%s %s,%lld(%s)", m, freg_names[d->rd], imm, rs1);
    case CF_FSTORE:
        return snprintf(buf, n, "%s %s,%lld(%s)", m, freg_names[d->rs2], imm, rs1);
    }
    return snprintf(buf, n, "%s", m);
}

/* F/D (imm = rm | rs3 << 3, decode.c).  The rounding mode is printed
 * unless it is dyn, as objdump does; the exact conversions (fcvt.d.s,
 * fcvt.d.w, fcvt.d.wu) never print it. */
static int disas_fp(const struct rv_insn *d, const char *m, char *buf, size_t n)
{
    static const char *const rms[8] = { ",rne", ",rtz", ",rdn", ",rup",
                                        ",rmm", ",?", ",?", "" };
    unsigned op = d->op, s = op >= RV_OP_FLD ? op - (RV_OP_FLD - RV_OP_FLW) : op;
    const char *frd = freg_names[d->rd & 31], *frs1 = freg_names[d->rs1 & 31];
    const char *frs2 = freg_names[d->rs2 & 31];
    const char *xrd = reg_names[d->rd & 31], *xrs1 = reg_names[d->rs1 & 31];
    const char *rm = rms[d->imm & 7];

    if (op == RV_OP_FCVT_D_S || op == RV_OP_FCVT_D_W || op == RV_OP_FCVT_D_WU)
        rm = "";
    switch (s) {
    case RV_OP_FLW:
        return snprintf(buf, n, "%s %s,%lld(%s)", m, frd, (long long)d->imm, xrs1);
    case RV_OP_FSW:
        return snprintf(buf, n, "%s %s,%lld(%s)", m, frs2, (long long)d->imm, xrs1);
    case RV_OP_FMADD_S: case RV_OP_FMSUB_S: case RV_OP_FNMSUB_S: case RV_OP_FNMADD_S:
        return snprintf(buf, n, "%s %s,%s,%s,%s%s", m, frd, frs1, frs2,
                        freg_names[(d->imm >> 3) & 31], rm);
    case RV_OP_FADD_S: case RV_OP_FSUB_S: case RV_OP_FMUL_S: case RV_OP_FDIV_S:
        return snprintf(buf, n, "%s %s,%s,%s%s", m, frd, frs1, frs2, rm);
    case RV_OP_FSGNJ_S: case RV_OP_FSGNJN_S: case RV_OP_FSGNJX_S:
    case RV_OP_FMIN_S: case RV_OP_FMAX_S:
        return snprintf(buf, n, "%s %s,%s,%s", m, frd, frs1, frs2);
    case RV_OP_FEQ_S: case RV_OP_FLT_S: case RV_OP_FLE_S:
        return snprintf(buf, n, "%s %s,%s,%s", m, xrd, frs1, frs2);
    case RV_OP_FCLASS_S: case RV_OP_FMV_X_W:
        return snprintf(buf, n, "%s %s,%s", m, xrd, frs1);
    case RV_OP_FMV_W_X:
        return snprintf(buf, n, "%s %s,%s", m, frd, xrs1);
    case RV_OP_FCVT_W_S: case RV_OP_FCVT_WU_S: case RV_OP_FCVT_L_S:
    case RV_OP_FCVT_LU_S:
        return snprintf(buf, n, "%s %s,%s%s", m, xrd, frs1, rm);
    case RV_OP_FCVT_S_W: case RV_OP_FCVT_S_WU: case RV_OP_FCVT_S_L:
    case RV_OP_FCVT_S_LU:
        return snprintf(buf, n, "%s %s,%s%s", m, frd, xrs1, rm);
    default:   /* fsqrt, fcvt.s.d, fcvt.d.s */
        return snprintf(buf, n, "%s %s,%s%s", m, frd, frs1, rm);
    }
}

/* Ordering suffix of an A-extension mnemonic. */
static const char *aqrl(const struct rv_insn *d)
{
    static const char *const s[4] = { "", ".rl", ".aq", ".aqrl" };
    return s[d->aq << 1 | d->rl];
}

int rv_disas(const struct rv_insn *d, uint64_t pc, char *buf, size_t n)
{
    const char *m = rv_op_name(d->op);
    const char *rd = reg_names[d->rd & 31], *rs1 = reg_names[d->rs1 & 31];
    const char *rs2 = reg_names[d->rs2 & 31];
    long long imm = d->imm;
    char t1[8], t2[8];

    if (d->op == RV_OP_ILLEGAL)
        return snprintf(buf, n, "illegal 0x%0*x", d->len == 2 ? 4 : 8, d->raw);
    if (d->cname)
        return disas_compressed(d, pc, buf, n);

    switch (d->op) {
    case RV_OP_LUI: case RV_OP_AUIPC:
        return snprintf(buf, n, "%s %s,0x%llx", m, rd,
                        (unsigned long long)(imm >> 12) & 0xfffff);
    case RV_OP_JAL:
        return snprintf(buf, n, "%s %s,0x%llx", m, rd, (unsigned long long)(pc + imm));
    case RV_OP_BEQ: case RV_OP_BNE: case RV_OP_BLT:
    case RV_OP_BGE: case RV_OP_BLTU: case RV_OP_BGEU:
        return snprintf(buf, n, "%s %s,%s,0x%llx", m, rs1, rs2,
                        (unsigned long long)(pc + imm));
    case RV_OP_JALR:
    case RV_OP_LB: case RV_OP_LH: case RV_OP_LW: case RV_OP_LD:
    case RV_OP_LBU: case RV_OP_LHU: case RV_OP_LWU:
        return snprintf(buf, n, "%s %s,%lld(%s)", m, rd, imm, rs1);
    case RV_OP_SB: case RV_OP_SH: case RV_OP_SW: case RV_OP_SD:
        return snprintf(buf, n, "%s %s,%lld(%s)", m, rs2, imm, rs1);
    case RV_OP_ADDI: case RV_OP_SLTI: case RV_OP_SLTIU: case RV_OP_XORI:
    case RV_OP_ORI: case RV_OP_ANDI: case RV_OP_ADDIW:
        return snprintf(buf, n, "%s %s,%s,%lld", m, rd, rs1, imm);
    case RV_OP_SLLI: case RV_OP_SRLI: case RV_OP_SRAI:
    case RV_OP_SLLIW: case RV_OP_SRLIW: case RV_OP_SRAIW:
        return snprintf(buf, n, "%s %s,%s,0x%llx", m, rd, rs1, imm);
    case RV_OP_FENCE:
        return snprintf(buf, n, "%s %s,%s", m, iorw(d->pred, t1), iorw(d->succ, t2));
    case RV_OP_FENCE_TSO: case RV_OP_PAUSE: case RV_OP_ECALL: case RV_OP_EBREAK:
    case RV_OP_FENCE_I: case RV_OP_MRET: case RV_OP_SRET: case RV_OP_WFI:
        return snprintf(buf, n, "%s", m);
    case RV_OP_SFENCE_VMA:
        return snprintf(buf, n, "%s %s,%s", m, rs1, rs2);
    case RV_OP_CSRRW: case RV_OP_CSRRS: case RV_OP_CSRRC:
        return snprintf(buf, n, "%s %s,%s,%s", m, rd, csr_name(d->csr, t1), rs1);
    case RV_OP_CSRRWI: case RV_OP_CSRRSI: case RV_OP_CSRRCI:
        return snprintf(buf, n, "%s %s,%s,%lld", m, rd, csr_name(d->csr, t1), imm);
    case RV_OP_LR_W: case RV_OP_LR_D:
        return snprintf(buf, n, "%s%s %s,(%s)", m, aqrl(d), rd, rs1);
    default:
        break;
    }
    if (d->op >= RV_OP_FLW && d->op <= RV_OP_FCVT_D_S)
        return disas_fp(d, m, buf, n);
    if (d->op >= RV_OP_SC_W && d->op <= RV_OP_AMOMAXU_D)
        return snprintf(buf, n, "%s%s %s,%s,(%s)", m, aqrl(d), rd, rs2, rs1);
    /* Remaining R-type: OP, OP-32, M. */
    return snprintf(buf, n, "%s %s,%s,%s", m, rd, rs1, rs2);
}
