/*
 * trans_mem.c — loads, stores, fences and the A extension to IR.
 *
 * Loads and stores are IR_QLD/IR_QST with the data mmu index from the TB
 * flags (RV_MMU_M in M mode; MPP's index when mstatus.MPRV is set).
 * Misaligned accesses are not trapped: the softmmu slow path emulates them
 * byte by byte (docs/riscv.md).  AMOs and LR/SC are helper calls (helper.c)
 * that unwind through GETPC() when they fault.
 *
 * FENCE maps its predecessor/successor sets to IR_MB kinds (device input and
 * output are treated as reads and writes: MMIO accesses are synchronous
 * calls, so ordering them like memory is enough).
 */
#include "target/riscv/internal.h"

static ir_temp rv_addr(struct rv_dc *dc, const struct rv_insn *in)
{
    struct ir_ctx *ir = dc->base.ir;

    if (in->imm == 0)
        return rv_src(dc, in->rs1);
    ir_temp a = ir_temp_new(ir, IR_I64);
    ir_binop(ir, IR_ADD, IR_I64, a, rv_src(dc, in->rs1),
             ir_const64(ir, (uint64_t)in->imm));
    return a;
}

static bool rv_trans_load(struct rv_dc *dc, const struct rv_insn *in,
                          enum ir_memop mo)
{
    ir_temp addr = rv_addr(dc, in);
    /* A load to x0 still accesses memory (it may fault). */
    ir_qld(dc->base.ir, IR_I64, rv_dst(dc, in->rd), addr, mo, dc->mmu_idx);
    return true;
}

static bool rv_trans_store(struct rv_dc *dc, const struct rv_insn *in,
                           enum ir_memop mo)
{
    ir_temp addr = rv_addr(dc, in);
    ir_qst(dc->base.ir, rv_src(dc, in->rs2), addr, mo, dc->mmu_idx);
    return true;
}

/* FENCE pred/succ bits: i=8 o=4 r=2 w=1. */
static bool rv_trans_fence(struct rv_dc *dc, unsigned pred, unsigned succ)
{
    bool pr = pred & 0xa, pw = pred & 0x5, sr = succ & 0xa, sw = succ & 0x5;
    unsigned kinds = (pr && sr ? IR_MB_LD_LD : 0) | (pw && sr ? IR_MB_ST_LD : 0) |
                     (pr && sw ? IR_MB_LD_ST : 0) | (pw && sw ? IR_MB_ST_ST : 0);
    if (kinds)
        ir_mb(dc->base.ir, (enum ir_mb)kinds);
    return true;
}

/* AMO, LR, SC: one helper call, result (sign-extended for .W) in rd.  AMOs
 * and successful SCs are locked host RMWs (full barriers), which satisfy
 * every aq/rl combination; LR's aq is free on TSO, its rl needs a fence. */
static bool rv_trans_atomic(struct rv_dc *dc, const struct rv_insn *in)
{
    struct ir_ctx *ir = dc->base.ir;
    ir_temp env = ir_env(ir);
    ir_temp addr = rv_src(dc, in->rs1);
    ir_temp ret = rv_dst(dc, in->rd);
    bool w = in->op >= RV_OP_LR_W && in->op <= RV_OP_AMOMAXU_W;
    ir_temp size = ir_const64(ir, w ? 2 : 3);

    /* The helpers are READ_ONLY (helpers.def): globals are synced (a
     * fault unwinds), none is written. */
    if (in->op == RV_OP_LR_W || in->op == RV_OP_LR_D) {
        /* The LR helper's load is a plain host load: lr.rl must first order
         * earlier stores before it (the one reordering x86-TSO allows). */
        if (in->rl)
            ir_mb(ir, IR_MB_ALL);
        ir_call_helper(ir, RV_HELPER(lr), ret, env, addr, size);
    } else if (in->op == RV_OP_SC_W || in->op == RV_OP_SC_D) {
        ir_call_helper(ir, RV_HELPER(sc), ret, env, addr, rv_src(dc, in->rs2),
                       size);
    } else {
        ir_temp src = rv_src(dc, in->rs2), op = ir_const64(ir, in->op);
        ir_call_helper(ir, RV_HELPER(amo), ret, env, addr, src, op);
    }
    return true;
}

bool rv_trans_mem(struct rv_dc *dc, const struct rv_insn *in)
{
    switch (in->op) {
    case RV_OP_LB:  return rv_trans_load(dc, in, IR_MO_8 | IR_MO_SIGN);
    case RV_OP_LH:  return rv_trans_load(dc, in, IR_MO_16 | IR_MO_SIGN);
    case RV_OP_LW:  return rv_trans_load(dc, in, IR_MO_32 | IR_MO_SIGN);
    case RV_OP_LD:  return rv_trans_load(dc, in, IR_MO_64);
    case RV_OP_LBU: return rv_trans_load(dc, in, IR_MO_8);
    case RV_OP_LHU: return rv_trans_load(dc, in, IR_MO_16);
    case RV_OP_LWU: return rv_trans_load(dc, in, IR_MO_32);
    case RV_OP_SB:  return rv_trans_store(dc, in, IR_MO_8);
    case RV_OP_SH:  return rv_trans_store(dc, in, IR_MO_16);
    case RV_OP_SW:  return rv_trans_store(dc, in, IR_MO_32);
    case RV_OP_SD:  return rv_trans_store(dc, in, IR_MO_64);
    case RV_OP_FENCE:
        return rv_trans_fence(dc, in->pred, in->succ);
    case RV_OP_FENCE_TSO:    /* RW,RW minus W->R */
        ir_mb(dc->base.ir, IR_MB_LD_LD | IR_MB_LD_ST | IR_MB_ST_ST);
        return true;
    case RV_OP_PAUSE:        /* a hint: no ordering, nothing to emit */
        return true;
    default:
        if (in->op >= RV_OP_LR_W && in->op <= RV_OP_AMOMAXU_D)
            return rv_trans_atomic(dc, in);
        return false;
    }
}
