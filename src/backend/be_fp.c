/*
 * be_fp.c — the floating-point IR ops (FADD .. FCVT_FF): inline SSE / FMA3
 * for the common case, the front end's exact fallback for the rest.
 *
 * Contract (ir.h "Floating point"): an FP op IS a call of
 * ctx->fp->fallback(env, a1, a2, a3, desc); the inline code may produce the
 * result only where the host's IEEE arithmetic cannot differ from it.  Each
 * inline sequence ends in checks that jump to an out-of-line stub, which
 * makes that very call (and jumps back), so whatever the checks let through
 * is exact and whatever they catch is the fallback's:
 *
 *   - I32 (binary32) inputs must be NaN-boxed: one and/shr/cmp over all of
 *     them.  The box of a result comes free: movq loads the whole boxed
 *     image of input a into xmm0, and scalar single ops (legacy SSE and
 *     VEX alike) write only bits 31:0 of their destination.
 *   - Rounding: the ir_frm immediate.  RNE is MXCSR's state everywhere in
 *     generated code; RTZ/RDN/RUP wrap the one instruction in two ldmxcsr
 *     of constants in the shared page (be_g.fp_mxcsr); IR_FRM_OTHER (RMM,
 *     or a mode decided at run time) never runs inline.  cvtt*2si truncates
 *     without MXCSR.
 *   - Results of arithmetic, fused ops and fcvt.s.d must have a biased
 *     exponent in [2, max - 2]: this one range test excludes NaN (x86's
 *     default NaN and payload propagation differ from RISC-V's canonical
 *     NaN), infinities (overflow, division by zero, infinite operands),
 *     zeros and subnormals (underflow; the UF flag with tininess after
 *     rounding), the smallest normal binade (where rounding may have
 *     crossed the threshold) and the top binade (max-finite results of
 *     overflow in directed modes).  What is left cannot have raised
 *     anything but inexact: not NV (that gives a NaN), not DZ (inf), not OF
 *     (inf or max finite), not UF.  Subnormal operands are fine: DAZ/FTZ
 *     are off (checked at start-up with the rest of MXCSR).
 *   - Inexact: the sticky NX bit is tested in the front end's flags
 *     (ctx->fp->flags_off / nx_mask).  Set — nothing to accrue: the inline
 *     result stands.  Clear — arithmetic runs an out-of-line probe: the
 *     same instruction after an ldmxcsr that clears MXCSR's flags, then
 *     stmxcsr and a test of PE (x86's inexact is IEEE's), accruing NX
 *     inline; conversions instead prove exactness by converting back.
 *   - Compares and min/max: ucomis; unordered (any NaN: the NV rules) and,
 *     for min/max, equal operands (the signed-zero rule) go to the stub.
 *   - Float → integer: the 64-bit cvt gives 0x8000000000000000 for NaN and
 *     out of range (RISC-V saturates); each width's range test sends that
 *     and everything outside the width to the stub.
 * Outside the probe MXCSR's exception flags are never read: they are
 * sticky garbage.
 *
 * Stubs (after the block's main stream, like be_ldst.c's): push the
 * caller-saved registers live after the op, pass the inputs through the
 * stack into rsi/rdx/rcx (so no parallel-move ordering is needed), call the
 * fallback, move rax to the output register, pop, jump back.  The fallback
 * never raises and touches no IR global, so nothing is synced.  When an op
 * cannot be inlined at all (LOOM_FP=fallback, RMM, FMA without FMA3) the
 * same call sequence is emitted in the main stream.
 *
 * Thread context: the calling thread's struct be_gen; be_fp_init once at
 * start-up (be_init).
 */
#include "backend/be_gen.h"

#include "translate/translator.h"
#include "util/error.h"

/* x86 MXCSR: all exceptions masked (bits 7-12), RC in bits 13-14, DAZ
 * (6) and FTZ (15) off. */
#define MXCSR_DEFAULT 0x1f80u
#define MXCSR_CONTROL 0xffc0u
#define MXCSR_PE      0x20       /* precision (inexact) flag */

void be_fp_init(void)
{
    enum tr_fp_mode mode = tr_fp_mode();
    unsigned mx = __builtin_ia32_stmxcsr();
    /* Inline code assumes MXCSR is the default (RNE, no DAZ/FTZ) between
     * ops; if the host thread runs with anything else, never inline. */
    be_g.fp_inline = mode != TR_FP_FALLBACK &&
                     (mx & MXCSR_CONTROL) == MXCSR_DEFAULT;
    __builtin_cpu_init();
    be_g.fp_fma = be_g.fp_inline && mode != TR_FP_NOFMA &&
                  __builtin_cpu_supports("avx") &&
                  __builtin_cpu_supports("fma");
}

/* The IR rounding mode's MXCSR (RC: 00 RNE, 01 RDN, 10 RUP, 11 RTZ). */
void be_fp_emit_mxcsr(uint32_t tab[4])
{
    tab[IR_FRM_RNE] = MXCSR_DEFAULT;
    tab[IR_FRM_RTZ] = MXCSR_DEFAULT | 3u << 13;
    tab[IR_FRM_RDN] = MXCSR_DEFAULT | 1u << 13;
    tab[IR_FRM_RUP] = MXCSR_DEFAULT | 2u << 13;
}

/* ---- the call of the fallback ------------------------------------------ */

static uint16_t live_caller_saved(struct be_gen *g, int skip)
{
    uint16_t mask = 0;
    for (int r = 0; r < 16; r++)
        if (g->reg_temp[r] && (BE_CALLER_SAVED >> r & 1) && r != skip)
            mask |= (uint16_t)(1u << r);
    return mask;
}

/* fallback(env, in[0], in[1], in[2], desc) -> out, saving `save`. */
static void emit_fallback_call(struct be_gen *g, const struct be_fpslow *s)
{
    static const int8_t arg[3] = { X86_RSI, X86_RDX, X86_RCX };
    struct x86_buf *b = &g->buf;
    unsigned n = 0;
    for (int r = 0; r < 16; r++)
        if (s->save >> r & 1) {
            x86_push(b, r);
            n++;
        }
    if (n & 1)                   /* keep rsp 16-aligned at the call */
        x86_arith_ri(b, true, ARITH_SUB, X86_RSP, 8);
    /* Inputs may sit in each other's argument registers: through the
     * stack (net zero, so the alignment above holds at the call). */
    for (unsigned i = 0; i < s->nin; i++)
        x86_push(b, s->in[i]);
    for (unsigned i = s->nin; i-- > 0;)
        x86_pop(b, arg[i]);
    for (unsigned i = s->nin; i < 3; i++)
        x86_arith_rr(b, false, ARITH_XOR, arg[i], arg[i]);
    x86_mov_rr(b, true, X86_RDI, BE_ENV_REG);
    x86_mov_ri(b, X86_R8, s->desc);
    x86_call_abs(b, g->ir->fp->fallback->fn);
    if (s->out != X86_RAX)
        x86_mov_rr(b, true, s->out, X86_RAX);
    if (n & 1)
        x86_arith_ri(b, true, ARITH_ADD, X86_RSP, 8);
    for (int r = 16; r-- > 0;)
        if (s->save >> r & 1)
            x86_pop(b, r);
}

static void emit_probe(struct be_gen *g, struct be_fpslow *s);

void be_gen_fp_slow_paths(struct be_gen *g)
{
    for (unsigned i = 0; i < g->nfpslow; i++) {
        struct be_fpslow *s = &g->fpslow[i];
        if (s->probe)        /* adds its own jumps to the fallback below */
            emit_probe(g, s);
        for (unsigned j = 0; j < s->njcc; j++)
            x86_patch32(&g->buf, s->jcc[j], x86_off(&g->buf));
        emit_fallback_call(g, s);
        x86_patch32(&g->buf, x86_jmp32(&g->buf), s->back_off);
    }
}

/* ---- inline pieces --------------------------------------------------------- */

struct fp_emit {
    struct be_gen *g;
    struct x86_buf *b;
    struct be_fpslow *s;
    bool dbl;                /* op->type: binary64 */
    int rd, t;               /* output, scratch */
};

static void to_stub(struct fp_emit *e, enum x86_cc cc)
{
    e->s->jcc[e->s->njcc++] = x86_jcc32(e->b, cc);
}

/* Every binary32 input NaN-boxed, else the stub. */
static void box_check(struct fp_emit *e, unsigned n)
{
    x86_mov_rr(e->b, true, e->t, e->s->in[0]);
    for (unsigned i = 1; i < n; i++)
        x86_arith_rr(e->b, true, ARITH_AND, e->t, e->s->in[i]);
    x86_shift_ri(e->b, true, SHIFT_SHR, e->t, 32);
    x86_arith_ri(e->b, false, ARITH_CMP, e->t, -1);
    to_stub(e, X86_CC_NE);
}

/* test byte [env + flags_off], nx_mask: ZF set when NX is clear. */
static void test_nx(struct fp_emit *e)
{
    const struct ir_fp_env *fp = e->g->ir->fp;
    x86_encode(e->b, OPC_GRP3_Eb, EXT3_TEST, X86_M_MEM, BE_ENV_REG,
               X86_NOREG, 0, fp->flags_off, 1);
    x86_imm8(e->b, (int8_t)fp->nx_mask);
}

static void mode_enter(struct fp_emit *e, unsigned rm)
{
    if (rm != IR_FRM_RNE)
        x86_ldmxcsr_rip(e->b, &be_g.fp_mxcsr[rm]);
}

static void mode_leave(struct fp_emit *e, unsigned rm)
{
    if (rm != IR_FRM_RNE)
        x86_ldmxcsr_rip(e->b, &be_g.fp_mxcsr[IR_FRM_RNE]);
}

/* rd's biased exponent in [2, max - 2], else the stub. */
static void result_check(struct fp_emit *e, bool dbl)
{
    x86_lea(e->b, dbl, e->t, e->rd, e->rd, 0, 0);      /* drop the sign */
    x86_shift_ri(e->b, dbl, SHIFT_SHR, e->t, dbl ? 53 : 24);
    x86_arith_ri(e->b, false, ARITH_SUB, e->t, 2);
    x86_arith_ri(e->b, false, ARITH_CMP, e->t, dbl ? 0x7fb : 0xfb);
    to_stub(e, X86_CC_A);
}

/* If NX is clear: xmm `got` (format dbl) must equal xmm `want`. */
static void exact_or_stub(struct fp_emit *e, bool dbl, int want, int got)
{
    test_nx(e);
    uint32_t skip = x86_jcc32(e->b, X86_CC_NE);
    x86_op_rr(e->b, OPC_UCOMISS | (dbl ? P_DATA16 : 0), want, got);
    to_stub(e, X86_CC_NE);
    x86_patch32(e->b, skip, x86_off(e->b));
}

static int sse_arith_opc(unsigned opc)
{
    switch (opc) {
    case IR_FADD: return OPC_SSE_ADD;
    case IR_FSUB: return OPC_SSE_SUB;
    case IR_FMUL: return OPC_SSE_MUL;
    case IR_FDIV: return OPC_SSE_DIV;
    default:      ir_fatal_op("backend sse_arith_opc", opc);
    }
}

static unsigned fma_vop(unsigned opc)
{
    switch (opc) {
    case IR_FMADD:  return VEX_VFMADD213;
    case IR_FMSUB:  return VEX_VFMSUB213;
    case IR_FNMSUB: return VEX_VFNMADD213;   /* -(a*b) + c */
    case IR_FNMADD: return VEX_VFNMSUB213;   /* -(a*b) - c */
    default:        ir_fatal_op("backend fma_vop", opc);
    }
}

/* The one instruction of an arithmetic or fused op, on xmm0..2. */
static void emit_arith_op(struct fp_emit *e, unsigned opc, unsigned n)
{
    if (n == 3)
        x86_vfma213(e->b, fma_vop(opc), e->dbl, 0, 1, 2);
    else if (opc == IR_FSQRT)
        x86_sse_op(e->b, OPC_SSE_SQRT, e->dbl, 0, 0);
    else
        x86_sse_op(e->b, sse_arith_opc(opc), e->dbl, 0, 1);
}

/* add/sub/mul/div/sqrt and the fused ops: inputs in xmm0..2.  With NX
 * clear, the probe (emit_probe, out of line) runs instead. */
static void gen_arith_inline(struct fp_emit *e, unsigned opc, unsigned n,
                             unsigned rm)
{
    if (!e->dbl)
        box_check(e, n);
    test_nx(e);
    e->s->probe_jcc = x86_jcc32(e->b, X86_CC_E);
    e->s->probe = 1;
    for (unsigned i = 0; i < n; i++)
        x86_movq_xr(e->b, (int)i, e->s->in[i]);
    mode_enter(e, rm);
    emit_arith_op(e, opc, n);
    mode_leave(e, rm);
    x86_movq_rx(e->b, e->rd, 0);
    result_check(e, e->dbl);
}

/* NX clear: the same op with MXCSR's flags cleared first (ldmxcsr of a
 * table constant, whose flag bits are 0) and its PE flag read back through
 * the frame's padding slot; a result that passes the range check raised at
 * most inexact, which x86 reports exactly as IEEE defines it.  Inexact:
 * accrue NX.  Then back to the main stream; failing the check: the
 * fallback stub, which follows. */
static void emit_probe(struct be_gen *g, struct be_fpslow *s)
{
    const struct ir_fp_env *fp = g->ir->fp;
    struct fp_emit e = { .g = g, .b = &g->buf, .s = s, .dbl = s->dbl,
                         .rd = s->out, .t = s->t };
    const int32_t pad = BE_FRAME_SLOTS * 8;
    x86_patch32(e.b, s->probe_jcc, x86_off(e.b));
    for (unsigned i = 0; i < s->nin; i++)
        x86_movq_xr(e.b, (int)i, s->in[i]);
    x86_ldmxcsr_rip(e.b, &be_g.fp_mxcsr[s->rm]);
    emit_arith_op(&e, s->opc, s->nin);
    x86_encode(e.b, OPC_GRP15, EXT15_STMXCSR, X86_M_MEM, X86_RSP, X86_NOREG,
               0, pad, 0);
    if (s->rm != IR_FRM_RNE)
        x86_ldmxcsr_rip(e.b, &be_g.fp_mxcsr[IR_FRM_RNE]);
    x86_movq_rx(e.b, e.rd, 0);
    result_check(&e, e.dbl);
    x86_encode(e.b, OPC_GRP3_Eb, EXT3_TEST, X86_M_MEM, X86_RSP, X86_NOREG, 0,
               pad, 1);
    x86_imm8(e.b, MXCSR_PE);
    x86_patch32(e.b, x86_jcc32(e.b, X86_CC_E), s->back_off);
    x86_encode(e.b, OPC_ARITH_EbIb, ARITH_OR, X86_M_MEM, BE_ENV_REG,
               X86_NOREG, 0, fp->flags_off, 1);
    x86_imm8(e.b, (int8_t)fp->nx_mask);
    x86_patch32(e.b, x86_jmp32(e.b), s->back_off);
}

/* feq/flt/fle (0/1) and fmin/fmax (one of the inputs). */
static void gen_cmp_inline(struct fp_emit *e, unsigned opc)
{
    int a = e->s->in[0], bb = e->s->in[1];
    if (!e->dbl)
        box_check(e, 2);
    x86_movq_xr(e->b, 0, a);
    x86_movq_xr(e->b, 1, bb);
    /* ucomis xmm0, xmm1: ZF,PF,CF = unordered 111, < 001, = 100, > 000 */
    x86_op_rr(e->b, OPC_UCOMISS | (e->dbl ? P_DATA16 : 0), 0, 1);
    to_stub(e, X86_CC_P);
    switch (opc) {
    case IR_FEQ: x86_setcc(e->b, X86_CC_E, e->rd); break;
    case IR_FLT: x86_setcc(e->b, X86_CC_B, e->rd); break;
    case IR_FLE: x86_setcc(e->b, X86_CC_BE, e->rd); break;
    case IR_FMIN: case IR_FMAX:
        to_stub(e, X86_CC_E);            /* ±0 pairs: the sign rule */
        x86_mov_rr(e->b, true, e->rd, bb);
        x86_cmov(e->b, true, opc == IR_FMIN ? X86_CC_B : X86_CC_A, e->rd, a);
        break;
    default:
        ir_fatal_op("backend gen_cmp_inline", opc);
    }
}

/* fcvt to an integer: the 64-bit conversion, then the width's range. */
static void gen_to_int_inline(struct fp_emit *e, unsigned opc, unsigned rm)
{
    struct x86_buf *b = e->b;
    int pf = e->dbl ? P_SIMDF2 : P_SIMDF3;
    if (!e->dbl)
        box_check(e, 1);
    x86_movq_xr(b, 0, e->s->in[0]);
    if (rm == IR_FRM_RTZ) {
        x86_op_rr(b, OPC_SSE_CVTT2SI | P_REXW | pf, e->rd, 0);
    } else {
        mode_enter(e, rm);
        x86_op_rr(b, OPC_SSE_CVT2SI | P_REXW | pf, e->rd, 0);
        mode_leave(e, rm);
    }
    switch (opc) {
    case IR_FCVT_W:      /* fits in int32: sign-extending it changes nothing */
        x86_ext(b, 2, true, true, e->t, e->rd);
        x86_arith_rr(b, true, ARITH_CMP, e->t, e->rd);
        to_stub(e, X86_CC_NE);
        break;
    case IR_FCVT_WU:     /* in [0, 2^32) */
        x86_mov_rr(b, true, e->t, e->rd);
        x86_shift_ri(b, true, SHIFT_SHR, e->t, 32);
        to_stub(e, X86_CC_NE);
        break;
    case IR_FCVT_L:      /* not 0x8000000000000000 (x86's "indefinite") */
        x86_mov_rr(b, true, e->t, e->rd);
        x86_arith_ri(b, true, ARITH_SUB, e->t, 1);
        to_stub(e, X86_CC_O);
        break;
    case IR_FCVT_LU:     /* in [0, 2^63): the rest is the fallback's */
        x86_test_rr(b, true, e->rd, e->rd);
        to_stub(e, X86_CC_S);
        break;
    default:
        ir_fatal_op("backend gen_to_int_inline", opc);
    }
    /* The integer converts back exactly (|r| <= 2^p, or x was integral). */
    x86_op_rr(b, OPC_SSE_CVTSI2 | P_REXW | pf, 1, e->rd);
    exact_or_stub(e, e->dbl, 0, 1);
    if (opc == IR_FCVT_WU)   /* RISC-V keeps 32-bit values sign-extended */
        x86_ext(b, 2, true, true, e->rd, e->rd);
}

/* fcvt from an integer (in t, extended to 64 bits signed). */
static void gen_from_int_inline(struct fp_emit *e, unsigned opc, unsigned rm)
{
    struct x86_buf *b = e->b;
    int pf = e->dbl ? P_SIMDF2 : P_SIMDF3, a = e->s->in[0];
    bool exact = e->dbl && (opc == IR_FCVT_FW || opc == IR_FCVT_FWU);
    switch (opc) {
    case IR_FCVT_FW:  x86_ext(b, 2, true, true, e->t, a); break;
    case IR_FCVT_FWU: x86_mov_rr(b, false, e->t, a); break;
    case IR_FCVT_FL:  x86_mov_rr(b, true, e->t, a); break;
    case IR_FCVT_FLU:
        x86_mov_rr(b, true, e->t, a);
        x86_test_rr(b, true, e->t, e->t);
        to_stub(e, X86_CC_S);            /* >= 2^63: the fallback's */
        break;
    default:
        ir_fatal_op("backend gen_from_int_inline", opc);
    }
    if (!e->dbl)        /* the box: bits 63:32 of xmm0 all ones */
        x86_op_rr(b, OPC_PCMPEQD, 0, 0);
    if (!exact)
        mode_enter(e, rm);
    x86_op_rr(b, OPC_SSE_CVTSI2 | P_REXW | pf, 0, e->t);
    if (!exact) {
        mode_leave(e, rm);
        /* exact iff it truncates back to the integer (2^63 gives the
         * indefinite 0x8000000000000000, equal only to -2^63, exact) */
        test_nx(e);
        uint32_t skip = x86_jcc32(b, X86_CC_NE);
        x86_op_rr(b, OPC_SSE_CVTT2SI | P_REXW | pf, e->rd, 0);
        x86_arith_rr(b, true, ARITH_CMP, e->rd, e->t);
        to_stub(e, X86_CC_NE);
        x86_patch32(b, skip, x86_off(b));
    }
    x86_movq_rx(b, e->rd, 0);
}

/* fcvt.s.d (I32) / fcvt.d.s (I64). */
static void gen_cvt_ff_inline(struct fp_emit *e, unsigned rm)
{
    struct x86_buf *b = e->b;
    int a = e->s->in[0];
    if (e->dbl) {           /* binary32 in: boxed, not NaN/inf; exact */
        box_check(e, 1);
        x86_lea(b, false, e->t, a, a, 0, 0);
        x86_arith_ri(b, false, ARITH_CMP, e->t, (int32_t)0xff000000u);
        to_stub(e, X86_CC_AE);
        x86_movq_xr(b, 0, a);
        x86_sse_op(b, OPC_SSE_CVT, false, 1, 0);     /* cvtss2sd */
        x86_movq_rx(b, e->rd, 1);
        return;
    }
    x86_movq_xr(b, 0, a);
    x86_op_rr(b, OPC_PCMPEQD, 1, 1);                 /* the box */
    mode_enter(e, rm);
    x86_sse_op(b, OPC_SSE_CVT, true, 1, 0);          /* cvtsd2ss */
    mode_leave(e, rm);
    x86_movq_rx(b, e->rd, 1);
    result_check(e, false);
    x86_sse_op(b, OPC_SSE_CVT, false, 2, 1);         /* back: exact? */
    exact_or_stub(e, true, 0, 2);
}

/* ---- the emitter ----------------------------------------------------------- */

/* Can op run inline on this host at all? */
static bool fp_inlinable(unsigned opc, unsigned rm)
{
    if (!be_g.fp_inline)
        return false;
    switch (opc) {
    case IR_FMADD: case IR_FMSUB: case IR_FNMSUB: case IR_FNMADD:
        return be_g.fp_fma && rm != IR_FRM_OTHER;
    case IR_FMIN: case IR_FMAX: case IR_FEQ: case IR_FLT: case IR_FLE:
        return true;                     /* no rounding */
    default:
        return rm != IR_FRM_OTHER;
    }
}

void be_gen_fp(struct be_gen *g, const struct ir_op *op)
{
    const struct ir_opdef *def = ir_def(op->opc);
    unsigned n = def->nins, rm = op->args[1 + n];
    ir_temp d = (ir_temp)op->args[0];
    struct be_fpslow local, *s = &local;
    bool inl = fp_inlinable(op->opc, rm) && g->nfpslow < BE_MAX_FPSLOW;

    if (!g->ir->fp)
        ir_fatal_op("backend (no ir_fp_env)", op->opc);
    if (inl)
        s = &g->fpslow[g->nfpslow++];
    *s = (struct be_fpslow){ .nin = (uint8_t)n, .desc = op->args[2 + n],
                             .opc = op->opc, .rm = (uint8_t)rm,
                             .dbl = op->type == IR_I64 };
    for (unsigned i = 0; i < n; i++)
        s->in[i] = (int8_t)be_in_reg(g, (ir_temp)op->args[1 + i]);
    /* rd and t differ from every input: inputs stay intact for the stub */
    struct fp_emit e = {
        .g = g, .b = &g->buf, .s = s, .dbl = op->type == IR_I64,
        .rd = be_reg_alloc(g, BE_ALLOCATABLE),
        .t = be_reg_alloc(g, BE_ALLOCATABLE),
    };
    s->out = (int8_t)e.rd;
    s->t = (int8_t)e.t;
    if (!inl) {
        s->save = live_caller_saved(g, e.rd);
        emit_fallback_call(g, s);
    } else {
        switch (op->opc) {
        case IR_FADD: case IR_FSUB: case IR_FMUL: case IR_FDIV:
        case IR_FSQRT: case IR_FMADD: case IR_FMSUB: case IR_FNMSUB:
        case IR_FNMADD:
            gen_arith_inline(&e, op->opc, n, rm);
            break;
        case IR_FMIN: case IR_FMAX: case IR_FEQ: case IR_FLT: case IR_FLE:
            gen_cmp_inline(&e, op->opc);
            break;
        case IR_FCVT_W: case IR_FCVT_WU: case IR_FCVT_L: case IR_FCVT_LU:
            gen_to_int_inline(&e, op->opc, rm);
            break;
        case IR_FCVT_FW: case IR_FCVT_FWU: case IR_FCVT_FL: case IR_FCVT_FLU:
            gen_from_int_inline(&e, op->opc, rm);
            break;
        case IR_FCVT_FF:
            gen_cvt_ff_inline(&e, rm);
            break;
        default:
            ir_fatal_op("backend be_gen_fp", op->opc);
        }
        s->back_off = x86_off(&g->buf);
    }
    be_bind_out(g, d, e.rd);
    be_free_dead_inputs(g, n, 1);
    if (inl)            /* what lives on after the op, as the stub sees it */
        s->save = live_caller_saved(g, e.rd);
}
