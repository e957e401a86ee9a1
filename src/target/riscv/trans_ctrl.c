/*
 * trans_ctrl.c — jumps and branches to IR.  Each ends the TB.
 *
 *   branch  brcond → taken: pc = target, goto_tb slot 0;
 *           fall-through:   pc = next,   goto_tb slot 1
 *   jal     rd = next; pc = target; goto_tb slot 0
 *   jalr    target = (rs1 + imm) & ~1; rd = next; pc = target;
 *           goto_ptr(lookup_tb_ptr(env))
 *
 * misa.C is hard-wired to 1, so every target needs only 2-byte alignment and
 * the instruction-address-misaligned exception cannot occur (targets are
 * even by construction: immediates are even and jalr clears bit 0).
 */
#include "target/riscv/internal.h"

/* Condition with swapped operands (a cond b == b swapped a). */
static enum ir_cond rv_cond_swap(enum ir_cond c)
{
    switch (c) {
    case IR_LT:  return IR_GT;
    case IR_GE:  return IR_LE;
    case IR_LE:  return IR_GE;
    case IR_GT:  return IR_LT;
    case IR_LTU: return IR_GTU;
    case IR_GEU: return IR_LEU;
    case IR_LEU: return IR_GEU;
    case IR_GTU: return IR_LTU;
    default:     return c;
    }
}

/* x0 cond x0 decided at translation time. */
static bool rv_cond_zero(enum ir_cond c)
{
    return c == IR_EQ || c == IR_GE || c == IR_LE || c == IR_GEU ||
           c == IR_LEU;
}

static bool rv_trans_branch(struct rv_dc *dc, const struct rv_insn *in,
                            enum ir_cond c)
{
    struct ir_ctx *ir = dc->base.ir;
    uint64_t pc = rv_insn_pc(dc);
    uint64_t taken = pc + (uint64_t)in->imm, next = pc + in->len;

    dc->base.stop = TR_STOP_DONE;
    if (in->rs1 == 0 && in->rs2 == 0) {
        rv_gen_goto_tb(dc, 0, rv_cond_zero(c) ? taken : next);
        return true;
    }
    ir_temp a = rv_src(dc, in->rs1), b = rv_src(dc, in->rs2);
    if (in->rs1 == 0) {      /* keep the constant on the right */
        ir_temp t = a;
        a = b;
        b = t;
        c = rv_cond_swap(c);
    }
    ir_label l_taken = ir_label_new(ir);
    ir_brcond(ir, IR_I64, c, a, b, l_taken);
    rv_gen_goto_tb(dc, 1, next);
    ir_set_label(ir, l_taken);
    rv_gen_goto_tb(dc, 0, taken);
    return true;
}

static bool rv_trans_jalr(struct rv_dc *dc, const struct rv_insn *in)
{
    struct ir_ctx *ir = dc->base.ir;
    uint64_t next = rv_insn_pc(dc) + in->len;
    ir_temp t = ir_temp_new(ir, IR_I64);

    /* Target first: rd may be rs1. */
    ir_temp base = rv_src(dc, in->rs1);
    if (in->imm) {
        ir_binop(ir, IR_ADD, IR_I64, t, base, ir_const64(ir, (uint64_t)in->imm));
        base = t;
    }
    ir_binop(ir, IR_AND, IR_I64, t, base, ir_const64(ir, ~1ull));
    if (in->rd)
        ir_mov(ir, IR_I64, dc->x[in->rd], ir_const64(ir, next));
    ir_mov(ir, IR_I64, dc->pc, t);

    /* The lookup reads pc (synced) and writes no global. */
    ir_temp host = ir_temp_new(ir, IR_I64);
    ir_call_helper(ir, tr_helper_lookup_tb_ptr, host, ir_env(ir));
    ir_goto_ptr(ir, host);
    dc->base.stop = TR_STOP_DONE;
    return true;
}

bool rv_trans_ctrl(struct rv_dc *dc, const struct rv_insn *in)
{
    switch (in->op) {
    case RV_OP_JAL: {
        uint64_t pc = rv_insn_pc(dc);
        if (in->rd)
            ir_mov(dc->base.ir, IR_I64, dc->x[in->rd],
                   ir_const64(dc->base.ir, pc + in->len));
        rv_gen_goto_tb(dc, 0, pc + (uint64_t)in->imm);
        dc->base.stop = TR_STOP_DONE;
        return true;
    }
    case RV_OP_JALR: return rv_trans_jalr(dc, in);
    case RV_OP_BEQ:  return rv_trans_branch(dc, in, IR_EQ);
    case RV_OP_BNE:  return rv_trans_branch(dc, in, IR_NE);
    case RV_OP_BLT:  return rv_trans_branch(dc, in, IR_LT);
    case RV_OP_BGE:  return rv_trans_branch(dc, in, IR_GE);
    case RV_OP_BLTU: return rv_trans_branch(dc, in, IR_LTU);
    case RV_OP_BGEU: return rv_trans_branch(dc, in, IR_GEU);
    default:         return false;
    }
}
