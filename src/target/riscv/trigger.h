/*
 * trigger.h — debug triggers (Sdtrig): the guest's trigger CSRs and the
 * debugger's hardware breakpoints and watchpoints, one match engine for
 * both (docs/riscv.md "Debug triggers").
 *
 * Two pools per hart, never shared:
 *   - guest triggers, tselect 0..RV_TRIG_GUEST_N-1, programmed through
 *     tselect/tdata1-3/tinfo/tcontrol (mcontrol6 and legacy mcontrol).  A
 *     match with action=0 raises a breakpoint exception (cause 3, tval =
 *     the matching virtual address: the pc for execute, the lowest accessed
 *     byte for a load/store);
 *   - debugger slots (gdbstub Z1..Z4), invisible to the guest: address
 *     ranges for execute, load and store.  A match never touches guest
 *     state; it stops the hart *before* the matching instruction (nothing
 *     of it executed, pc = its address) and reports the hit through
 *     rv_trig_debug_stop.
 *
 * Triggers are per hart: each hart matches only its own.  How matching
 * stays correct with shared TBs, chaining and jump caches:
 *   - execute: a hart with any execute trigger armed (either pool) has
 *     RV_TBF_TRIG in its TB flags (cpu.h rv_tb_flags).  TBs translated
 *     under that flag call a check helper before every instruction; the
 *     helper matches the running hart's own triggers.  Harts without
 *     execute triggers run ordinary TBs, which never check.  Flags are part
 *     of the TB key and are re-checked on every jump-cache hit, and a TB
 *     only chains to a TB found with the same flags, so no path skips a
 *     check; arming needs no TB invalidation at all.
 *   - load/store: the hart's TLB marks every page overlapping an armed
 *     load/store range TLB_WATCH (tlb.h), so each access to it takes the
 *     slow path, which matches before the access; atomics check in their
 *     helpers.  Changing the ranges flushes the hart's own TLB.
 *
 * Context of every function here: the hart's own thread at a safe point
 * (between TBs, e.g. from vcpu_async_run work), or any thread while the
 * hart is parked outside guest code with a happens-before hand-off on both
 * sides (the gdbstub's all-stop).  The CSR side runs on the hart's thread
 * from the csr helper (the CSR write ends the TB, so new flags apply from
 * the next instruction).
 */
#ifndef LOOM_TARGET_RISCV_TRIGGER_H
#define LOOM_TARGET_RISCV_TRIGGER_H

#include <stdbool.h>
#include <stdint.h>

struct rv_hart;

/* Access kinds, as the mcontrol6 execute/store/load bits. */
enum rv_trig_access {
    RV_TRIG_LOAD = 1u << 0,
    RV_TRIG_STORE = 1u << 1,
    RV_TRIG_EXEC = 1u << 2,
};

#define RV_TRIG_GUEST_N 4    /* guest triggers: tselect 0..3 */
#define RV_TRIG_DEBUG_N 16   /* debugger slots per hart */

/* --- state (struct rv_hart.trig; written only through this file's
 * functions and csr.c/trap.c, on the contexts above) --------------------- */
struct rv_trig_guest {       /* one guest trigger, legalised fields */
    uint8_t type;            /* 2 (mcontrol), 6 (mcontrol6), 15 (disabled) */
    uint8_t match;           /* mcontrol6 match encoding */
    uint8_t size;            /* mcontrol6 size encoding: 0,1,2,3,5 */
    uint8_t select;          /* 0 address, 1 data */
    uint8_t hit;             /* hit0 (before) */
    uint8_t modes;           /* 1 << priv for each of u, s, m set */
    uint8_t access;          /* enum rv_trig_access bits */
    uint64_t tdata2;
};
struct rv_trig_slot {        /* one debugger slot: [lo, hi], access 0: free */
    uint64_t lo, hi;
    unsigned access;
};
struct rv_trig_state {
    unsigned tselect;
    uint64_t tcontrol;       /* mte (bit 3), mpte (bit 7) */
    struct rv_trig_guest guest[RV_TRIG_GUEST_N];
    struct rv_trig_slot debug[RV_TRIG_DEBUG_N];
    /* Summaries, recomputed by rv_trig_update after every change:
     * exec_privs: bit p set if an execute trigger is enabled at privilege
     * p (whatever mstatus.MIE/SIE, which the match checks) — RV_TBF_TRIG
     * comes from it; mem: load/store kinds armed in either pool. */
    unsigned exec_privs;
    unsigned mem;
    /* Every pc an execute trigger (either pool) may match lies in
     * [exec_lo, exec_lo + exec_span]: generated code compares before it
     * calls the check (both 0 when there is none: the TB flag is clear
     * then, so nothing reads them). */
    uint64_t exec_lo, exec_span;
};

/* --- debugger API (gdbstub Z1..Z4) -------------------------------------------
 * A slot matches an access of kind `access` (one or more enum
 * rv_trig_access bits) that touches any byte of [addr, addr + len), at any
 * privilege, whatever the guest does with its own triggers (tcontrol.mte
 * included).  Execute matches the instruction's first byte.  Returns 0,
 * -EINVAL (no kind, len 0, or the range wraps), -ENOSPC (all slots used),
 * or -ENODEV (no rv_trig_debug_stop hook installed).  Inserting the same
 * (access, addr, len) twice uses two slots; each remove frees one. */
int rv_trig_debug_insert(struct rv_hart *h, unsigned access, uint64_t addr,
                         uint64_t len);
/* Free one slot with exactly this (access, addr, len): 0 or -ENOENT. */
int rv_trig_debug_remove(struct rv_hart *h, unsigned access, uint64_t addr,
                         uint64_t len);
/* Free every debugger slot of h (detach, kill, reset). */
void rv_trig_debug_remove_all(struct rv_hart *h);

/* What stopped the hart. */
struct rv_trig_hit {
    unsigned access;         /* the one kind that matched */
    uint64_t addr;           /* pc (execute) or accessed virtual address */
    unsigned size;           /* access size in bytes (instruction length) */
    unsigned slot;           /* debugger slot that matched */
};

/* Called when a debugger slot matches, on the hart's own thread, inside
 * guest code (from a helper): h->pc is already the matching instruction's
 * address and nothing of it has executed.  It must not block or touch
 * another hart's state: it records the stop and asks the hart to leave
 * (e.g. sets its stop flag and exit_request).  When it returns, the hart
 * leaves generated code by siglongjmp to the exec loop (h->jmp_env); the
 * exec loop must then park the hart before it runs another TB.  Resuming
 * re-executes the instruction and matches again, so the debugger removes
 * the slot before stepping over it (gdb does that for breakpoints and, for
 * RISC-V, for watchpoints: they are reported before the access).
 * Set once before harts run; NULL: debugger slots cannot be inserted. */
extern void (*rv_trig_debug_stop)(struct rv_hart *h,
                                  const struct rv_trig_hit *hit);

#endif
