/*
 * vcpu_internal.h — state shared by the files of src/vcpu.
 *
 * struct vcpu fields: who writes, how readers load.
 *   hart            owner thread only (the guest CPU state)
 *   jc              owner stores entries; the full-flush path clears it in
 *                   exclusive context (owner stopped)
 *   running         owner, seq_cst stores; read seq_cst by start_exclusive
 *                   (Dekker pairing with excl_active, invariant V1)
 *   has_waiter      under excl_lock
 *   kicked          under lock (with cond), see vcpu_kick / vcpu_wait_kick
 *   flush_requested owner sets from a helper, owner reads in the loop
 *   work_head/tail  under lock (work.c)
 */
#ifndef LOOM_VCPU_INTERNAL_H
#define LOOM_VCPU_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "tbht/jc.h"
#include "tbht/tbht.h"
#include "translate/ir.h"
#include "vcpu/vcpu.h"

struct vcpu {
    struct rv_hart hart;
    unsigned index;
    pthread_t thread;
    struct jc jc;
    _Atomic bool running;       /* between exec_start and exec_end */
    bool has_waiter;            /* counted by the active exclusive section */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool kicked;
    bool flush_requested;       /* full flush at the next safe point */
    struct vcpu_work *work_head;        /* async work FIFO, under lock */
    struct vcpu_work **work_tail;
} CACHE_ALIGNED;

/* Shared translation state. */
extern struct tbht *vcpu_tbht;
extern _Atomic unsigned vcpu_flush_gen;   /* full flushes done */
extern unsigned vcpu_max_insns;

static inline struct vcpu *vcpu_of(struct rv_hart *h)
{
    return (struct vcpu *)h->vcpu;
}

/* exclusive.c */
void vcpu_exec_start(struct vcpu *v);
void vcpu_exec_end(struct vcpu *v);
void vcpu_start_exclusive(void);
void vcpu_end_exclusive(void);
struct vcpu *vcpu_get(unsigned i);

/* exec.c */
void vcpu_loop(struct vcpu *v);
/* Run v: until an exit request or a halt in round-robin mode (returns true
 * when halted), else forever; guest exceptions are handled inside. */
bool vcpu_run_hart(struct vcpu *v);
const void *vcpu_lookup_tb_ptr(void *env);
void vcpu_code_modified(void *env, uint64_t paddr, uint64_t len);

/* work.c: run this vCPU's queued work (owner thread, safe point). */
void vcpu_process_work(struct vcpu *v);

/* Single-threaded round-robin mode (-accel tcg,thread=single). */
extern bool vcpu_rr_mode;
void vcpu_rr_kick(void);
void vcpu_rr_start(pthread_t *thread);

/* flush.c: full flush of all translations, from a vCPU at a safe point. */
void vcpu_tb_flush(struct vcpu *self, unsigned seen_gen);

/* vcpu.c: sleep until kicked or an interrupt is pending (WFI). */
void vcpu_wait_kick(struct vcpu *v);

#endif
