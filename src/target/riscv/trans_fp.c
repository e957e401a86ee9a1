/*
 * trans_fp.c — the F and D extensions to IR.
 *
 * Contract:
 *   - mstatus.FS comes from the TB flags: with FS = Off every F/D
 *     instruction is illegal, decided here at translation time (a CSR write
 *     that changes FS ends the TB, so the next one is looked up with the
 *     new flags).
 *   - f[32] live in struct rv_hart as 64-bit values (not IR globals): loads
 *     and stores are inline (IR_QLD/IR_QST plus env loads/stores of f[r]);
 *     FLW NaN-boxes (upper 32 bits all ones), FSW stores the low 32 bits.
 *     Every other op is one call to rv_helper_fp (fpu_helper.c).
 *   - FS = Dirty (and SD) is set by inline code after every instruction that
 *     writes an f register or may accrue fflags; fsw/fsd, fmv.x.* and
 *     fclass leave FS alone.  The choice is static per instruction (not
 *     "only if a flag was raised") so that a TB translated for FS = Dirty
 *     is only ever reached with FS really Dirty, also through TB links.
 *     A TB whose flags say Dirty, or that already set it, emits nothing.
 */
#include <stddef.h>
#include "target/riscv/internal.h"

#define RV_FP_D_DELTA (RV_OP_FLD - RV_OP_FLW)

static int32_t rv_f_off(unsigned r)
{
    return (int32_t)(offsetof(struct rv_hart, f) + 8 * r);
}

static void rv_gen_fs_dirty(struct rv_dc *dc)
{
    struct ir_ctx *ir = dc->base.ir;
    ir_temp t;

    if (dc->fs_dirty)
        return;
    t = ir_temp_new(ir, IR_I64);
    ir_ld_env(ir, IR_I64, t, IR_MO_64, offsetof(struct rv_hart, mstatus));
    ir_binop(ir, IR_OR, IR_I64, t, t,
             ir_const64(ir, RV_MSTATUS_FS | RV_MSTATUS_SD));
    ir_st_env(ir, t, IR_MO_64, offsetof(struct rv_hart, mstatus));
    dc->fs_dirty = true;
}

static ir_temp rv_fp_addr(struct rv_dc *dc, const struct rv_insn *in)
{
    struct ir_ctx *ir = dc->base.ir;
    ir_temp a;

    if (in->imm == 0)
        return rv_src(dc, in->rs1);
    a = ir_temp_new(ir, IR_I64);
    ir_binop(ir, IR_ADD, IR_I64, a, rv_src(dc, in->rs1),
             ir_const64(ir, (uint64_t)in->imm));
    return a;
}

static void rv_trans_fload(struct rv_dc *dc, const struct rv_insn *in,
                           bool dbl)
{
    struct ir_ctx *ir = dc->base.ir;
    ir_temp v = ir_temp_new(ir, IR_I64);

    ir_qld(ir, IR_I64, v, rv_fp_addr(dc, in), dbl ? IR_MO_64 : IR_MO_32,
           dc->mmu_idx);
    if (!dbl)
        ir_binop(ir, IR_OR, IR_I64, v, v,
                 ir_const64(ir, 0xffffffff00000000ull));   /* NaN-box */
    ir_st_env(ir, v, IR_MO_64, rv_f_off(in->rd));
    rv_gen_fs_dirty(dc);
}

static void rv_trans_fstore(struct rv_dc *dc, const struct rv_insn *in,
                            bool dbl)
{
    struct ir_ctx *ir = dc->base.ir;
    ir_temp v = ir_temp_new(ir, IR_I64);

    ir_ld_env(ir, IR_I64, v, IR_MO_64, rv_f_off(in->rs2));
    ir_qst(ir, v, rv_fp_addr(dc, in), dbl ? IR_MO_64 : IR_MO_32, dc->mmu_idx);
}

/* Which register file an op's rd / rs1 use, and whether it has rm. */
static bool rv_fp_writes_x(unsigned sop)
{
    return (sop >= RV_OP_FEQ_S && sop <= RV_OP_FCVT_LU_S) ||
           sop == RV_OP_FMV_X_W;
}

static bool rv_fp_reads_x(unsigned sop)
{
    return (sop >= RV_OP_FCVT_S_W && sop <= RV_OP_FCVT_S_LU) ||
           sop == RV_OP_FMV_W_X;
}

static bool rv_fp_has_rm(unsigned sop)
{
    return (sop >= RV_OP_FMADD_S && sop <= RV_OP_FSQRT_S) ||
           (sop >= RV_OP_FCVT_W_S && sop <= RV_OP_FCVT_S_LU) ||
           sop == RV_OP_FCVT_S_D;
}

bool rv_trans_fp(struct rv_dc *dc, const struct rv_insn *in)
{
    struct ir_ctx *ir = dc->base.ir;
    unsigned op = in->op, sop;
    bool dbl;

    if (op < RV_OP_FLW || op > RV_OP_FCVT_D_S)
        return false;
    if (dc->fs == 0)
        return false;            /* FS = Off: illegal instruction */
    dbl = op >= RV_OP_FLD;
    sop = dbl ? op - RV_FP_D_DELTA : op;

    if (sop == RV_OP_FLW) {
        rv_trans_fload(dc, in, dbl);
        return true;
    }
    if (sop == RV_OP_FSW) {
        rv_trans_fstore(dc, in, dbl);
        return true;
    }

    /* A dyn rm may raise (invalid frm), and an x register may be read or
     * written: then globals are synced (fp_sync), none written by the
     * helper.  Otherwise the helper touches only FP state (fp). */
    bool may_raise = rv_fp_has_rm(sop) && (in->imm & 7) == 7;
    bool wx = rv_fp_writes_x(sop), rx = rv_fp_reads_x(sop);
    ir_temp desc = ir_const64(ir, in->raw | (uint64_t)op << 32);
    ir_temp xsrc = rx ? rv_src(dc, in->rs1) : ir_const64(ir, 0);

    ir_call_helper(ir, may_raise || wx || rx ? RV_HELPER(fp_sync)
                                             : RV_HELPER(fp),
                   wx ? rv_dst(dc, in->rd) : 0, ir_env(ir), desc, xsrc);
    if (sop != RV_OP_FMV_X_W && sop != RV_OP_FCLASS_S)
        rv_gen_fs_dirty(dc);
    return true;
}
