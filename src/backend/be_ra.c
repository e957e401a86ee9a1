/*
 * be_ra.c — the register allocator of the code generator: temp homes
 * (env fields, frame slots, immediates), the host register file, syncing
 * at basic-block ends, and the liveness pass that frees registers at a
 * temp's last use.  Model and conventions: be_gen.h, docs/backend.md.
 *
 * Thread context: the calling thread's struct be_gen only.
 */
#include "backend/be_gen.h"

#include <errno.h>
#include <string.h>
#include "util/error.h"

/* Allocation order: registers no op needs as fixed operands come first
 * (rax/rcx/rdx are taken by mul/div/shift), caller-saved before
 * callee-saved. */
static const int8_t be_order[] = {
    X86_RSI, X86_RDI, X86_R8, X86_R9, X86_R10, X86_RBX, X86_RBP, X86_R12,
    X86_R13, X86_R15, X86_RAX, X86_RCX, X86_RDX,
};

bool be_tracked(struct be_gen *g, ir_temp t)
{
    unsigned k = be_ti(g, t)->kind;
    return k == IR_TEMP_NORMAL || k == IR_TEMP_CONST;
}

/* ---- homes: where a temp lives when not in a register ------------------- */

static int slot_of(struct be_gen *g, ir_temp t)
{
    struct be_ts *ts = &g->ts[t];
    if (ts->slot < 0) {
        if (g->nslots >= BE_FRAME_SLOTS) {
            g->err = -E2BIG;
            return 0;
        }
        ts->slot = (int16_t)g->nslots++;
    }
    return ts->slot;
}

static void home_store(struct be_gen *g, ir_temp t, int r)
{
    const struct ir_temp_info *ti = be_ti(g, t);
    if (ti->kind == IR_TEMP_GLOBAL)
        x86_store(&g->buf, ti->type == IR_I64 ? 3 : 2, r, BE_ENV_REG,
                  X86_NOREG, ti->env_offset);
    else
        x86_store(&g->buf, 3, r, X86_RSP, X86_NOREG, slot_of(g, t) * 8);
}

void be_home_load(struct be_gen *g, ir_temp t, int r)
{
    const struct ir_temp_info *ti = be_ti(g, t);
    switch (ti->kind) {
    case IR_TEMP_GLOBAL:
        x86_load(&g->buf, ti->type == IR_I64 ? 3 : 2, false, true, r,
                 BE_ENV_REG, X86_NOREG, ti->env_offset);
        break;
    case IR_TEMP_CONST:
        x86_mov_ri(&g->buf, r, ti->val);
        break;
    case IR_TEMP_ENV:
        x86_mov_rr(&g->buf, true, r, BE_ENV_REG);
        break;
    default:
        x86_load(&g->buf, 3, false, true, r, X86_RSP, X86_NOREG,
                 slot_of(g, t) * 8);
        break;
    }
}

/* Copy t's value into r without binding r to t. */
void be_load_into(struct be_gen *g, int r, ir_temp t)
{
    int cur = g->ts[t].reg;
    if (cur >= 0) {
        if (cur != r)
            x86_mov_rr(&g->buf, true, r, cur);
    } else {
        be_home_load(g, t, r);
    }
}

/* ---- register file ----------------------------------------------------- */

void be_lock(struct be_gen *g, int r) { g->locked |= (uint16_t)(1u << r); }

void be_reg_unbind(struct be_gen *g, int r)
{
    ir_temp t = g->reg_temp[r];
    if (t) {
        g->ts[t].reg = -1;
        g->reg_temp[r] = 0;
    }
}

void be_reg_spill(struct be_gen *g, int r)
{
    ir_temp t = g->reg_temp[r];
    if (!t)
        return;
    if (!g->ts[t].mem_ok && be_ti(g, t)->kind != IR_TEMP_CONST) {
        home_store(g, t, r);
        g->ts[t].mem_ok = true;
    }
    be_reg_unbind(g, r);
}

void be_reg_bind(struct be_gen *g, ir_temp t, int r)
{
    g->ts[t].reg = (int8_t)r;
    g->reg_temp[r] = t;
}

int be_find_free(struct be_gen *g, uint16_t mask)
{
    mask &= BE_ALLOCATABLE & ~g->locked;
    for (unsigned i = 0; i < ARRAY_SIZE(be_order); i++) {
        int r = be_order[i];
        if ((mask >> r & 1) && !g->reg_temp[r])
            return r;
    }
    return -1;
}

int be_reg_alloc(struct be_gen *g, uint16_t mask)
{
    int r = be_find_free(g, mask);
    if (r < 0) {
        /* Evict: prefer a value whose home is up to date (no store). */
        mask &= BE_ALLOCATABLE & ~g->locked;
        for (unsigned i = 0; i < ARRAY_SIZE(be_order) && r < 0; i++) {
            int c = be_order[i];
            if ((mask >> c & 1) && g->ts[g->reg_temp[c]].mem_ok)
                r = c;
        }
        for (unsigned i = 0; i < ARRAY_SIZE(be_order) && r < 0; i++)
            if (mask >> be_order[i] & 1)
                r = be_order[i];
        if (r < 0)
            loom_fatal("backend: out of host registers in one op");
        be_reg_spill(g, r);
    }
    be_lock(g, r);
    return r;
}

/* Move the temp bound to r into a free register of `mask`, or spill it
 * to its home when none is free; r ends up unbound. */
void be_reg_move_out(struct be_gen *g, int r, uint16_t mask)
{
    ir_temp t = g->reg_temp[r];
    int n = be_find_free(g, mask);
    if (n >= 0) {
        x86_mov_rr(&g->buf, true, n, r);
        g->reg_temp[r] = 0;
        be_reg_bind(g, t, n);
    } else {
        be_reg_spill(g, r);
    }
}

/* Make r free (moving its value to another free register or its home) and
 * lock it: for ops with fixed register operands. */
void be_reg_evict(struct be_gen *g, int r)
{
    be_lock(g, r);
    if (g->reg_temp[r])
        be_reg_move_out(g, r, BE_ALLOCATABLE);
}

int be_in_reg(struct be_gen *g, ir_temp t)
{
    if (be_ti(g, t)->kind == IR_TEMP_ENV)
        return BE_ENV_REG;
    int r = g->ts[t].reg;
    if (r < 0) {
        r = be_reg_alloc(g, BE_ALLOCATABLE);
        be_home_load(g, t, r);
        be_reg_bind(g, t, r);
        g->ts[t].mem_ok = true;
    }
    be_lock(g, r);
    return r;
}

int be_out_reg(struct be_gen *g, ir_temp t)
{
    int r = g->ts[t].reg;
    if (r >= 0 && !(g->locked >> r & 1)) {
        be_lock(g, r);
        return r;
    }
    return be_reg_alloc(g, BE_ALLOCATABLE);
}

void be_bind_out(struct be_gen *g, ir_temp t, int r)
{
    /* An I32 global caches the value its 4-byte home will hold, so a
     * 64-bit result (I64 op, or IR_OPF_OUT64: EXT, helper) written to it
     * is truncated. */
    const struct ir_temp_info *ti = be_ti(g, t);
    if (ti->kind == IR_TEMP_GLOBAL && ti->type == IR_I32 &&
        (g->op->type == IR_I64 || ir_op_has(g->op->opc, IR_OPF_OUT64)))
        x86_mov_rr(&g->buf, false, r, r);
    if (g->reg_temp[r] != t)
        be_reg_unbind(g, r);
    if (g->ts[t].reg >= 0 && g->ts[t].reg != r)
        g->reg_temp[g->ts[t].reg] = 0;
    be_reg_bind(g, t, r);
    g->ts[t].mem_ok = false;
    be_lock(g, r);
}

/* Free the registers of inputs args[first..first+n) whose value dies here
 * (never the output's: `t = t + 1` kills only the old value). */
void be_free_dead_inputs(struct be_gen *g, unsigned n, unsigned first)
{
    const struct ir_op *op = g->op;
    for (unsigned i = first; i < first + n; i++) {
        ir_temp t = (ir_temp)op->args[i];
        if (!be_arg_dead(g, i) || (first == 1 && t == op->args[0]))
            continue;
        int r = g->ts[t].reg;
        if (r >= 0 && r != BE_ENV_REG && g->reg_temp[r] == t)
            be_reg_unbind(g, r);
    }
    if ((g->dead & BE_DEAD_OUT) && first == 1 && be_tracked(g, op->args[0])) {
        int r = g->ts[op->args[0]].reg;
        if (r >= 0)
            be_reg_unbind(g, r);
    }
}

void be_sync_globals(struct be_gen *g)
{
    for (int r = 0; r < 16; r++) {
        ir_temp t = g->reg_temp[r];
        if (t && !g->ts[t].mem_ok && be_ti(g, t)->kind == IR_TEMP_GLOBAL) {
            home_store(g, t, r);
            g->ts[t].mem_ok = true;
        }
    }
}

/* End of a basic block: globals and locals to their homes. */
void be_sync_all(struct be_gen *g)
{
    for (int r = 0; r < 16; r++) {
        ir_temp t = g->reg_temp[r];
        unsigned k = t ? be_ti(g, t)->kind : 0;
        if (t && !g->ts[t].mem_ok &&
            (k == IR_TEMP_GLOBAL || k == IR_TEMP_LOCAL)) {
            home_store(g, t, r);
            g->ts[t].mem_ok = true;
        }
    }
}

/* Drop register copies: all of them (label: other predecessors), or only
 * NORMAL temps (fall-through of a branch keeps the synced caches). */
void be_drop_regs(struct be_gen *g, bool normals_only)
{
    for (int r = 0; r < 16; r++) {
        ir_temp t = g->reg_temp[r];
        if (t && (!normals_only || be_ti(g, t)->kind == IR_TEMP_NORMAL))
            be_reg_unbind(g, r);
    }
}

/* ---- liveness ------------------------------------------------------------ */

/* Backward pass: live[t] == epoch means t (NORMAL or CONST) is read later
 * in the current basic block; a BB end starts a new epoch (all dead). */
void be_liveness(struct be_gen *g)
{
    struct ir_ctx *ir = g->ir;
    uint32_t epoch = 1;
    memset(g->live, 0, ir->ntemps * sizeof(g->live[0]));
    for (unsigned i = ir->nops; i-- > 0;) {
        const struct ir_op *op = &ir->ops[i];
        const struct ir_opdef *def = ir_def(op->opc);   /* the op's shape */
        unsigned first_in = def->nouts;
        uint16_t mask = 0;
        if (def->flags & IR_OPF_BB_END)
            epoch++;
        if (def->nouts && op->args[0]) {   /* a CALL's result may be 0 */
            ir_temp t = (ir_temp)op->args[0];
            if (be_tracked(g, t) && g->live[t] != epoch)
                mask |= BE_DEAD_OUT;
            g->live[t] = 0;
        }
        for (unsigned j = first_in; j < first_in + def->nins; j++) {
            ir_temp t = (ir_temp)op->args[j];
            if (be_tracked(g, t) && g->live[t] != epoch) {
                mask |= (uint16_t)(1u << j);
                g->live[t] = epoch;
            }
        }
        if (def->shape == IR_SHAPE_CALL) {   /* inputs in ir->calls */
            const struct ir_call_info *ci = &ir->calls[op->args[1]];
            for (unsigned j = 0; j < ci->helper->nargs; j++) {
                ir_temp t = ci->args[j];
                if (be_tracked(g, t) && g->live[t] != epoch) {
                    mask |= (uint16_t)(1u << (8 + j));
                    g->live[t] = epoch;
                }
            }
        }
        g->dead_mask[i] = mask;
    }
}

