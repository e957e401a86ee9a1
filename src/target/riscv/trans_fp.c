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
 *     The arithmetic, fused, min/max, compare and conversion ops are FP IR
 *     ops (ir.h "Floating point") whose fallback is rv_helper_fp_op, the
 *     exact implementation (fpu_helper.c): the backend runs them inline
 *     where it can prove the same result.  Sign injection and fmv are
 *     integer IR.  fclass, and an op whose dyn rm meets an invalid frm
 *     (it raises), call rv_helper_fp as before; with LOOM_FP=helper every
 *     op does (the oracle of the differential test, docs/backend.md).
 *   - frm is part of the TB flags (RV_TBF_FRM_SHIFT; every CSR write ends
 *     the TB), so a dyn rm is known here and the IR op gets a static mode.
 *   - FS = Dirty (and SD) is set by inline code after every instruction that
 *     writes an f register or may accrue fflags; fsw/fsd, fmv.x.* and
 *     fclass leave FS alone.  The choice is static per instruction (not
 *     "only if a flag was raised") so that a TB translated for FS = Dirty
 *     is only ever reached with FS really Dirty, also through TB links.
 *     A TB whose flags say Dirty, or that already set it, emits nothing.
 */
#include <stddef.h>
#include "target/riscv/internal.h"
#include "translate/translator.h"

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

static ir_temp rv_f_load(struct rv_dc *dc, unsigned r)
{
    ir_temp t = ir_temp_new(dc->base.ir, IR_I64);
    ir_ld_env(dc->base.ir, IR_I64, t, IR_MO_64, rv_f_off(r));
    return t;
}

/* A single's register image as fsgnj sees it: the boxed image, or the
 * boxed canonical NaN when it is not boxed. */
static ir_temp rv_f_unbox(struct rv_dc *dc, ir_temp v)
{
    struct ir_ctx *ir = dc->base.ir;
    ir_temp hi = ir_temp_new(ir, IR_I64), r = ir_temp_new(ir, IR_I64);

    ir_binop(ir, IR_SHR, IR_I64, hi, v, ir_const64(ir, 32));
    ir_movcond(ir, IR_I64, IR_EQ, r, hi, ir_const64(ir, 0xffffffffu), v,
               ir_const64(ir, 0xffffffff7fc00000ull));
    return r;
}

/* fsgnj/fsgnjn/fsgnjx and fmv.x.* / fmv.*.x as integer IR. */
static bool rv_fp_bits(struct rv_dc *dc, const struct rv_insn *in,
                       unsigned sop, bool dbl)
{
    struct ir_ctx *ir = dc->base.ir;
    uint64_t sb = dbl ? 1ull << 63 : 1ull << 31;
    ir_temp a, b, r = ir_temp_new(ir, IR_I64);

    switch (sop) {
    case RV_OP_FSGNJ_S: case RV_OP_FSGNJN_S: case RV_OP_FSGNJX_S:
        a = rv_f_load(dc, in->rs1);
        b = in->rs2 == in->rs1 ? a : rv_f_load(dc, in->rs2);
        if (!dbl) {
            a = rv_f_unbox(dc, a);
            b = in->rs2 == in->rs1 ? a : rv_f_unbox(dc, b);
        }
        if (in->rs2 == in->rs1) {
            /* fmv, fneg, fabs: a, a ^ sb, a & ~sb */
            if (sop == RV_OP_FSGNJ_S)
                r = a;
            else
                ir_binop(ir, sop == RV_OP_FSGNJN_S ? IR_XOR : IR_AND, IR_I64,
                         r, a, ir_const64(ir, sop == RV_OP_FSGNJN_S ? sb
                                                                   : ~sb));
        } else if (sop == RV_OP_FSGNJX_S) {  /* a ^ (b & sb) */
            ir_binop(ir, IR_AND, IR_I64, r, b, ir_const64(ir, sb));
            ir_binop(ir, IR_XOR, IR_I64, r, a, r);
        } else {                             /* (a & ~sb) | ([~]b & sb) */
            ir_temp m = ir_temp_new(ir, IR_I64);
            if (sop == RV_OP_FSGNJN_S)
                ir_unop(ir, IR_NOT, IR_I64, m, b);
            ir_binop(ir, IR_AND, IR_I64, m, sop == RV_OP_FSGNJN_S ? m : b,
                     ir_const64(ir, sb));
            ir_binop(ir, IR_AND, IR_I64, r, a, ir_const64(ir, ~sb));
            ir_binop(ir, IR_OR, IR_I64, r, r, m);
        }
        ir_st_env(ir, r, IR_MO_64, rv_f_off(in->rd));
        rv_gen_fs_dirty(dc);
        return true;
    case RV_OP_FMV_X_W:          /* raw bits; .w sign-extends */
        a = rv_f_load(dc, in->rs1);
        ir_unop(ir, dbl ? IR_MOV : IR_EXT32S, IR_I64, rv_dst(dc, in->rd), a);
        return true;
    case RV_OP_FMV_W_X:          /* .w boxes */
        if (dbl) {
            ir_st_env(ir, rv_src(dc, in->rs1), IR_MO_64, rv_f_off(in->rd));
        } else {
            ir_unop(ir, IR_EXT32U, IR_I64, r, rv_src(dc, in->rs1));
            ir_binop(ir, IR_OR, IR_I64, r, r,
                     ir_const64(ir, 0xffffffff00000000ull));
            ir_st_env(ir, r, IR_MO_64, rv_f_off(in->rd));
        }
        rv_gen_fs_dirty(dc);
        return true;
    default:
        return false;
    }
}

/* The FP IR op of an S-block op, its input count and register files. */
struct rv_fp_ir { uint8_t opc, n, x_in, x_out; };
static bool rv_fp_ir_of(unsigned sop, bool dbl, struct rv_fp_ir *o)
{
    static const struct { uint16_t sop; struct rv_fp_ir ir; } map[] = {
        { RV_OP_FMADD_S,  { IR_FMADD, 3, 0, 0 } },
        { RV_OP_FMSUB_S,  { IR_FMSUB, 3, 0, 0 } },
        { RV_OP_FNMSUB_S, { IR_FNMSUB, 3, 0, 0 } },
        { RV_OP_FNMADD_S, { IR_FNMADD, 3, 0, 0 } },
        { RV_OP_FADD_S,   { IR_FADD, 2, 0, 0 } },
        { RV_OP_FSUB_S,   { IR_FSUB, 2, 0, 0 } },
        { RV_OP_FMUL_S,   { IR_FMUL, 2, 0, 0 } },
        { RV_OP_FDIV_S,   { IR_FDIV, 2, 0, 0 } },
        { RV_OP_FSQRT_S,  { IR_FSQRT, 1, 0, 0 } },
        { RV_OP_FMIN_S,   { IR_FMIN, 2, 0, 0 } },
        { RV_OP_FMAX_S,   { IR_FMAX, 2, 0, 0 } },
        { RV_OP_FEQ_S,    { IR_FEQ, 2, 0, 1 } },
        { RV_OP_FLT_S,    { IR_FLT, 2, 0, 1 } },
        { RV_OP_FLE_S,    { IR_FLE, 2, 0, 1 } },
        { RV_OP_FCVT_W_S, { IR_FCVT_W, 1, 0, 1 } },
        { RV_OP_FCVT_WU_S, { IR_FCVT_WU, 1, 0, 1 } },
        { RV_OP_FCVT_L_S, { IR_FCVT_L, 1, 0, 1 } },
        { RV_OP_FCVT_LU_S, { IR_FCVT_LU, 1, 0, 1 } },
        { RV_OP_FCVT_S_W, { IR_FCVT_FW, 1, 1, 0 } },
        { RV_OP_FCVT_S_WU, { IR_FCVT_FWU, 1, 1, 0 } },
        { RV_OP_FCVT_S_L, { IR_FCVT_FL, 1, 1, 0 } },
        { RV_OP_FCVT_S_LU, { IR_FCVT_FLU, 1, 1, 0 } },
        { RV_OP_FCVT_S_D, { IR_FCVT_FF, 1, 0, 0 } },
    };
    (void)dbl;
    for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].sop == sop) {
            *o = map[i].ir;
            return true;
        }
    return false;
}

/* An FP IR op for in; false if it must take rv_helper_fp (fclass, an
 * invalid dyn frm, LOOM_FP=helper). */
static bool rv_fp_jit(struct rv_dc *dc, const struct rv_insn *in,
                      unsigned op, unsigned sop, bool dbl)
{
    struct ir_ctx *ir = dc->base.ir;
    struct rv_fp_ir o;
    unsigned rm = 0;
    ir_temp a[3], d;

    if (tr_fp_mode() == TR_FP_HELPER)
        return false;
    if (rv_fp_bits(dc, in, sop, dbl))
        return true;
    if (!rv_fp_ir_of(sop, dbl, &o))
        return false;
    if (rv_fp_has_rm(sop)) {
        rm = in->imm & 7;
        if (rm == 7)
            rm = dc->frm;
        if (rm > 4)
            return false;        /* raises illegal-instruction: the helper */
    }
    if (o.x_in) {
        a[0] = rv_src(dc, in->rs1);
    } else {
        a[0] = rv_f_load(dc, in->rs1);
        if (o.n > 1)
            a[1] = rv_f_load(dc, in->rs2);
        if (o.n > 2)
            a[2] = rv_f_load(dc, in->imm >> 3);
    }
    d = o.x_out ? rv_dst(dc, in->rd) : ir_temp_new(ir, IR_I64);
    /* rv_ops.def's rm numbering is enum ir_frm's up to RUP; RMM has no
     * host mode */
    ir_fp(ir, (enum ir_opc)o.opc, dbl ? IR_I64 : IR_I32, d, o.n, a,
          rm == 4 ? IR_FRM_OTHER : (enum ir_frm)rm, op | rm << 8);
    if (!o.x_out)
        ir_st_env(ir, d, IR_MO_64, rv_f_off(in->rd));
    rv_gen_fs_dirty(dc);
    return true;
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

    if (rv_fp_jit(dc, in, op, sop, dbl))
        return true;

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
