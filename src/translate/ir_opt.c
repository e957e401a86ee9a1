/*
 * ir_opt.c — the IR optimiser: constant folding and dead-op removal.
 *
 * Both passes are local to basic blocks, which keeps them obviously right
 * under the temp rules of ir.h: NORMAL temps die at block ends; GLOBAL and
 * LOCAL temps are treated as always live (their values are observable
 * through env or across blocks).
 *
 * ir_fold() is also the reference semantics of the arithmetic ops: the
 * backend tests compare generated code against it.
 */
#include <stdbool.h>
#include <string.h>
#include "translate/ir.h"

static uint64_t mulhu64(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

static uint64_t mulh64(int64_t a, int64_t b)
{
    return (uint64_t)(((__int128)a * b) >> 64);
}

static uint64_t mulhsu64(int64_t a, uint64_t b)
{
    return (uint64_t)(((__int128)a * (unsigned __int128)b) >> 64);
}

bool ir_fold(enum ir_opc opc, enum ir_type type, uint64_t a, uint64_t b,
             uint64_t *out)
{
    bool w32 = type == IR_I32;
    unsigned sh = (unsigned)b & (w32 ? 31 : 63);
    uint64_t r;

    if (w32) {                       /* I32 ops read the low 32 bits */
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    int64_t sa = w32 ? (int32_t)a : (int64_t)a;
    int64_t sb = w32 ? (int32_t)b : (int64_t)b;
    int64_t smin = w32 ? INT32_MIN : INT64_MIN;

    if (!ir_op_has(opc, IR_OPF_FOLD))
        return false;
    switch (opc) {
    case IR_MOV:  r = a; break;
    case IR_ADD:  r = a + b; break;
    case IR_SUB:  r = a - b; break;
    case IR_AND:  r = a & b; break;
    case IR_OR:   r = a | b; break;
    case IR_XOR:  r = a ^ b; break;
    case IR_SHL:  r = a << sh; break;
    case IR_SHR:  r = a >> sh; break;
    case IR_SAR:  r = (uint64_t)(sa >> sh); break;
    case IR_MUL:  r = a * b; break;
    case IR_MULH:
        r = w32 ? (uint64_t)((sa * sb) >> 32) : mulh64(sa, sb);
        break;
    case IR_MULHU:
        r = w32 ? (a * b) >> 32 : mulhu64(a, b);
        break;
    case IR_MULHSU:
        r = w32 ? (uint64_t)((sa * (int64_t)b) >> 32) : mulhsu64(sa, b);
        break;
    case IR_DIV:
        if (sb == 0)
            r = ~0ull;
        else if (sa == smin && sb == -1)
            r = (uint64_t)sa;
        else
            r = (uint64_t)(sa / sb);
        break;
    case IR_DIVU: r = b == 0 ? ~0ull : a / b; break;
    case IR_REM:
        if (sb == 0)
            r = (uint64_t)sa;
        else if (sa == smin && sb == -1)
            r = 0;
        else
            r = (uint64_t)(sa % sb);
        break;
    case IR_REMU: r = b == 0 ? a : a % b; break;
    case IR_NEG:  r = -a; break;
    case IR_NOT:  r = ~a; break;
    case IR_EXT8S:  r = (uint64_t)(int64_t)(int8_t)a; break;
    case IR_EXT8U:  r = (uint8_t)a; break;
    case IR_EXT16S: r = (uint64_t)(int64_t)(int16_t)a; break;
    case IR_EXT16U: r = (uint16_t)a; break;
    case IR_EXT32S: r = (uint64_t)(int64_t)(int32_t)a; break;
    case IR_EXT32U: r = (uint32_t)a; break;
    default:   /* IR_OPF_FOLD set in ir_ops.def, but no case here */
        ir_fatal_op("ir_fold", opc);
    }
    /* I32 results are zero-extended, but OUT64 ops (EXT) write 64 bits. */
    if (w32 && !ir_op_has(opc, IR_OPF_OUT64))
        r = (uint32_t)r;
    *out = r;
    return true;
}

bool ir_cond_eval(enum ir_cond c, enum ir_type type, uint64_t a, uint64_t b)
{
    if (type == IR_I32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    int64_t sa = type == IR_I32 ? (int32_t)a : (int64_t)a;
    int64_t sb = type == IR_I32 ? (int32_t)b : (int64_t)b;
    switch (c) {
    case IR_EQ:  return a == b;
    case IR_NE:  return a != b;
    case IR_LT:  return sa < sb;
    case IR_GE:  return sa >= sb;
    case IR_LE:  return sa <= sb;
    case IR_GT:  return sa > sb;
    case IR_LTU: return a < b;
    case IR_GEU: return a >= b;
    case IR_LEU: return a <= b;
    case IR_GTU: return a > b;
    }
    return false;
}

/* Forward pass: NORMAL temps holding a known constant within the current
 * basic block; ops whose inputs are all known become MOV of a constant. */
static void fold_constants(struct ir_ctx *ctx)
{
    static _Thread_local uint64_t known_val[IR_MAX_TEMPS];
    static _Thread_local uint8_t known[IR_MAX_TEMPS];

    memset(known, 0, ctx->ntemps);
    for (unsigned i = 0; i < ctx->nops; i++) {
        struct ir_op *op = &ctx->ops[i];
        const struct ir_opdef *def = ir_def(op->opc);

        if (def->flags & IR_OPF_BB_END) {
            memset(known, 0, ctx->ntemps);
            continue;
        }
        /* An input's constant value, if known. */
#define KNOWN(t) (ctx->temps[t].kind == IR_TEMP_CONST || known[t])
#define VAL(t)   (ctx->temps[t].kind == IR_TEMP_CONST ? ctx->temps[t].val : known_val[t])
        uint64_t r;
        bool folded = false;
        if (op->opc == IR_SETCOND && KNOWN(op->args[1]) && KNOWN(op->args[2])) {
            r = ir_cond_eval(op->args[3], op->type, VAL(op->args[1]),
                             VAL(op->args[2]));
            folded = true;
        } else if ((def->flags & IR_OPF_FOLD) && KNOWN(op->args[1]) &&
                   (def->nins == 1 || KNOWN(op->args[2]))) {
            folded = ir_fold(op->opc, op->type, VAL(op->args[1]),
                             def->nins == 2 ? VAL(op->args[2]) : 0, &r);
        }
#undef KNOWN
#undef VAL
        /* Every written temp loses what we knew about it ... */
        if (def->nouts)
            known[op->args[0]] = 0;
        if (!folded || ctx->ntemps >= IR_MAX_TEMPS - 1)
            continue;
        /* ... and a folded one learns its value (NORMAL temps only: GLOBAL
         * and LOCAL values must still be written). */
        ir_temp d = (ir_temp)op->args[0];
        /* r is the destination's full 64-bit value (I32 results already
         * zero-extended), so the replacement is a 64-bit move. */
        ir_temp c = ir_const(ctx, IR_I64, r);
        op->opc = IR_MOV;
        op->type = IR_I64;
        op->args[1] = c;
        if (ctx->temps[d].kind == IR_TEMP_NORMAL) {
            known[d] = 1;
            known_val[d] = r;
        }
    }
}

/* Backward pass: ops without side effects whose only output is a NORMAL
 * temp not read later in its basic block become IR_NOP. */
static void remove_dead(struct ir_ctx *ctx)
{
    static _Thread_local uint8_t live[IR_MAX_TEMPS];

    memset(live, 0, ctx->ntemps);
    for (unsigned i = ctx->nops; i-- > 0;) {
        struct ir_op *op = &ctx->ops[i];
        const struct ir_opdef *def = ir_def(op->opc);

        if (def->flags & IR_OPF_BB_END) {
            memset(live, 0, ctx->ntemps);   /* NORMAL temps die here */
        } else if (def->nouts == 1 && !(def->flags & IR_OPF_SIDE_EFFECT)) {
            ir_temp d = (ir_temp)op->args[0];
            if (ctx->temps[d].kind == IR_TEMP_NORMAL && !live[d]) {
                op->opc = IR_NOP;
                continue;
            }
        }
        if (def->nouts == 1 && op->args[0])
            live[op->args[0]] = 0;
        for (unsigned j = 0; j < def->nins; j++)
            live[op->args[def->nouts + j]] = 1;
        if (def->shape == IR_SHAPE_CALL) {   /* inputs in ctx->calls */
            const struct ir_call_info *ci = &ctx->calls[op->args[1]];
            for (unsigned j = 0; j < ci->helper->nargs; j++)
                live[ci->args[j]] = 1;
        }
    }
}

void ir_optimize(struct ir_ctx *ctx)
{
    if (ctx->overflow)
        return;
    fold_constants(ctx);
    remove_dead(ctx);
}
