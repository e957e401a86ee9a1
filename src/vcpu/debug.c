/*
 * debug.c — debugger services of the vCPU layer (debug.h): all-stop
 * parking, per-hart continue / step, software breakpoints checked at
 * translation, work on a stopped hart's thread.
 *
 * Parking protocol.  A hart parks at the top of its exec loop (exec.c
 * calls vcpu_dbg_check there): vcpu_exec_end (so exclusive sections never
 * wait for it), RCU offline (it never delays a grace period), then it
 * waits on dbg_cond under dbg_lock until it is told to go.  While parked
 * it runs the functions the debugger hands it (vcpu_dbg_run_on), online,
 * outside the lock, on its own thread — so register, CSR and TLB accesses
 * keep the owner-thread rules (V4/V5) with no further locking.
 *
 * Counting (under dbg_lock): `nstopped` counts harts parked and not told
 * to go.  The machine is stopped iff nstopped == vcpu_count() (INV(D1)).
 * A go that its hart has not yet acted on is cancelled by a new stop, so
 * a hart counted as stopped never runs guest code (D1 holds when the
 * debugger reads state).  `stopping` is set by the first event or stop
 * request of a round and cleared by vcpu_dbg_resume; while it is set
 * every running hart has dbg_stop_req set and has been kicked.
 *
 * Lock order: dbg_lock → vcpu->lock (vcpu_kick).  dbg_lock is never held
 * across vcpu_exec_start/end, an exclusive section or a debugger
 * function.
 *
 * Breakpoints: a table of virtual pcs read by translators without a lock
 * (tr_runtime.breakpoint_at).  It changes only while the machine is
 * stopped, when no hart translates; the dbg_lock hand-off that wakes a
 * hart orders the changes before its next translation (INV(D2)).  On
 * resume, the pcs whose presence changed since the last resume have their
 * translations invalidated (bp_sync), so no TB translated before a change
 * can run after it — not through the TB hash, a jump cache or a chained
 * jump (invalidation removes it from all three, I1-I4).
 */
#include <pthread.h>
#include <string.h>
#include "rcu/rcu.h"
#include "softmmu/pmem.h"
#include "softmmu/tlb.h"
#include "translate/translator.h"
#include "util/error.h"
#include "vcpu/debug.h"
#include "vcpu/vcpu_internal.h"

bool vcpu_dbg_on;                       /* set once before vcpu_run */

static pthread_mutex_t dbg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dbg_cond = PTHREAD_COND_INITIALIZER;
static unsigned nstopped;               /* dbg_lock: parked, not told to go */
static bool stopping;                   /* dbg_lock: a stop round is on */
static bool notified;                   /* dbg_lock: notify ran this round */
static bool ev_set;                     /* dbg_lock: the round's event */
static unsigned ev_hart;
static enum vcpu_dbg_reason ev_why;
static struct rv_trig_hit ev_hit;       /* for VCPU_DBG_TRIGGER */
static enum vcpu_dbg_reason default_why; /* for a hart parked on request */
static void (*notify_fn)(void *opaque);
static void *notify_opaque;

/* Breakpoints (see the header comment: written only while stopped). */
static uint64_t bp_pc[VCPU_DBG_MAX_BP];
static unsigned bp_n;
static uint64_t bp_synced[VCPU_DBG_MAX_BP];   /* the set at the last sync */
static unsigned bp_synced_n;

static bool machine_stopped_locked(void)
{
    return nstopped == vcpu_count();
}

bool vcpu_dbg_enabled(void)
{
    return vcpu_dbg_on;
}

static bool bp_at(uint64_t pc)
{
    /* INV(D2): read without a lock; see the header comment. */
    for (unsigned i = 0; i < bp_n; i++)
        if (bp_pc[i] == pc)
            return true;
    return false;
}

/* tr_runtime.breakpoint_at */
static bool vcpu_dbg_bp_at(uint64_t pc)
{
    return bp_n && bp_at(pc);
}

bool vcpu_dbg_bp_set(uint64_t pc)
{
    return vcpu_dbg_bp_at(pc);
}

/* The breakpoint TB's helper (tr_helper_debug): the hart is at the
 * breakpoint's pc, nothing of that instruction has run; the TB exits to
 * the loop, whose vcpu_dbg_check parks. */
static void vcpu_dbg_break_helper(void *env)
{
    vcpu_of(env)->dbg_event = VCPU_DBG_BREAK;
}

/* rv_trig_debug_stop (trigger.h): a debugger slot matched, inside guest
 * code on the hart's thread, before the instruction; the trigger code
 * then siglongjmps to the exec loop, whose vcpu_dbg_check parks before any
 * further TB. */
static void vcpu_dbg_trig_hook(struct rv_hart *h, const struct rv_trig_hit *hit)
{
    struct vcpu *v = vcpu_of(h);

    v->dbg_event = VCPU_DBG_TRIGGER;
    v->dbg_hit = *hit;
}

void vcpu_dbg_enable(bool hold, void (*notify)(void *opaque), void *opaque)
{
    vcpu_dbg_on = true;
    notify_fn = notify;
    notify_opaque = opaque;
    tr_runtime.breakpoint_at = vcpu_dbg_bp_at;
    tr_set_debug_helper(vcpu_dbg_break_helper);
    rv_trig_debug_stop = vcpu_dbg_trig_hook;
    if (hold) {
        /* Before any vCPU thread exists: no lock needed, the thread
         * creation orders these stores before the harts read them. */
        stopping = true;
        default_why = VCPU_DBG_RESET_HOLD;
        for (unsigned i = 0; i < vcpu_count(); i++)
            atomic_store_explicit(&vcpu_get(i)->dbg_stop_req, true,
                                  memory_order_relaxed);
    }
}

/* Make every hart that may run park (dbg_lock held). */
static void stop_others_locked(void)
{
    for (unsigned i = 0; i < vcpu_count(); i++) {
        struct vcpu *w = vcpu_get(i);
        if (w->dbg_parked) {
            if (w->dbg_go) {             /* not acted on yet: cancel */
                w->dbg_go = false;
                nstopped++;
            }
        } else if (!atomic_load_explicit(&w->dbg_stop_req,
                                         memory_order_relaxed)) {
            /* Relaxed: the kick's release store of exit_request publishes
             * it; the hart reads it after its acquire exchange of
             * exit_request (exec.c handle_exit_request). */
            atomic_store_explicit(&w->dbg_stop_req, true,
                                  memory_order_relaxed);
            vcpu_kick(&w->hart);
        }
    }
}

/* INV(D1): nstopped is exactly the number of harts parked without a go
 * (recounted; debug builds). */
static void check_count_locked(void)
{
#ifndef NDEBUG
    unsigned n = 0;
    for (unsigned i = 0; i < vcpu_count(); i++)
        n += vcpu_get(i)->dbg_parked && !vcpu_get(i)->dbg_go;
    INV_ASSERT(D1, n == nstopped);
#endif
}

static void maybe_notify_locked(void)
{
    check_count_locked();
    if (stopping && !notified && machine_stopped_locked()) {
        notified = true;
        if (notify_fn)
            notify_fn(notify_opaque);
    }
    pthread_cond_broadcast(&dbg_cond);
}

static void park(struct vcpu *v, enum vcpu_dbg_reason r)
{
    vcpu_exec_end(v);
    loom_rcu_offline();
    pthread_mutex_lock(&dbg_lock);
    atomic_store_explicit(&v->dbg_stop_req, false, memory_order_relaxed);
    v->dbg_parked = true;
    v->dbg_go = false;
    nstopped++;
    if (!stopping) {
        /* First event of the round: all-stop. */
        stopping = true;
        ev_set = true;
        ev_hart = v->index;
        ev_why = r;
        ev_hit = v->dbg_hit;
        stop_others_locked();
    } else if (!ev_set || (r != VCPU_DBG_NONE &&
                           (ev_why == VCPU_DBG_INTERRUPT ||
                            ev_why == VCPU_DBG_RESET_HOLD))) {
        /* A real event is more useful than "interrupted". */
        ev_set = true;
        /* Held at reset: report hart 0 (gdb's first thread). */
        ev_hart = r == VCPU_DBG_NONE && default_why == VCPU_DBG_RESET_HOLD
                  ? 0 : v->index;
        ev_why = r != VCPU_DBG_NONE ? r : default_why;
        ev_hit = v->dbg_hit;
    }
    maybe_notify_locked();
    for (;;) {
        if (v->dbg_fn) {
            vcpu_work_fn fn = v->dbg_fn;
            void *arg = v->dbg_arg;
            pthread_mutex_unlock(&dbg_lock);
            loom_rcu_online();
            fn(&v->hart, arg);
            loom_rcu_offline();
            pthread_mutex_lock(&dbg_lock);
            v->dbg_fn = NULL;
            pthread_cond_broadcast(&dbg_cond);
            continue;
        }
        if (v->dbg_go)
            break;
        pthread_cond_wait(&dbg_cond, &dbg_lock);
    }
    /* nstopped was decremented by vcpu_dbg_resume when it set dbg_go. */
    v->dbg_go = false;
    v->dbg_parked = false;
    pthread_mutex_unlock(&dbg_lock);
    loom_rcu_online();
    vcpu_exec_start(v);
}

bool vcpu_dbg_check(struct vcpu *v)
{
    enum vcpu_dbg_reason r = v->dbg_event;

    if (r == VCPU_DBG_NONE && v->dbg_step_done)
        r = VCPU_DBG_STEP;
    if (r == VCPU_DBG_NONE &&
        !atomic_load_explicit(&v->dbg_stop_req, memory_order_relaxed))
        return false;
    v->dbg_event = VCPU_DBG_NONE;
    v->dbg_step_done = false;
    park(v, r);
    return true;
}

void vcpu_dbg_request_stop(void)
{
    pthread_mutex_lock(&dbg_lock);
    if (!stopping) {
        stopping = true;
        ev_set = false;
        default_why = VCPU_DBG_INTERRUPT;
        stop_others_locked();
    }
    maybe_notify_locked();
    pthread_mutex_unlock(&dbg_lock);
}

void vcpu_dbg_wait_stopped(void)
{
    pthread_mutex_lock(&dbg_lock);
    while (!machine_stopped_locked())
        pthread_cond_wait(&dbg_cond, &dbg_lock);
    pthread_mutex_unlock(&dbg_lock);
}

bool vcpu_dbg_is_stopped(void)
{
    pthread_mutex_lock(&dbg_lock);
    bool s = machine_stopped_locked();
    pthread_mutex_unlock(&dbg_lock);
    return s;
}

void vcpu_dbg_stop_event(unsigned *hart, enum vcpu_dbg_reason *why,
                         struct rv_trig_hit *hit)
{
    pthread_mutex_lock(&dbg_lock);
    *hart = ev_set ? ev_hart : 0;
    *why = ev_set ? ev_why : default_why;
    if (hit)
        *hit = ev_hit;
    pthread_mutex_unlock(&dbg_lock);
}

void vcpu_dbg_run_on(unsigned i, vcpu_work_fn fn, void *arg)
{
    struct vcpu *v = vcpu_get(i);

    pthread_mutex_lock(&dbg_lock);
    INV_ASSERT(D1, v->dbg_parked && !v->dbg_go);
    v->dbg_fn = fn;
    v->dbg_arg = arg;
    pthread_cond_broadcast(&dbg_cond);
    while (v->dbg_fn)
        pthread_cond_wait(&dbg_cond, &dbg_lock);
    pthread_mutex_unlock(&dbg_lock);
}

/* --- breakpoints ------------------------------------------------------------ */

bool vcpu_dbg_bp_insert(uint64_t pc)
{
    if (bp_n == VCPU_DBG_MAX_BP)
        return false;
    bp_pc[bp_n++] = pc;
    return true;
}

bool vcpu_dbg_bp_remove(uint64_t pc)
{
    for (unsigned i = 0; i < bp_n; i++) {
        if (bp_pc[i] == pc) {
            bp_pc[i] = bp_pc[--bp_n];
            return true;
        }
    }
    return false;
}

void vcpu_dbg_bp_remove_all(void)
{
    bp_n = 0;
}

static bool in_set(const uint64_t *set, unsigned n, uint64_t pc)
{
    for (unsigned i = 0; i < n; i++)
        if (set[i] == pc)
            return true;
    return false;
}

/* Invalidate what a breakpoint change at pc affects: every TB whose bytes
 * include pc.  TBs are found by physical address, so this is exact only
 * while no hart translates addresses (satp Bare everywhere: virtual ==
 * physical); otherwise a TB of another address space may hold that
 * virtual pc, and everything is flushed (docs/gdb.md). */
static void bp_invalidate(struct vcpu *v, uint64_t pc, bool *full)
{
    if (*full)
        return;
    for (unsigned i = 0; i < vcpu_count(); i++) {
        if (rv_translation_on(&vcpu_get(i)->hart)) {
            *full = true;
            return;
        }
    }
    vcpu_invalidate_phys(v, pc, 1);
}

/* On a stopped hart's thread (vcpu_dbg_run_on): apply the changes since
 * the last sync. */
static void bp_sync_work(struct rv_hart *h, void *arg)
{
    struct vcpu *v = vcpu_of(h);
    bool full = false;
    (void)arg;

    for (unsigned i = 0; i < bp_n; i++)
        if (!in_set(bp_synced, bp_synced_n, bp_pc[i]))
            bp_invalidate(v, bp_pc[i], &full);
    for (unsigned i = 0; i < bp_synced_n; i++)
        if (!in_set(bp_pc, bp_n, bp_synced[i]))
            bp_invalidate(v, bp_synced[i], &full);
    if (full) {
        /* Every hart is parked (not running): the section starts at
         * once. */
        vcpu_start_exclusive();
        vcpu_tb_flush_exclusive();
        vcpu_end_exclusive();
    }
    memcpy(bp_synced, bp_pc, bp_n * sizeof(bp_pc[0]));
    bp_synced_n = bp_n;
}

static bool bp_changed(void)
{
    if (bp_n != bp_synced_n)
        return true;
    for (unsigned i = 0; i < bp_n; i++)
        if (!in_set(bp_synced, bp_synced_n, bp_pc[i]))
            return true;
    return false;
}

void vcpu_dbg_resume(const enum vcpu_dbg_action *act)
{
    bool any = false;

    for (unsigned i = 0; i < vcpu_count(); i++)
        any |= act[i] != VCPU_DBG_STAY;
    if (!any)
        return;
    if (bp_changed())
        vcpu_dbg_run_on(0, bp_sync_work, NULL);
    pthread_mutex_lock(&dbg_lock);
    INV_ASSERT(D1, machine_stopped_locked());
    stopping = false;
    notified = false;
    ev_set = false;
    for (unsigned i = 0; i < vcpu_count(); i++) {
        struct vcpu *v = vcpu_get(i);
        if (act[i] == VCPU_DBG_STAY)
            continue;
        /* Read by the owner after it wakes (this lock's hand-off). */
        v->dbg_step = act[i] == VCPU_DBG_STEP_ONE;
        v->dbg_go = true;
        nstopped--;
    }
    check_count_locked();
    pthread_cond_broadcast(&dbg_cond);
    pthread_mutex_unlock(&dbg_lock);
}

/* --- memory ----------------------------------------------------------------- */

size_t vcpu_dbg_read_phys(struct rv_hart *h, uint64_t pa, void *buf,
                          size_t len)
{
    size_t done = 0;

    while (done < len) {
        uint64_t a = pa + done;
        size_t n = TLB_PAGE_SIZE - (a & ~TLB_PAGE_MASK);
        if (n > len - done)
            n = len - done;
        const uint8_t *host = pmem_host_ptr(h->pmem, a, n);
        if (!host)
            break;
        /* Every other hart is parked: nothing writes these bytes now. */
        memcpy((uint8_t *)buf + done, host, n);
        done += n;
    }
    return done;
}

size_t vcpu_dbg_write_phys(struct rv_hart *h, uint64_t pa, const void *buf,
                           size_t len)
{
    size_t done = 0;

    while (done < len) {
        uint64_t a = pa + done;
        size_t n = TLB_PAGE_SIZE - (a & ~TLB_PAGE_MASK);
        if (n > len - done)
            n = len - done;
        uint8_t *host = pmem_host_ptr(h->pmem, a, n);
        if (!host)
            break;
        memcpy(host, (const uint8_t *)buf + done, n);
        /* Translations of these bytes are stale now (S2 as for a guest
         * store: the bytes landed first). */
        if (pmem_code_test(h->pmem, a))
            vcpu_invalidate_phys(vcpu_of(h), a, n);
        done += n;
    }
    return done;
}
