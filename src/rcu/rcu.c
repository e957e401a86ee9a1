/*
 * rcu.c — Loom's wrappers over liburcu's QSBR flavor (see rcu.h for why
 * QSBR).
 *
 * Contract:
 *   - A thread calls loom_rcu_register() before touching any RCU-protected
 *     object; it is then online, i.e. inside one long read-side section that
 *     is only cut by loom_rcu_quiescent() / loom_rcu_offline().  (R2)
 *   - loom_rcu_synchronize() and loom_rcu_barrier() never count the caller
 *     as a reader: if the caller is online they take it offline for the wait
 *     and bring it back, so calling them from an online thread cannot
 *     deadlock (R3).  The caller must hold no RCU pointer across the call.
 *   - loom_rcu_call() callbacks run on liburcu's call_rcu thread after a
 *     grace period (R1); they must not block for long.
 *
 * ThreadSanitizer: liburcu is not instrumented, so TSan cannot see that a
 * grace period orders a reader's last access before the reclaimer's free.
 * In TSan builds only (__SANITIZE_THREAD__) every quiescent/offline/
 * unregister does a release RMW on loom_rcu_tsan_clock and every reclaimer
 * does an acquire load of it after the grace period; this adds exactly the
 * happens-before edge that the grace period guarantees (and nothing more),
 * so TSan reports neither false positives nor hides real races elsewhere.
 * Callbacks then go through a small malloc'd trampoline (to do the acquire),
 * and loom_rcu_barrier waits for a count of pending callbacks instead of
 * calling rcu_barrier() (see loom_rcu_tsan_pending).
 */
#include <stdlib.h>
#include <time.h>
#include "rcu/rcu.h"
#include "util/compiler.h"

/* Per-thread view of the QSBR state, for asserts and for R3. */
static __thread bool loom_rcu_registered;
static __thread bool loom_rcu_online_now;

#if defined(__SANITIZE_THREAD__)
#define LOOM_RCU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOOM_RCU_TSAN 1
#endif
#endif

#ifdef LOOM_RCU_TSAN
#include <stdatomic.h>
/* TSan-only model of "the reader passed a quiescent state". */
static _Atomic unsigned long loom_rcu_tsan_clock;

static void loom_rcu_tsan_release(void)
{
    /* PAIRS: with the acquire load in loom_rcu_tsan_acquire. */
    atomic_fetch_add_explicit(&loom_rcu_tsan_clock, 1, memory_order_release);
}

static void loom_rcu_tsan_acquire(void)
{
    /* PAIRS: with the release RMWs of every reader's quiescent state. */
    (void)atomic_load_explicit(&loom_rcu_tsan_clock, memory_order_acquire);
}

struct loom_rcu_tramp {
    struct rcu_head head;
    struct rcu_head *user;
    void (*fn)(struct rcu_head *);
};

/* Callbacks queued and not yet run.  TSan builds replace rcu_barrier() by
 * waiting for this to drop to zero: liburcu's barrier callocs a completion
 * that the call_rcu thread frees after an atomic refcount drop TSan cannot
 * see, which would be a (liburcu-internal) false report in every test. */
static _Atomic long loom_rcu_tsan_pending;

static void loom_rcu_tramp_cb(struct rcu_head *h)
{
    struct loom_rcu_tramp *t = container_of(h, struct loom_rcu_tramp, head);

    loom_rcu_tsan_acquire();
    t->fn(t->user);
    free(t);
    /* PAIRS: with the acquire load in loom_rcu_barrier. */
    atomic_fetch_sub_explicit(&loom_rcu_tsan_pending, 1, memory_order_release);
}
#else
static inline void loom_rcu_tsan_release(void) {}
static inline void loom_rcu_tsan_acquire(void) {}
#endif

void loom_rcu_register(void)
{
    INV_ASSERT(R2, !loom_rcu_registered);
    rcu_register_thread();
    loom_rcu_registered = true;
    loom_rcu_online_now = true;
}

void loom_rcu_unregister(void)
{
    INV_ASSERT(R2, loom_rcu_registered);
    loom_rcu_tsan_release();
    rcu_unregister_thread();
    loom_rcu_registered = false;
    loom_rcu_online_now = false;
}

void loom_rcu_quiescent(void)
{
    INV_ASSERT(R2, loom_rcu_registered && loom_rcu_online_now);
    loom_rcu_tsan_release();
    rcu_quiescent_state();
}

void loom_rcu_offline(void)
{
    INV_ASSERT(R2, loom_rcu_registered && loom_rcu_online_now);
    loom_rcu_tsan_release();
    rcu_thread_offline();
    loom_rcu_online_now = false;
}

void loom_rcu_online(void)
{
    INV_ASSERT(R2, loom_rcu_registered && !loom_rcu_online_now);
    rcu_thread_online();
    loom_rcu_online_now = true;
}

bool loom_rcu_is_online(void)
{
    return loom_rcu_registered && loom_rcu_online_now;
}

void loom_rcu_call(struct rcu_head *head, void (*fn)(struct rcu_head *))
{
#ifdef LOOM_RCU_TSAN
    struct loom_rcu_tramp *t = malloc(sizeof(*t));

    if (!t)
        abort();
    t->user = head;
    t->fn = fn;
    atomic_fetch_add_explicit(&loom_rcu_tsan_pending, 1, memory_order_relaxed);
    call_rcu(&t->head, loom_rcu_tramp_cb);
#else
    call_rcu(head, fn);
#endif
}

void loom_rcu_synchronize(void)
{
    bool was_online = loom_rcu_online_now;

    /* INV(R3): the waiter is never an online reader. */
    if (was_online)
        loom_rcu_offline();
    synchronize_rcu();
    loom_rcu_tsan_acquire();
    if (was_online)
        loom_rcu_online();
}

void loom_rcu_barrier(void)
{
    bool was_online = loom_rcu_online_now;

    if (was_online)
        loom_rcu_offline();
#ifdef LOOM_RCU_TSAN
    /* PAIRS: with the release decrement in loom_rcu_tramp_cb.  Waits also
     * for callbacks queued meanwhile: stronger than rcu_barrier(), fine for
     * sanitizer builds. */
    while (atomic_load_explicit(&loom_rcu_tsan_pending, memory_order_acquire)) {
        struct timespec ts = { 0, 100000 };

        synchronize_rcu();
        nanosleep(&ts, NULL);
    }
#else
    rcu_barrier();
#endif
    loom_rcu_tsan_acquire();
    if (was_online)
        loom_rcu_online();
}
