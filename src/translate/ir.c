/*
 * ir.c — building the IR: temps, labels, and one emitter per opcode.
 *
 * Everything here works on a caller-owned struct ir_ctx (one per vCPU
 * thread, DESIGN.md §4.1); there is no global mutable state.  Limits are
 * soft: when an op, temp, label or call table is full, ctx->overflow is set
 * and further emission is dropped, and the translator loop cuts the TB
 * short and retranslates it with fewer guest instructions.
 */
#include "translate/ir.h"

#include <string.h>

/* Operand shapes.  CALL's inputs live in ctx->calls[args[1]].args. */
#define D(n, o, i, c, f) { n, o, i, c, f }
const struct ir_opdef ir_opdefs[IR_OPC_COUNT] = {
    [IR_MOV]      = D("mov", 1, 1, 0, 0),
    [IR_LD_ENV]   = D("ld_env", 1, 0, 2, 0),
    [IR_ST_ENV]   = D("st_env", 0, 1, 2, IR_OPF_SIDE_EFFECT),
    [IR_ADD]      = D("add", 1, 2, 0, 0),
    [IR_SUB]      = D("sub", 1, 2, 0, 0),
    [IR_AND]      = D("and", 1, 2, 0, 0),
    [IR_OR]       = D("or", 1, 2, 0, 0),
    [IR_XOR]      = D("xor", 1, 2, 0, 0),
    [IR_SHL]      = D("shl", 1, 2, 0, 0),
    [IR_SHR]      = D("shr", 1, 2, 0, 0),
    [IR_SAR]      = D("sar", 1, 2, 0, 0),
    [IR_MUL]      = D("mul", 1, 2, 0, 0),
    [IR_MULH]     = D("mulh", 1, 2, 0, 0),
    [IR_MULHU]    = D("mulhu", 1, 2, 0, 0),
    [IR_MULHSU]   = D("mulhsu", 1, 2, 0, 0),
    [IR_DIV]      = D("div", 1, 2, 0, 0),
    [IR_DIVU]     = D("divu", 1, 2, 0, 0),
    [IR_REM]      = D("rem", 1, 2, 0, 0),
    [IR_REMU]     = D("remu", 1, 2, 0, 0),
    [IR_NEG]      = D("neg", 1, 1, 0, 0),
    [IR_NOT]      = D("not", 1, 1, 0, 0),
    [IR_EXT8S]    = D("ext8s", 1, 1, 0, 0),
    [IR_EXT8U]    = D("ext8u", 1, 1, 0, 0),
    [IR_EXT16S]   = D("ext16s", 1, 1, 0, 0),
    [IR_EXT16U]   = D("ext16u", 1, 1, 0, 0),
    [IR_EXT32S]   = D("ext32s", 1, 1, 0, 0),
    [IR_EXT32U]   = D("ext32u", 1, 1, 0, 0),
    [IR_SETCOND]  = D("setcond", 1, 2, 1, 0),
    [IR_MOVCOND]  = D("movcond", 1, 4, 1, 0),
    [IR_LABEL]    = D("label", 0, 0, 1, IR_OPF_BB_END | IR_OPF_LABEL_ARG | IR_OPF_SIDE_EFFECT),
    [IR_BR]       = D("br", 0, 0, 1, IR_OPF_BB_END | IR_OPF_LABEL_ARG | IR_OPF_SIDE_EFFECT),
    [IR_BRCOND]   = D("brcond", 0, 2, 2, IR_OPF_BB_END | IR_OPF_LABEL_ARG | IR_OPF_SIDE_EFFECT),
    [IR_QLD]      = D("qld", 1, 1, 2, IR_OPF_SIDE_EFFECT),
    [IR_QST]      = D("qst", 0, 2, 2, IR_OPF_SIDE_EFFECT),
    [IR_MB]       = D("mb", 0, 0, 1, IR_OPF_SIDE_EFFECT),
    [IR_CALL]     = D("call", 1, 0, 2, IR_OPF_SIDE_EFFECT),
    [IR_INSN_START] = D("insn_start", 0, 0, 4, IR_OPF_SIDE_EFFECT),
    [IR_GOTO_TB]  = D("goto_tb", 0, 0, 1, IR_OPF_BB_END | IR_OPF_SIDE_EFFECT),
    [IR_EXIT_TB]  = D("exit_tb", 0, 0, 1, IR_OPF_BB_END | IR_OPF_SIDE_EFFECT),
    [IR_GOTO_PTR] = D("goto_ptr", 0, 1, 0, IR_OPF_BB_END | IR_OPF_SIDE_EFFECT),
    [IR_NOP]      = D("nop", 0, 0, 0, 0),
};
#undef D

const char *ir_opc_name(enum ir_opc opc)
{
    return opc < IR_OPC_COUNT ? ir_opdefs[opc].name : "?";
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
    assert(opc >= IR_ADD && opc <= IR_REMU);
    EMIT(ctx, opc, t, d, a, b);
}

void ir_unop(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type t,
             ir_temp d, ir_temp a)
{
    assert(opc >= IR_NEG && opc <= IR_EXT32U);
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

void ir_call(struct ir_ctx *ctx, void *fn, const char *name, unsigned flags,
             ir_temp ret, enum ir_type ret_type, unsigned nargs,
             const ir_temp *args)
{
    assert(nargs <= IR_MAX_CALL_ARGS);
    if (ctx->ncalls >= IR_MAX_CALLS) {
        ctx->overflow = true;
        return;
    }
    unsigned idx = ctx->ncalls++;
    struct ir_call_info *ci = &ctx->calls[idx];
    ci->fn = fn;
    ci->name = name;
    ci->nargs = (uint8_t)nargs;
    ci->ret_type = (uint8_t)ret_type;
    for (unsigned i = 0; i < nargs; i++)
        ci->args[i] = args[i];
    EMIT(ctx, IR_CALL, ret_type, ret, idx, flags);
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
