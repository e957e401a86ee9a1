/* ir_dump.c — the -d op listing: one line per op, temps by name. */
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

static void dump_op(const struct ir_ctx *ctx, const struct ir_op *op, FILE *f)
{
    const struct ir_opdef *def = &ir_opdefs[op->opc];
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
    switch (op->opc) {
    case IR_CALL: {
        const struct ir_call_info *ci = &ctx->calls[a[1]];
        if (a[0]) {
            put_temp(ctx, f, a[0]);
            fputs(" = ", f);
        }
        fprintf(f, "%s(", ci->name ? ci->name : "helper");
        for (unsigned i = 0; i < ci->nargs; i++) {
            if (i)
                fputc(',', f);
            put_temp(ctx, f, ci->args[i]);
        }
        fprintf(f, ") flags=%u\n", a[2]);
        return;
    }
    case IR_BR:
        fprintf(f, "L%u\n", a[0]);
        return;
    case IR_BRCOND:
        put_temp(ctx, f, a[0]);
        fprintf(f, ",");
        put_temp(ctx, f, a[1]);
        fprintf(f, ",%s,L%u\n", cond_names[a[2] % ARRAY_SIZE(cond_names)], a[3]);
        return;
    case IR_GOTO_TB: case IR_EXIT_TB: case IR_MB:
        fprintf(f, "%u\n", a[0]);
        return;
    default:
        break;
    }
    unsigned n = def->nouts + def->nins;
    for (unsigned i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        put_temp(ctx, f, a[i]);
    }
    for (unsigned i = 0; i < def->nconst; i++) {
        if (op->opc == IR_SETCOND || op->opc == IR_MOVCOND)
            fprintf(f, ",%s", cond_names[a[n + i] % ARRAY_SIZE(cond_names)]);
        else
            fprintf(f, ",%" PRId32, (int32_t)a[n + i]);
    }
    fputc('\n', f);
}

void ir_dump(const struct ir_ctx *ctx, struct _IO_FILE *f)
{
    for (unsigned i = 0; i < ctx->nops; i++)
        if (ctx->ops[i].opc != IR_NOP)
            dump_op(ctx, &ctx->ops[i], f);
}
