/*
 * reset.c — machine reset (QEMU's system reset), requested by a device
 * (the SiFive test device's 0x7777) from any thread, typically inside an
 * MMIO helper running in generated code.
 *
 * Flow:
 *  1. vcpu_request_reset queues a reset item (tagged with the current reset
 *     generation) on every hart and kicks them all: the requesting hart
 *     leaves generated code at its next TB entry (exit_request), as do the
 *     others; halted harts wake up.
 *  2. The first hart to reach a safe point (work runs in the loop, never in
 *     generated code) runs an exclusive section, the way flush.c does
 *     (vcpu_exec_end → vcpu_start_exclusive → body → vcpu_end_exclusive →
 *     vcpu_exec_start).  Items of an older generation — the other harts'
 *     copies, a second 0x7777 of the same boot — do nothing.
 *  3. Body (no vCPU in guest code or translating, INV V1): clear every
 *     hart's device-driven pending bits, full TB flush, the board handler
 *     (devices to power-on state, boot ROM, images and FDT re-written; RAM
 *     is not cleared), then queue a "hart reset" item on every hart and
 *     kick it (exit_request = 1).
 *  4. Each hart resets itself on its own thread (V4/V5: TLB and jump cache
 *     are owner-only): rv_hart_reset(0x1000) (pc, M mode, CSRs, LR
 *     reservation, halted, TLB) and its jump cache.
 * Why step 4 is not done in the section: a hart may be stopped inside an
 * exclusive section of its own translation path (code page protection,
 * code buffer full); when it resumes it finishes translating for its old
 * (pc, flags), which must still match its CPU state.  It cannot execute
 * that TB: exit_request, set in step 3, makes the TB leave on entry, and
 * the loop then handles the exit request (its work, the hart reset) before
 * anything else.  So no hart executes a guest instruction of its pre-reset
 * state after the section.
 *
 * Pending async work: nothing is dropped.  Items queued before the reset
 * run (in order) before the hart-reset item: TLB flushes (harmless) and
 * stale reset requests (skipped by generation).  Work queued after the
 * hart reset sees the new state.
 *
 * Both modes: in round-robin mode the section is trivially exclusive (one
 * thread) and each hart resets itself when the scheduler reaches it (the
 * kick makes it runnable).
 */
#include <stdint.h>
#include "util/error.h"
#include "util/log.h"
#include "vcpu/vcpu_internal.h"

static vcpu_reset_fn reset_handler;     /* set once before vcpu_run */
static void *reset_opaque;
static _Atomic unsigned reset_gen;      /* resets done */

void vcpu_set_reset_handler(vcpu_reset_fn fn, void *opaque)
{
    reset_handler = fn;
    reset_opaque = opaque;
}

unsigned vcpu_reset_count(void)
{
    return atomic_load(&reset_gen);
}

/* Step 4, on h's own thread at a safe point. */
static void hart_reset_work(struct rv_hart *h, void *arg)
{
    (void)arg;
    rv_hart_reset(h, 0x1000);
    vcpu_tlb_flush(h);                   /* TLB and jump cache (V4) */
}

/* Step 3 (exclusive body). */
static void reset_body(void)
{
    INV_ASSERT(V1, vcpu_in_exclusive_body());
    if (log_enabled(LOG_INT))
        log_printf("reset: machine reset %u\n", atomic_load(&reset_gen) + 1);
    /* Devices re-drive their lines from their reset state below. */
    for (unsigned i = 0; i < vcpu_count(); i++)
        atomic_store(&vcpu_hart(i)->mip_async, 0);
    vcpu_tb_flush_exclusive();
    if (reset_handler)
        reset_handler(reset_opaque);
    /* The images were re-written: no TB made before may survive, and
     * the flush generation moved, so no hart links its old `last`. */
    for (unsigned i = 0; i < vcpu_count(); i++)
        vcpu_async_run(vcpu_hart(i), hart_reset_work, NULL);  /* kicks */
}

/* Step 2, on any hart's thread at a safe point (async work). */
static void reset_request_work(struct rv_hart *h, void *arg)
{
    struct vcpu *self = vcpu_of(h);
    unsigned seen = (unsigned)(uintptr_t)arg;

    if (atomic_load(&reset_gen) != seen)
        return;                          /* done by another hart */
    vcpu_exec_end(self);
    vcpu_start_exclusive();
    if (atomic_load(&reset_gen) == seen) {
        reset_body();
        atomic_store(&reset_gen, seen + 1);
    }
    vcpu_end_exclusive();
    vcpu_exec_start(self);
}

void vcpu_request_reset(void)
{
    unsigned gen = atomic_load(&reset_gen);
    /* Each hart gets a copy: the first one at a safe point does the reset,
     * and every hart is kicked out of guest code, the requester included. */
    vcpu_async_run_all(reset_request_work, (void *)(uintptr_t)gen);
}
