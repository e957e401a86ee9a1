/*
 * ir.c — building the IR: the op table (ir_opdefs, generated from
 * ir_ops.def and checked at build time), temps, labels, and the emitters.
 *
 * Everything here works on a caller-owned struct ir_ctx (one per vCPU
 * thread, DESIGN.md §4.1); there is no global mutable state.  Limits are
 * soft: when an op, temp, label or call table is full, ctx->overflow is set
 * and further emission is dropped, and the translator loop cuts the TB
 * short and retranslates it with fewer guest instructions.
 */
#include "translate/ir.h"

#include <string.h>
#include "util/error.h"

/* Each shape's columns as constants, so that the op table below can copy
 * them (an array element is not a constant expression). */
enum {
#define IR_SHAPE(id, outs, ins, imms, cond, label)                          \
    SH_##id##_OUTS = outs, SH_##id##_INS = ins, SH_##id##_IMMS = imms,       \
    SH_##id##_COND = cond, SH_##id##_LABEL = label,
#include "translate/ir_ops.def"
};

const struct ir_opdef ir_opdefs[IR_OPC_COUNT] = {
#define IR_OP(op, nm, sh, fl)                                              \
    [IR_##op] = { .name = #nm, .shape = IR_SHAPE_##sh,                      \
                  .nouts = SH_##sh##_OUTS, .nins = SH_##sh##_INS,           \
                  .nconst = SH_##sh##_IMMS, .cond_arg = SH_##sh##_COND,     \
                  .label_arg = SH_##sh##_LABEL, .flags = (fl) },
#include "translate/ir_ops.def"
};

/* The table's own rules, checked at build time. */
#define IR_SHAPE(id, outs, ins, imms, cond, label)                          \
    _Static_assert((outs) + (ins) + (imms) <= IR_MAX_ARGS &&                 \
                   ((cond) < 0 || ((cond) >= (outs) + (ins) &&               \
                                   (cond) < (outs) + (ins) + (imms))) &&     \
                   ((label) < 0 || ((label) >= (outs) + (ins) &&             \
                                    (label) < (outs) + (ins) + (imms))),     \
                   "shape " #id ": args out of range, or a cond/label arg "  \
                   "that is not an immediate");
#define IR_OP(op, nm, shape, fl)                                           \
    _Static_assert(!((fl) & IR_OPF_FOLD) || IR_SHAPE_##shape == IR_SHAPE_O1_I1 \
                   || IR_SHAPE_##shape == IR_SHAPE_O1_I2,                    \
                   #op ": only O1_I1 / O1_I2 ops fold");                     \
    _Static_assert(!((fl) & IR_OPF_COMMUTATIVE) ||                           \
                   IR_SHAPE_##shape == IR_SHAPE_O1_I2,                       \
                   #op ": only O1_I2 ops commute");                          \
    _Static_assert(!((fl) & IR_OPF_OUT64) || SH_##shape##_OUTS == 1,         \
                   #op ": OUT64 without an output");
#include "translate/ir_ops.def"

void ir_fatal_op(const char *where, unsigned opc)
{
    if (opc < IR_OPC_COUNT)
        loom_fatal("%s: no case for IR op %s (%u)", where,
                   ir_opdefs[opc].name, opc);
    loom_fatal("%s: unknown IR op %u", where, opc);
}

const char *ir_opc_name(enum ir_opc opc)
{
    return (unsigned)opc < IR_OPC_COUNT ? ir_opdefs[opc].name : "?";
}

void ir_ctx_init(struct ir_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    /* temp 0 is the invalid temp; temp 1 is ENV, always present */
    ctx->temps[1] = (struct ir_temp_info){ .kind = IR_TEMP_ENV,
                                           .type = IR_I64, .name = "env" };
    ctx->nglobals = 1;
    ctx->ntemps = 2;
    ctx->nlabels = 1;
}

void ir_reset(struct ir_ctx *ctx)
{
    ctx->nops = 0;
    ctx->ntemps = ctx->nglobals + 1;
    ctx->nlabels = 1;
    ctx->ncalls = 0;
    ctx->ninsns = 0;
    ctx->overflow = false;
}

ir_temp ir_env(struct ir_ctx *ctx)
{
    (void)ctx;
    return 1;
}

ir_temp ir_global(struct ir_ctx *ctx, enum ir_type type, int32_t env_offset,
                  const char *name)
{
    /* Globals are registered before any per-TB temp exists. */
    assert(ctx->ntemps == ctx->nglobals + 1 && ctx->nops == 0);
    assert(ctx->nglobals + 1 < IR_MAX_GLOBALS);
    ir_temp t = (ir_temp)++ctx->nglobals;
    ctx->temps[t] = (struct ir_temp_info){ .kind = IR_TEMP_GLOBAL,
        .type = (uint8_t)type, .env_offset = env_offset, .name = name };
    ctx->ntemps = ctx->nglobals + 1;
    return t;
}

static ir_temp temp_alloc(struct ir_ctx *ctx, enum ir_temp_kind kind,
                          enum ir_type type, uint64_t val)
{
    if (ctx->ntemps >= IR_MAX_TEMPS) {
        ctx->overflow = true;
        return (ir_temp)(IR_MAX_TEMPS - 1);  /* harmless: TB is discarded */
    }
    ir_temp t = (ir_temp)ctx->ntemps++;
    ctx->temps[t] = (struct ir_temp_info){ .kind = (uint8_t)kind,
                                           .type = (uint8_t)type, .val = val };
    return t;
}

ir_temp ir_temp_new(struct ir_ctx *ctx, enum ir_type type)
{
    return temp_alloc(ctx, IR_TEMP_NORMAL, type, 0);
}

ir_temp ir_temp_local(struct ir_ctx *ctx, enum ir_type type)
{
    return temp_alloc(ctx, IR_TEMP_LOCAL, type, 0);
}

ir_temp ir_const(struct ir_ctx *ctx, enum ir_type type, uint64_t val)
{
    if (type == IR_I32)
        val = (uint32_t)val;
    return temp_alloc(ctx, IR_TEMP_CONST, type, val);
}

ir_label ir_label_new(struct ir_ctx *ctx)
{
    if (ctx->nlabels >= IR_MAX_LABELS) {
        ctx->overflow = true;
        return (ir_label)(IR_MAX_LABELS - 1);
    }
    return (ir_label)ctx->nlabels++;
}

void ir_emit(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type type,
             unsigned nargs, const uint32_t *args)
{
    const struct ir_opdef *def = ir_def(opc);
    assert(nargs == (unsigned)def->nouts + def->nins + def->nconst);
    (void)def;
    if (ctx->nops >= IR_MAX_OPS || ctx->overflow) {
        ctx->overflow = true;
        return;
    }
    struct ir_op *op = &ctx->ops[ctx->nops++];
    op->opc = (uint8_t)opc;
    op->type = (uint8_t)type;
    memset(op->args, 0, sizeof(op->args));
    memcpy(op->args, args, nargs * sizeof(args[0]));
}

#define EMIT(ctx, opc, type, ...) do {                                     \
        const uint32_t a_[] = { __VA_ARGS__ };                             \
        ir_emit(ctx, opc, type, ARRAY_SIZE(a_), a_);                       \
    } while (0)

void ir_mov(struct ir_ctx *ctx, enum ir_type t, ir_temp d, ir_temp s)
{
    EMIT(ctx, IR_MOV, t, d, s);
}

void ir_binop(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type t,
              ir_temp d, ir_temp a, ir_temp b)
{
    assert(ir_def(opc)->shape == IR_SHAPE_O1_I2);
    EMIT(ctx, opc, t, d, a, b);
}

void ir_unop(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type t,
             ir_temp d, ir_temp a)
{
    assert(ir_def(opc)->shape == IR_SHAPE_O1_I1);
    EMIT(ctx, opc, t, d, a);
}

void ir_ld_env(struct ir_ctx *ctx, enum ir_type t, ir_temp d,
               enum ir_memop mo, int32_t offset)
{
    EMIT(ctx, IR_LD_ENV, t, d, mo, (uint32_t)offset);
}

void ir_st_env(struct ir_ctx *ctx, ir_temp s, enum ir_memop mo,
               int32_t offset)
{
    EMIT(ctx, IR_ST_ENV, (mo & IR_MO_SIZE) == IR_MO_64 ? IR_I64 : IR_I32,
         s, mo, (uint32_t)offset);
}

unsigned ir_add_env(struct ir_ctx *ctx, enum ir_type t, int32_t offset,
                    int32_t addend)
{
    unsigned idx = ctx->nops;
    EMIT(ctx, IR_ADD_ENV, t, (uint32_t)offset, (uint32_t)addend);
    return ctx->overflow ? IR_MAX_OPS : idx;
}

void ir_setcond(struct ir_ctx *ctx, enum ir_type t, enum ir_cond c,
                ir_temp d, ir_temp a, ir_temp b)
{
    EMIT(ctx, IR_SETCOND, t, d, a, b, c);
}

void ir_movcond(struct ir_ctx *ctx, enum ir_type t, enum ir_cond c,
                ir_temp d, ir_temp a, ir_temp b, ir_temp vtrue,
                ir_temp vfalse)
{
    EMIT(ctx, IR_MOVCOND, t, d, a, b, vtrue, vfalse, c);
}

void ir_set_label(struct ir_ctx *ctx, ir_label l)
{
    EMIT(ctx, IR_LABEL, IR_I64, l);
}

void ir_br(struct ir_ctx *ctx, ir_label l)
{
    EMIT(ctx, IR_BR, IR_I64, l);
}

void ir_brcond(struct ir_ctx *ctx, enum ir_type t, enum ir_cond c,
               ir_temp a, ir_temp b, ir_label l)
{
    EMIT(ctx, IR_BRCOND, t, a, b, c, l);
}

void ir_qld(struct ir_ctx *ctx, enum ir_type t, ir_temp d, ir_temp addr,
            enum ir_memop mo, unsigned mmu_idx)
{
    EMIT(ctx, IR_QLD, t, d, addr, mo, mmu_idx);
}

void ir_qst(struct ir_ctx *ctx, ir_temp val, ir_temp addr,
            enum ir_memop mo, unsigned mmu_idx)
{
    EMIT(ctx, IR_QST, (mo & IR_MO_SIZE) == IR_MO_64 ? IR_I64 : IR_I32,
         val, addr, mo, mmu_idx);
}

void ir_mb(struct ir_ctx *ctx, enum ir_mb kinds)
{
    EMIT(ctx, IR_MB, IR_I64, kinds);
}

void ir_call_helper_n(struct ir_ctx *ctx, const struct ir_helper *h,
                      ir_temp ret, unsigned nargs, const ir_temp *args)
{
    /* Mistakes here would be silently wrong code: always checked. */
    if (nargs != h->nargs || nargs > IR_MAX_CALL_ARGS)
        loom_fatal("IR: helper %s takes %u arguments, called with %u",
                   h->name, h->nargs, nargs);
    if (!h->fn)
        loom_fatal("IR: helper %s has no function bound", h->name);
    if (ret && h->ret == IR_HT_VOID)
        loom_fatal("IR: void helper %s given a result temp", h->name);
    for (unsigned i = 0; i < nargs; i++)
        if ((h->args[i] == IR_HT_ENV) != (args[i] == ir_env(ctx)))
            loom_fatal("IR: helper %s argument %u: env %s", h->name, i,
                       h->args[i] == IR_HT_ENV ? "expected" : "unexpected");
    if (ctx->ncalls >= IR_MAX_CALLS) {
        ctx->overflow = true;
        return;
    }
    unsigned idx = ctx->ncalls++;
    struct ir_call_info *ci = &ctx->calls[idx];
    ci->helper = h;
    for (unsigned i = 0; i < nargs; i++)
        ci->args[i] = args[i];
    EMIT(ctx, IR_CALL, h->ret == IR_HT_I32 ? IR_I32 : IR_I64, ret, idx);
}

void ir_fp(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type fmt, ir_temp d,
           unsigned n, const ir_temp *a, enum ir_frm rm, uint32_t desc)
{
    const struct ir_opdef *def = ir_def(opc);
    uint32_t args[IR_MAX_ARGS];
    /* only the FP shapes; the fallback must be registered */
    if ((def->shape != IR_SHAPE_FP1 && def->shape != IR_SHAPE_FP2 &&
         def->shape != IR_SHAPE_FP3) || def->nins != n || !ctx->fp)
        ir_fatal_op("ir_fp", opc);
    args[0] = d;
    for (unsigned i = 0; i < n; i++)
        args[1 + i] = a[i];
    args[1 + n] = rm;
    args[2 + n] = desc;
    ir_emit(ctx, opc, fmt, 3 + n, args);
}

void ir_insn_start(struct ir_ctx *ctx, uint64_t word0, uint64_t word1)
{
    EMIT(ctx, IR_INSN_START, IR_I64, (uint32_t)word0, (uint32_t)(word0 >> 32),
         (uint32_t)word1, (uint32_t)(word1 >> 32));
    if (!ctx->overflow)
        ctx->ninsns++;
}

void ir_goto_tb(struct ir_ctx *ctx, unsigned slot)
{
    assert(slot < 2);
    EMIT(ctx, IR_GOTO_TB, IR_I64, slot);
}

void ir_exit_tb(struct ir_ctx *ctx, enum ir_exit code)
{
    EMIT(ctx, IR_EXIT_TB, IR_I64, code);
}

void ir_goto_ptr(struct ir_ctx *ctx, ir_temp host_addr)
{
    EMIT(ctx, IR_GOTO_PTR, IR_I64, host_addr);
}
