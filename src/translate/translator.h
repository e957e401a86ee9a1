/*
 * translator.h — the generic translator loop and the run-time services that
 * front ends and their helpers may call.
 *
 * The loop (tr_translate_block) is target-independent: it emits the TB-entry
 * exit-flag check, then for each guest instruction calls the front end's
 * insn_start and translate_insn hooks, and stops at the first of:
 *   - the front end says so (control transfer, state change: db->stop),
 *   - the instruction cap (db->max_insns),
 *   - pc_next leaving the first page (the front end may stop earlier, e.g.
 *     when the next instruction would straddle the page end),
 *   - the IR nearing its op/temp limits.
 * Then it calls tb_stop, and places the exit-request path.
 *
 * Conventions every front end keeps (docs/ir.md):
 *   - the guest pc global is correct in env at every TB entry and every
 *     exit (front ends write it before goto_tb / exit_tb / goto_ptr);
 *   - IR_INSN_START word 0 is the guest pc of the instruction;
 *   - the CPU's instruction counter (insn_count_offset) is exact at every
 *     TB entry and exit: the TB counts all its instructions at entry, and
 *     code that leaves it mid-way corrects the count (struct tr_insn_pos);
 *   - a helper that reads the counter runs while its own instruction (and
 *     every later one of the TB) is already counted: an instruction that
 *     reads it must end its TB, so that exactly one is in flight;
 *   - a TB has one entry, its first host instruction (the exit check, then
 *     the count): any new way in (an inline jump-cache probe, a return
 *     predictor) jumps there, never past the count.
 */
#ifndef LOOM_TRANSLATE_TRANSLATOR_H
#define LOOM_TRANSLATE_TRANSLATOR_H

#include <stdbool.h>
#include <stdint.h>
#include "translate/ir.h"

enum tr_stop {
    TR_CONTINUE = 0,
    TR_STOP_NEXT,     /* end the TB; tb_stop must emit a jump to pc_next */
    TR_STOP_DONE,     /* the front end already emitted the TB's exit */
};

/* Embedded as the first member of a front end's disassembly context. */
struct tr_base {
    struct ir_ctx *ir;
    uint64_t pc_first;        /* guest virtual pc of the first insn */
    uint64_t pc_next;         /* pc of the next insn to translate */
    uint32_t flags;           /* translation flags of the TB */
    unsigned num_insns;
    unsigned max_insns;
    unsigned page_bits;       /* guest page size (12) */
    int32_t exit_flag_offset; /* env offset of the int32 exit flag */
    int32_t insn_count_offset;/* env offset of the uint64 count of guest
                                 instructions retired (translator.c) */
    enum tr_stop stop;
};

struct tr_hooks {
    /* After the TB-entry check, before the first instruction. */
    void (*tb_start)(struct tr_base *db);
    /* Emit IR_INSN_START for db->pc_next. */
    void (*insn_start)(struct tr_base *db);
    /* Translate one instruction: advance db->pc_next, maybe set db->stop.
     * Must not fault for db->num_insns > 1: when the next instruction cannot
     * be fetched, set db->stop = TR_STOP_NEXT without consuming it. */
    void (*translate_insn)(struct tr_base *db);
    /* Close the TB when stop is TR_STOP_NEXT or a limit ended it. */
    void (*tb_stop)(struct tr_base *db);
    /* A debugger breakpoint is at pc_next, the TB's first instruction:
     * emit the debug stop instead of the instruction — IR_INSN_START,
     * a call of tr_helper_debug (the pc global already holds pc_next: it
     * is correct at TB entry), an exit to the loop — advance pc_next past
     * the bytes the TB claims (so invalidating the breakpoint's address
     * finds this TB) and set stop = TR_STOP_DONE.  A breakpoint later in
     * a TB just ends the TB before it (tb_stop). */
    void (*breakpoint)(struct tr_base *db);
};

/* Translate one TB into db->ir (reset first).  Returns 0, or -1 if the IR
 * overflowed anyway (retry with a smaller max_insns). */
int tr_translate_block(const struct tr_hooks *h, struct tr_base *db);

/* Where a host pc lies in its TB (tr_unwind).  The TB's entry added
 * `count` to the instruction counter, so code leaving the TB at this
 * instruction takes back count - index when the instruction does not
 * retire (an exception), count - index - 1 when it does. */
struct tr_insn_pos {
    uint64_t data[2];         /* its IR_INSN_START words (data[0]: pc) */
    unsigned index;           /* its index in the TB, from 0 */
    unsigned count;           /* guest instructions in the TB */
};

/* --- run-time services --------------------------------------------------------
 * Set once at start-up by src/vcpu (and be_init for unwind), before any vCPU
 * thread starts; read-only afterwards. */
struct tr_runtime {
    /* Host pc inside generated code → the guest instruction it belongs
     * to (struct tr_insn_pos).  Returns false if host_pc is not in
     * generated code. */
    bool (*unwind)(uintptr_t host_pc, struct tr_insn_pos *pos);
    /* A guest write made code in [paddr, paddr+len) stale (the range lies
     * in one page): invalidate the TBs translated from it.  Called from
     * helpers once per page a write touches, after the written bytes
     * landed (docs/concurrency.md S2), with the helper's host return
     * address; returns true if that identified the TB executing the write
     * and it was invalidated — a store then leaves the TB (pc = next insn).
     * retaddr 0: no running TB to check.  len == ~0 (paddr 0, retaddr 0):
     * everything may be stale (full flush at the next safe point; the
     * caller ends the TB). */
    bool (*code_modified)(void *env, uint64_t paddr, uint64_t len,
                          uintptr_t retaddr);
    /* The guest changed its address translation (sfence.vma, satp, MXR,
     * PMP ...): flush this hart's TLB and jump cache — one page (and, for
     * the jump cache, the page before it) when !all, else everything.
     * Called from helpers on the hart's own thread. */
    void (*tlb_flush)(void *env, uint64_t vaddr, bool all);
    /* A debugger breakpoint is set at guest virtual pc (NULL: none ever).
     * Read by translators; the table only changes while no hart runs
     * (vcpu/debug.h). */
    bool (*breakpoint_at)(uint64_t pc);
};
extern struct tr_runtime tr_runtime;

/* The lookup helper for IR_GOTO_PTR: fn(env) returns the host code of the
 * TB for env's current (pc, flags) if one is already translated, else
 * be_return_stub().  It reads pc (synced before the call) and writes no
 * global: IR_CALL_READ_ONLY.  The function is the vCPU layer's, bound once
 * at start-up with tr_set_lookup_tb_ptr (before any vCPU thread starts,
 * read-only afterwards); front ends call it through the descriptor:
 *     ir_call_helper(ir, tr_helper_lookup_tb_ptr, host, ir_env(ir));  */
void tr_set_lookup_tb_ptr(const void *(*fn)(void *env));
extern const struct ir_helper *const tr_helper_lookup_tb_ptr;

/* How floating point is translated (LOOM_FP in the environment, read once;
 * docs/backend.md "Floating point"):
 *   jit       (default) FP IR ops, inline SSE/FMA3 fast paths, the front
 *             end's exact fallback for the rest
 *   fallback  FP IR ops, but the backend always calls the fallback
 *   nofma     as jit, but fused multiply-adds always take the fallback
 *             (what a host without FMA3 runs)
 *   helper    no FP IR ops: the front end calls its exact helpers as before
 *             the JIT existed (the oracle of the differential test)
 * Any other value: one line on stderr, exit 2. */
enum tr_fp_mode { TR_FP_JIT, TR_FP_FALLBACK, TR_FP_NOFMA, TR_FP_HELPER };
enum tr_fp_mode tr_fp_mode(void);

/* The debug-stop helper a breakpoint TB calls (tr_hooks.breakpoint):
 * fn(env) records the stop for the exec loop and returns; the TB then
 * exits.  Bound once by src/vcpu before any vCPU thread starts. */
void tr_set_debug_helper(void (*fn)(void *env));
extern const struct ir_helper *const tr_helper_debug;

static inline bool tr_unwind(uintptr_t host_pc, struct tr_insn_pos *pos)
{
    return host_pc && tr_runtime.unwind && tr_runtime.unwind(host_pc, pos);
}

#endif
