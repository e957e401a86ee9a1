/*
 * debug.h — the vCPU layer's debugger services (used by src/gdbstub):
 * all-stop halting of every hart, per-hart continue / single-step,
 * software breakpoints checked at translation time, and running a
 * function on a stopped hart's own thread (register and memory access).
 * The protocol and its invariants: docs/gdb.md "Mechanics".
 *
 * States.  While debugging is enabled (vcpu_dbg_enable, before vcpu_run)
 * each hart is either running or *parked*: waiting at the top of its exec
 * loop (a safe point: no TB held, not in generated code, outside every
 * exclusive section, RCU offline).  The machine is *stopped* when every
 * hart is parked and none has been told to go; only then may the caller
 * read or change guest state (vcpu_dbg_run_on), or change breakpoints.
 *
 * All-stop: the first hart that reports an event (breakpoint, finished
 * step) makes every other hart park too; when the last one has parked the
 * notify callback runs (on that hart's thread: it must only wake the
 * debugger, e.g. write to a pipe).  Events of other harts in the meantime
 * are dropped: a breakpoint is hit again on resume (its pc did not move).
 *
 * Threads: every function but the notify callback is for the debugger's
 * own thread (one thread), never a vCPU thread.
 */
#ifndef LOOM_VCPU_DEBUG_H
#define LOOM_VCPU_DEBUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "target/riscv/cpu.h"
#include "target/riscv/trigger.h"
#include "vcpu/vcpu.h"

enum vcpu_dbg_reason {
    VCPU_DBG_NONE = 0,       /* parked on request (no event of its own) */
    VCPU_DBG_BREAK,          /* reached a software breakpoint */
    VCPU_DBG_STEP,           /* finished a single step */
    VCPU_DBG_INTERRUPT,      /* the debugger asked (Ctrl-C, attach) */
    VCPU_DBG_RESET_HOLD,     /* held at reset (-S) */
    VCPU_DBG_TRIGGER,        /* a debugger trigger slot matched (Z1-Z4),
                                before the instruction ran */
};

enum vcpu_dbg_action {
    VCPU_DBG_STAY = 0,       /* stay parked */
    VCPU_DBG_CONT,
    VCPU_DBG_STEP_ONE,       /* execute one instruction, then stop */
};

/* Enable the services; before vcpu_run.  hold: every hart parks before
 * its first instruction (-S), the machine starts stopped.  notify(opaque)
 * runs whenever the machine becomes stopped. */
void vcpu_dbg_enable(bool hold, void (*notify)(void *opaque), void *opaque);
bool vcpu_dbg_enabled(void);

/* Ask every hart to park (the machine becomes stopped soon; notify runs
 * then, or at once if already stopped).  The reported event is
 * VCPU_DBG_INTERRUPT on the first hart that parks, unless an event was
 * already pending. */
void vcpu_dbg_request_stop(void);
/* Block until the machine is stopped. */
void vcpu_dbg_wait_stopped(void);
/* Stopped now (non-blocking). */
bool vcpu_dbg_is_stopped(void);
/* The event that stopped the machine: the hart, the reason and, for
 * VCPU_DBG_TRIGGER, what matched (hit may be NULL). */
void vcpu_dbg_stop_event(unsigned *hart, enum vcpu_dbg_reason *why,
                         struct rv_trig_hit *hit);

/* Resume a stopped machine: act[i] for hart i (vcpu_count() entries).
 * Breakpoint changes since the last resume are applied first (the
 * translations they affect are invalidated).  If every action is STAY the
 * machine stays stopped and nothing is notified. */
void vcpu_dbg_resume(const enum vcpu_dbg_action *act);

/* Run fn(h, arg) on stopped hart i's own thread and wait for it (the
 * owner-thread rules of the TLB and jump cache hold there).  Machine
 * stopped. */
void vcpu_dbg_run_on(unsigned i, vcpu_work_fn fn, void *arg);

/* Software breakpoints, by guest virtual pc, for every hart (the TB hash
 * is shared, so a breakpoint cannot be per hart).  Never written into
 * guest memory: the translator ends a TB before a breakpoint and a TB
 * starting at one stops the hart before executing anything.  Machine
 * stopped.  insert: false if the table is full (VCPU_DBG_MAX_BP);
 * remove: false if there was none at pc.  Inserting twice counts twice. */
#define VCPU_DBG_MAX_BP 256
bool vcpu_dbg_bp_insert(uint64_t pc);
bool vcpu_dbg_bp_remove(uint64_t pc);
void vcpu_dbg_bp_remove_all(void);

/* Guest memory for the debugger, on the stopped hart h's thread (inside a
 * vcpu_dbg_run_on function): physical RAM/ROM only (never MMIO, whose
 * reads have side effects).  Writes invalidate translations of the bytes
 * (as a guest store to code would).  Return the bytes done before the
 * first one outside RAM/ROM. */
size_t vcpu_dbg_read_phys(struct rv_hart *h, uint64_t pa, void *buf,
                          size_t len);
size_t vcpu_dbg_write_phys(struct rv_hart *h, uint64_t pa, const void *buf,
                           size_t len);

#endif
