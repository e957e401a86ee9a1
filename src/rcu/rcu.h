/*
 * rcu.h — the one place that picks the liburcu flavor: QSBR.
 *
 * Why QSBR: vCPU threads already have natural quiescent points (between TBs
 * in the exec loop), read-side sections then cost nothing at all, and a
 * halted vCPU goes offline so it never delays a grace period
 * (docs/concurrency.md, "RCU", invariants R1..R5).  The price: a registered
 * thread is *online* by default and must announce quiescent states
 * regularly (R2), and loom_rcu_synchronize/barrier must be called offline
 * (R3) — calling them online would wait for the caller itself.
 *
 * Every folder includes this header, never <urcu-qsbr.h> directly.
 * Readers load RCU-published pointers with loom_rcu_dereference();
 * publishers store them with loom_rcu_assign_pointer().  These have exactly
 * the semantics of liburcu's rcu_dereference()/rcu_assign_pointer() (consume
 * load / release store) but are compiler atomics that ThreadSanitizer can
 * see: liburcu 0.13's non-LGPL versions are opaque library calls, so TSan
 * would miss the publication edge and report every published object.
 */
#ifndef LOOM_RCU_RCU_H
#define LOOM_RCU_RCU_H

#include <stdbool.h>
#include <urcu-qsbr.h>

/* Load a pointer published with loom_rcu_assign_pointer (INV(R4)).
 * PAIRS: with the release store in loom_rcu_assign_pointer. */
#define loom_rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_CONSUME)
/* Publish v (fully initialised) into p (INV(R4)).
 * PAIRS: with the consume load in loom_rcu_dereference. */
#define loom_rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

/* Thread lifetime: register before the first read-side access (the thread
 * starts online), unregister before exiting. */
void loom_rcu_register(void);
void loom_rcu_unregister(void);
/* Announce a quiescent state: the caller holds no RCU-protected pointer. */
void loom_rcu_quiescent(void);
/* Leave / re-enter read-side activity (e.g. around a blocking wait). */
void loom_rcu_offline(void);
void loom_rcu_online(void);
/* Free-after-grace-period (head embedded in the object). */
void loom_rcu_call(struct rcu_head *head, void (*fn)(struct rcu_head *));
/* Wait for a grace period (caller must be offline or unregistered). */
void loom_rcu_synchronize(void);
/* Wait until every pending loom_rcu_call callback has run (caller offline
 * or unregistered, like loom_rcu_synchronize). */
void loom_rcu_barrier(void);
/* Debug helper: is the calling thread a registered, online reader? */
bool loom_rcu_is_online(void);

#endif
