/*
 * trans_alu.c — RV64I integer computation and the M extension to IR.
 *
 * W forms are I32 ops (which read the low 32 bits and zero-extend their
 * result) followed by IR_EXT32S.  Division and remainder map to the IR ops,
 * whose by-zero and overflow results are exactly RISC-V's.  Writes to x0
 * (the HINT encodings) emit nothing.
 */
#include "target/riscv/internal.h"

/* IR op for each register-register / register-immediate op. */
struct rv_alu_map {
    uint16_t op;
    uint8_t opc;             /* enum ir_opc, or IR_NOP for set-less-than */
    uint8_t cond;            /* set-less-than: enum ir_cond */
    bool imm;                /* second operand is in->imm */
    bool w;                  /* 32-bit op, result sign-extended */
};

static const struct rv_alu_map rv_alu_table[] = {
    { RV_OP_ADDI, IR_ADD, 0, true, false },
    { RV_OP_SLTI, IR_NOP, IR_LT, true, false },
    { RV_OP_SLTIU, IR_NOP, IR_LTU, true, false },
    { RV_OP_XORI, IR_XOR, 0, true, false },
    { RV_OP_ORI, IR_OR, 0, true, false },
    { RV_OP_ANDI, IR_AND, 0, true, false },
    { RV_OP_SLLI, IR_SHL, 0, true, false },
    { RV_OP_SRLI, IR_SHR, 0, true, false },
    { RV_OP_SRAI, IR_SAR, 0, true, false },
    { RV_OP_ADD, IR_ADD, 0, false, false },
    { RV_OP_SUB, IR_SUB, 0, false, false },
    { RV_OP_SLL, IR_SHL, 0, false, false },
    { RV_OP_SLT, IR_NOP, IR_LT, false, false },
    { RV_OP_SLTU, IR_NOP, IR_LTU, false, false },
    { RV_OP_XOR, IR_XOR, 0, false, false },
    { RV_OP_SRL, IR_SHR, 0, false, false },
    { RV_OP_SRA, IR_SAR, 0, false, false },
    { RV_OP_OR, IR_OR, 0, false, false },
    { RV_OP_AND, IR_AND, 0, false, false },
    { RV_OP_ADDIW, IR_ADD, 0, true, true },
    { RV_OP_SLLIW, IR_SHL, 0, true, true },
    { RV_OP_SRLIW, IR_SHR, 0, true, true },
    { RV_OP_SRAIW, IR_SAR, 0, true, true },
    { RV_OP_ADDW, IR_ADD, 0, false, true },
    { RV_OP_SUBW, IR_SUB, 0, false, true },
    { RV_OP_SLLW, IR_SHL, 0, false, true },
    { RV_OP_SRLW, IR_SHR, 0, false, true },
    { RV_OP_SRAW, IR_SAR, 0, false, true },
    /* M */
    { RV_OP_MUL, IR_MUL, 0, false, false },
    { RV_OP_MULH, IR_MULH, 0, false, false },
    { RV_OP_MULHSU, IR_MULHSU, 0, false, false },
    { RV_OP_MULHU, IR_MULHU, 0, false, false },
    { RV_OP_DIV, IR_DIV, 0, false, false },
    { RV_OP_DIVU, IR_DIVU, 0, false, false },
    { RV_OP_REM, IR_REM, 0, false, false },
    { RV_OP_REMU, IR_REMU, 0, false, false },
    { RV_OP_MULW, IR_MUL, 0, false, true },
    { RV_OP_DIVW, IR_DIV, 0, false, true },
    { RV_OP_DIVUW, IR_DIVU, 0, false, true },
    { RV_OP_REMW, IR_REM, 0, false, true },
    { RV_OP_REMUW, IR_REMU, 0, false, true },
};

static const struct rv_alu_map *rv_alu_lookup(unsigned op)
{
    /* The table is tiny and op numbers are dense: a linear scan is as fast
     * as anything at translation time. */
    for (size_t i = 0; i < ARRAY_SIZE(rv_alu_table); i++)
        if (rv_alu_table[i].op == op)
            return &rv_alu_table[i];
    return NULL;
}

bool rv_trans_alu(struct rv_dc *dc, const struct rv_insn *in)
{
    struct ir_ctx *ir = dc->base.ir;

    switch (in->op) {
    case RV_OP_LUI:
        if (in->rd)
            ir_mov(ir, IR_I64, dc->x[in->rd], ir_const64(ir, (uint64_t)in->imm));
        return true;
    case RV_OP_AUIPC:
        if (in->rd)
            ir_mov(ir, IR_I64, dc->x[in->rd],
                   ir_const64(ir, rv_insn_pc(dc) + (uint64_t)in->imm));
        return true;
    default:
        break;
    }

    const struct rv_alu_map *m = rv_alu_lookup(in->op);
    if (!m)
        return false;
    if (!in->rd)
        return true;         /* HINT / nop: no architectural effect */

    ir_temp d = dc->x[in->rd];
    ir_temp b = m->imm ? ir_const64(ir, (uint64_t)in->imm) : rv_src(dc, in->rs2);

    /* li (addi rd, x0, imm) is the commonest form: a plain constant. */
    if (in->rs1 == 0 && m->imm && !m->w &&
        (m->opc == IR_ADD || m->opc == IR_OR || m->opc == IR_XOR)) {
        ir_mov(ir, IR_I64, d, b);
        return true;
    }
    ir_temp a = rv_src(dc, in->rs1);

    if (m->opc == IR_NOP)
        ir_setcond(ir, IR_I64, (enum ir_cond)m->cond, d, a, b);
    else if (m->w) {
        ir_binop(ir, (enum ir_opc)m->opc, IR_I32, d, a, b);
        ir_unop(ir, IR_EXT32S, IR_I64, d, d);
    } else
        ir_binop(ir, (enum ir_opc)m->opc, IR_I64, d, a, b);
    return true;
}
