/* ir_dump.c — the -d op listing: one line per op, temps by name, laid out
 * by the op's shape (ir_ops.def): temps, then immediates, a condition by
 * name and a label as Ln. */
#include <inttypes.h>
#include <stdio.h>
#include "translate/ir.h"

static const char *const cond_names[] = {
    "eq", "ne", "lt", "ge", "le", "gt", "ltu", "geu", "leu", "gtu",
};

static void put_temp(const struct ir_ctx *ctx, FILE *f, unsigned t)
{
    if (t == 0 || t >= ctx->ntemps) {
        fprintf(f, "?%u", t);
        return;
    }
    const struct ir_temp_info *ti = &ctx->temps[t];
    switch (ti->kind) {
    case IR_TEMP_GLOBAL: fprintf(f, "%s", ti->name ? ti->name : "g"); break;
    case IR_TEMP_ENV:    fprintf(f, "env"); break;
    case IR_TEMP_CONST:  fprintf(f, "$0x%" PRIx64, ti->val); break;
    case IR_TEMP_LOCAL:  fprintf(f, "loc%u", t); break;
    default:             fprintf(f, "tmp%u", t); break;
    }
}

static void dump_call(const struct ir_ctx *ctx, const struct ir_op *op,
                      FILE *f)
{
    const struct ir_call_info *ci = &ctx->calls[op->args[1]];
    const struct ir_helper *h = ci->helper;
    if (op->args[0]) {
        put_temp(ctx, f, op->args[0]);
        fputs(" = ", f);
    }
    fprintf(f, "%s(", h->name ? h->name : "helper");
    for (unsigned i = 0; i < h->nargs; i++) {
        if (i)
            fputc(',', f);
        put_temp(ctx, f, ci->args[i]);
    }
    fprintf(f, ") flags=%u\n", h->flags);
}

static void dump_op(const struct ir_ctx *ctx, const struct ir_op *op, FILE *f)
{
    const struct ir_opdef *def = ir_def(op->opc);
    const uint32_t *a = op->args;

    if (op->opc == IR_INSN_START) {
        fprintf(f, " ---- %016" PRIx64 " %08" PRIx64 "\n",
                (uint64_t)a[0] | (uint64_t)a[1] << 32,
                (uint64_t)a[2] | (uint64_t)a[3] << 32);
        return;
    }
    if (op->opc == IR_LABEL) {
        fprintf(f, " L%u:\n", a[0]);
        return;
    }
    fprintf(f, " %s%s ", def->name, op->type == IR_I32 ? "_i32" : "");
    if (def->shape == IR_SHAPE_CALL) {
        dump_call(ctx, op, f);
        return;
    }
    unsigned n = def->nouts + def->nins;
    /* FP ops: the rounding mode by name, the fallback descriptor in hex */
    bool fp = def->shape == IR_SHAPE_FP1 || def->shape == IR_SHAPE_FP2 ||
              def->shape == IR_SHAPE_FP3;
    static const char *const frm_names[] = { "rne", "rtz", "rdn", "rup",
                                             "other" };
    for (unsigned i = 0; i < n + def->nconst; i++) {
        if (i)
            fputc(',', f);
        if (i < n)
            put_temp(ctx, f, a[i]);
        else if (fp && i == n)
            fputs(frm_names[a[i] % ARRAY_SIZE(frm_names)], f);
        else if (fp)
            fprintf(f, "desc=0x%" PRIx32, a[i]);
        else if ((int)i == def->cond_arg)
            fputs(cond_names[a[i] % ARRAY_SIZE(cond_names)], f);
        else if ((int)i == def->label_arg)
            fprintf(f, "L%u", a[i]);
        else
            fprintf(f, "%" PRId32, (int32_t)a[i]);
    }
    fputc('\n', f);
}

void ir_dump(const struct ir_ctx *ctx, struct _IO_FILE *f)
{
    for (unsigned i = 0; i < ctx->nops; i++)
        if (ctx->ops[i].opc != IR_NOP)
            dump_op(ctx, &ctx->ops[i], f);
}
