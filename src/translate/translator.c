/*
 * translator.c — the generic translator loop (see translator.h).
 *
 * Every TB starts with the exit-flag check (DESIGN.md §4.11): a 32-bit load
 * of the env exit flag and a branch to an IR_EXIT_REQUESTED exit placed at
 * the end of the TB.  This is how kicks, IPIs, async work and exclusive
 * sections get a vCPU out of chained TBs: a chained jump always lands on a
 * TB entry, so no loop of linked TBs can run without passing a check.
 *
 * Right after the check the TB adds its guest instruction count to the
 * CPU's 64-bit instruction counter (IR_ADD_ENV, one `add [env+off], n`).
 * Counting at the entry, not at each exit, is what makes every way in
 * count: the exec loop, a patched goto_tb, goto_ptr's lookup, and any later
 * inline probe all jump to the TB's first host instruction.  The count is
 * exact at every TB boundary; code that leaves a TB mid-way (an exception,
 * a store that invalidated its own TB) subtracts the instructions that did
 * not retire, found from the insn records (tr_unwind's index and count).
 */
#include "translate/translator.h"

#include "translate/ir_helper.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"

struct tr_runtime tr_runtime;

/* Not const: its fn is bound at start-up (translator.h). */
static struct ir_helper lookup_tb_ptr_info =
    IR_HELPER_INIT(NULL, "lookup_tb_ptr", IR_CALL_READ_ONLY, ptr, env);
const struct ir_helper *const tr_helper_lookup_tb_ptr = &lookup_tb_ptr_info;

void tr_set_lookup_tb_ptr(const void *(*fn)(void *env))
{
    lookup_tb_ptr_info.fn = (void *)fn;
}

static enum tr_fp_mode fp_mode;
static pthread_once_t fp_mode_once = PTHREAD_ONCE_INIT;

static void fp_mode_init(void)
{
    static const char *const names[] = {
        [TR_FP_JIT] = "jit", [TR_FP_FALLBACK] = "fallback",
        [TR_FP_NOFMA] = "nofma", [TR_FP_HELPER] = "helper",
    };
    const char *v = getenv("LOOM_FP");
    if (!v || !*v)
        return;
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(v, names[i])) {
            fp_mode = (enum tr_fp_mode)i;
            return;
        }
    loom_user_error("LOOM_FP=%s: expected jit, fallback, nofma or helper", v);
}

/* pthread_once orders the write of fp_mode before every reader's return. */
enum tr_fp_mode tr_fp_mode(void)
{
    pthread_once(&fp_mode_once, fp_mode_init);
    return fp_mode;
}

/* May read and write globals (the default): it is a plain call; it reads
 * the pc, which is in env at TB entry. */
static struct ir_helper debug_info =
    IR_HELPER_INIT(NULL, "debug", 0, void, env);
const struct ir_helper *const tr_helper_debug = &debug_info;

void tr_set_debug_helper(void (*fn)(void *env))
{
    debug_info.fn = (void *)fn;
}

/* Leave room for the biggest single guest instruction's IR (an AMO or a CSR
 * op is a few dozen ops) plus tb_stop and the exit path. */
#define TR_OPS_RESERVE   128
#define TR_TEMPS_RESERVE 64

int tr_translate_block(const struct tr_hooks *h, struct tr_base *db)
{
    struct ir_ctx *ir = db->ir;
    uint64_t page_mask = ~((1ull << db->page_bits) - 1);
    bool stop_only = false;     /* only the debug stop of a breakpoint */

    ir_reset(ir);
    db->num_insns = 0;
    db->stop = TR_CONTINUE;
    db->pc_next = db->pc_first;

    /* TB entry: leave at once if someone asked this vCPU to stop. */
    ir_label exit_req = ir_label_new(ir);
    ir_temp flag = ir_temp_new(ir, IR_I32);
    ir_ld_env(ir, IR_I32, flag, IR_MO_32, db->exit_flag_offset);
    ir_brcond(ir, IR_I32, IR_NE, flag, ir_const(ir, IR_I32, 0), exit_req);
    /* Past the check the whole TB is counted as retired at once; its
     * addend is set below, when the TB's length is known.  Whoever leaves
     * the TB mid-way takes back what did not retire (translator.h). */
    unsigned count_op = ir_add_env(ir, IR_I64, db->insn_count_offset, 0);

    if (h->tb_start)
        h->tb_start(db);

    for (;;) {
        /* Debugger breakpoints (checked at translation: guest memory is
         * never written): a TB stops before one, and a TB that starts at
         * one is only the debug stop. */
        if (tr_runtime.breakpoint_at && h->breakpoint &&
            tr_runtime.breakpoint_at(db->pc_next)) {
            if (db->num_insns)
                break;
            h->breakpoint(db);
            db->num_insns++;
            stop_only = true;
            break;
        }
        h->insn_start(db);
        db->num_insns++;
        h->translate_insn(db);
        if (db->stop != TR_CONTINUE)
            break;
        if (db->num_insns >= db->max_insns)
            break;
        if ((db->pc_next & page_mask) != (db->pc_first & page_mask))
            break;
        if (ir->nops + TR_OPS_RESERVE >= IR_MAX_OPS ||
            ir->ntemps + TR_TEMPS_RESERVE >= IR_MAX_TEMPS ||
            ir->ncalls + 8 >= IR_MAX_CALLS || ir->nlabels + 8 >= IR_MAX_LABELS)
            break;
    }
    if (db->stop != TR_STOP_DONE) {
        db->stop = TR_STOP_NEXT;
        h->tb_stop(db);
    }

    /* A breakpoint TB runs none of its one instruction: it counts 0. */
    if (count_op < ir->nops) {
        if (stop_only)
            ir->ops[count_op].opc = IR_NOP;
        else
            ir->ops[count_op].args[1] = db->num_insns;
    }

    ir_set_label(ir, exit_req);
    ir_exit_tb(ir, IR_EXIT_REQUESTED);
    return ir->overflow ? -1 : 0;
}
