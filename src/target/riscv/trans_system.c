/*
 * trans_system.c — Zicsr, Zifencei and the privileged instructions to IR.
 *
 * Everything here may change state that translation or interrupt delivery
 * depends on (privilege, mstatus, mie, ...), so each instruction ends the TB
 * with a plain exit (IR_EXIT_NOCHAIN): the exec loop then re-reads the TB
 * flags and checks interrupts before running more guest code.
 *
 * ecall, ebreak and the privileged ops that the current privilege may not
 * run are decided at translation time (the privilege is part of the TB
 * flags); CSR permission checks happen in the helper (csr.c), which raises
 * illegal-instruction with mtval = the instruction bits.
 */
#include "target/riscv/internal.h"

static bool rv_trans_csr(struct rv_dc *dc, const struct rv_insn *in,
                         enum rv_csr_kind kind, bool imm)
{
    struct ir_ctx *ir = dc->base.ir;
    /* csrrs/csrrc with rs1 = x0 (or zimm = 0) never write: no read-only
     * fault and no write side effect.  csrrw always writes. */
    bool write = kind == RV_CSR_RW || (imm ? in->imm != 0 : in->rs1 != 0);
    uint64_t desc = in->raw | (uint64_t)kind << RV_CSR_DESC_KIND_SHIFT |
                    (write ? RV_CSR_DESC_WRITE : 0);
    ir_temp src = imm ? ir_const64(ir, (uint64_t)in->imm) : rv_src(dc, in->rs1);
    ir_temp d = ir_const64(ir, desc);

    /* READ_ONLY (helpers.def): the helper writes CSRs, never an IR global. */
    ir_call_helper(ir, RV_HELPER(csr), rv_dst(dc, in->rd), ir_env(ir), d, src);
    rv_gen_exit(dc, rv_insn_pc(dc) + in->len);
    dc->base.stop = TR_STOP_DONE;
    return true;
}

/* Call a void helper(env) that may write pc/priv, then leave the TB. */
static void rv_gen_helper_exit(struct rv_dc *dc, const struct ir_helper *h)
{
    struct ir_ctx *ir = dc->base.ir;

    ir_call_helper(ir, h, 0, ir_env(ir));
    ir_exit_tb(ir, IR_EXIT_NOCHAIN);
    dc->base.stop = TR_STOP_DONE;
}

bool rv_trans_system(struct rv_dc *dc, const struct rv_insn *in)
{
    struct ir_ctx *ir = dc->base.ir;
    uint64_t pc = rv_insn_pc(dc), next = pc + in->len;

    switch (in->op) {
    case RV_OP_ECALL:
        rv_gen_raise(dc, dc->priv == RV_PRIV_M ? RV_EXC_ECALL_M :
                     dc->priv == RV_PRIV_S ? RV_EXC_ECALL_S : RV_EXC_ECALL_U,
                     0);
        return true;
    case RV_OP_EBREAK:
        rv_gen_raise(dc, RV_EXC_BREAKPOINT, pc);
        return true;
    case RV_OP_CSRRW:  return rv_trans_csr(dc, in, RV_CSR_RW, false);
    case RV_OP_CSRRS:  return rv_trans_csr(dc, in, RV_CSR_RS, false);
    case RV_OP_CSRRC:  return rv_trans_csr(dc, in, RV_CSR_RC, false);
    case RV_OP_CSRRWI: return rv_trans_csr(dc, in, RV_CSR_RW, true);
    case RV_OP_CSRRSI: return rv_trans_csr(dc, in, RV_CSR_RS, true);
    case RV_OP_CSRRCI: return rv_trans_csr(dc, in, RV_CSR_RC, true);
    case RV_OP_MRET:
        if (dc->priv != RV_PRIV_M)
            return false;                       /* illegal */
        /* Writes pc and priv: globals reloaded (flags 0). */
        rv_gen_helper_exit(dc, RV_HELPER(mret));
        return true;
    case RV_OP_WFI:
        /* pc = next first: the helper may halt the hart there.  If it raises
         * (mstatus.TW), unwinding restores this instruction's pc. */
        ir_mov(ir, IR_I64, dc->pc, ir_const64(ir, next));
        rv_gen_helper_exit(dc, RV_HELPER(wfi));
        return true;
    case RV_OP_FENCE_I:
        /* Nothing to flush: every store to a code page invalidated the
         * TBs it overlapped when it happened (docs/concurrency.md S*).
         * End the TB so the next instruction is looked up afresh (a
         * plain exit is never linked). */
        rv_gen_exit(dc, next);
        dc->base.stop = TR_STOP_DONE;
        return true;
    case RV_OP_SRET:
        /* Illegal in U; in S the helper checks mstatus.TSR. */
        if (dc->priv == RV_PRIV_U)
            return false;
        rv_gen_helper_exit(dc, RV_HELPER(sret));
        return true;
    case RV_OP_SFENCE_VMA: {
        /* Illegal in U; in S the helper checks mstatus.TVM.  It flushes the
         * TLB and jump cache; the TB ends so the next fetch is translated
         * afresh (a plain exit is never linked). */
        if (dc->priv == RV_PRIV_U)
            return false;
        uint64_t desc = in->raw | (in->rs1 == 0 ? 1ull << 32 : 0);
        ir_temp vaddr = rv_src(dc, in->rs1), d = ir_const64(ir, desc);
        ir_call_helper(ir, RV_HELPER(sfence_vma), 0, ir_env(ir), vaddr, d);
        rv_gen_exit(dc, next);
        dc->base.stop = TR_STOP_DONE;
        return true;
    }
    default:
        return false;
    }
}
