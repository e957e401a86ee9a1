/*
 * rcu.h — the one place that picks the liburcu flavor: QSBR.
 *
 * Why QSBR: vCPU threads already have natural quiescent points (between TBs
 * in the exec loop), read-side sections then cost nothing at all, and a
 * halted vCPU goes offline so it never delays a grace period
 * (docs/concurrency.md, "RCU").
 *
 * Every folder includes this header, never <urcu-qsbr.h> directly.  Readers
 * use liburcu's rcu_dereference(); publishers rcu_assign_pointer().
 */
#ifndef LOOM_RCU_RCU_H
#define LOOM_RCU_RCU_H

#include <urcu-qsbr.h>

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
/* Wait until every pending loom_rcu_call callback has run. */
void loom_rcu_barrier(void);

#endif
