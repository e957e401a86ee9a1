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
#include "target/riscv/trigger.h"
#include "vcpu/vcpu.h"


/* Chaos mode's per-hart state (chaos.c).  rng, next_at: owner only.
 * count: written by the owner only (relaxed load-add-store, no RMW
 * needed with one writer), read by the exit report; kicked_at: the
 * kicker thread's only. */
enum { VCPU_CHAOS_DELAY, VCPU_CHAOS_YIELD, VCPU_CHAOS_EXIT, VCPU_CHAOS_JC,
       VCPU_CHAOS_TLB, VCPU_CHAOS_SC, VCPU_CHAOS_N };
struct vcpu_chaos {
    uint64_t rng;               /* xorshift64* state, from seed and index */
    uint64_t next_at;           /* insn_count due for the next perturbation */
    _Atomic uint64_t count[VCPU_CHAOS_N];
    _Atomic uint64_t kicks;     /* kicker thread's kicks of this hart */
    uint64_t kicked_at;         /* progress seen at the last kick */
};

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
    /* Debug state for the invariants V1/V4/V5 (docs/concurrency.md):
     * owner is the token of the thread running this vCPU (set in
     * vcpu_exec_start by that thread; read by asserts on the same thread);
     * in_guest is set around be_exec (relaxed: read by the exclusive
     * section after the mutex hand-off that follows vcpu_exec_end). */
    const void *_Atomic owner;
    _Atomic bool in_guest;
    /* insn_count as last published by the owner, under LOOM_STORM or
     * chaos mode only (paces the storm and chaos kicker threads). */
    _Atomic uint64_t storm_progress;
    struct vcpu_chaos chaos;            /* chaos mode (chaos.c) */
    struct vcpu_work *work_head;        /* async work FIFO, under lock */
    struct vcpu_work **work_tail;
    /* INV(V5) check: items are numbered per target at submission (under
     * lock); the owner runs them in that order (work_ran: owner only). */
    uint64_t work_queued;
    uint64_t work_ran;
    /* Debugger state (debug.c).  dbg_stop_req: set under dbg_lock by any
     * thread, then a kick; read relaxed by the owner at its loop top
     * (after the kick's acquire).  dbg_parked, dbg_go, dbg_fn, dbg_arg:
     * under dbg_lock.  dbg_step: written under dbg_lock while the owner is
     * parked, read by the owner after it wakes.  dbg_event, dbg_step_done:
     * owner only. */
    _Atomic bool dbg_stop_req;
    bool dbg_parked, dbg_go, dbg_step, dbg_step_done;
    int dbg_event;                      /* enum vcpu_dbg_reason */
    struct rv_trig_hit dbg_hit;         /* owner: the trigger that matched */
    vcpu_work_fn dbg_fn;
    void *dbg_arg;
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
/* True between the end of vcpu_start_exclusive's wait and
 * vcpu_end_exclusive: no vCPU is in guest code (INV V1). */
bool vcpu_in_exclusive_body(void);
/* The calling thread runs v (INV V4/V5 asserts). */
bool vcpu_is_owner(struct vcpu *v);
struct vcpu *vcpu_get(unsigned i);

/* exec.c */
/* Make n translation contexts (main thread, before any vCPU thread), and
 * give context i to the calling vCPU thread (thread i; the round-robin
 * thread takes 0).  A thread with none allocates its own lazily. */
void vcpu_ir_pool_init(unsigned n);
void vcpu_ir_bind(unsigned i);
void vcpu_loop(struct vcpu *v);
/* Run v: until an exit request or a halt in round-robin mode (returns true
 * when halted), else forever; guest exceptions are handled inside. */
bool vcpu_run_hart(struct vcpu *v);
const void *vcpu_lookup_tb_ptr(void *env);

/* tb_maint.c: TB maintenance (docs/concurrency.md L*, I*, S*). */
struct tb_maint;
struct tb_pages;
extern struct tb_maint vcpu_tbm;          /* after vcpu_tb_maint_init */
extern struct tb_pages *vcpu_pages;
extern _Atomic unsigned long vcpu_smc_invalidations;  /* TBs, statistics */
void vcpu_tb_maint_init(void);            /* idempotent, any vCPU thread */
/* Full flush, exclusive context: empty every page list. */
void vcpu_tb_maint_flush(void);
/* Make the physical page of paddr a protected code page (may run an
 * exclusive section: call at a safe point, holding no lock); returns its
 * write generation, to pass to tb_register.  INV(S1), INV(S2). */
uint64_t vcpu_code_page_prepare(struct vcpu *v, uint64_t paddr);
/* tr_runtime.code_modified: a write to [paddr, paddr+len) (one page) hit
 * code, and its bytes have landed.  retaddr != 0: returns true if the TB
 * running the write is now invalid (a store then leaves it); retaddr == 0:
 * no running TB to check.  len == ~0: everything (full flush). */
void vcpu_dma_hook_init(struct pmem *pm);
bool vcpu_code_modified(void *env, uint64_t paddr, uint64_t len,
                        uintptr_t retaddr);
/* Flush the hart's TLB and jump cache consistently (DESIGN §4.4): whole,
 * or one page (the jump cache loses the page and the page before it).
 * Owner thread at a safe point, or exclusive context. */
void vcpu_tlb_flush(struct rv_hart *h);
void vcpu_tlb_flush_page(struct rv_hart *h, uint64_t vaddr);
/* tr_runtime.tlb_flush: the target's sfence.vma / satp hook. */
void vcpu_tlb_flush_hook(void *env, uint64_t vaddr, bool all);
/* Queue vcpu_tlb_flush on every hart (async work; returns at once). */
void vcpu_tlb_flush_all_harts(void);

/* work.c: run this vCPU's queued work (owner thread, safe point). */
void vcpu_process_work(struct vcpu *v);

/* Single-threaded round-robin mode (-accel tcg,thread=single). */
extern bool vcpu_rr_mode;
void vcpu_rr_kick(void);
void vcpu_rr_start(pthread_t *thread);

/* flush.c: full flush of all translations, from a vCPU at a safe point. */
void vcpu_tb_flush(struct vcpu *self, unsigned seen_gen);
/* The flush itself, inside an exclusive section (reset.c reuses it):
 * advances vcpu_flush_gen. */
void vcpu_tb_flush_exclusive(void);

/* storm.c: the LOOM_STORM stress driver (tests only; see storm.c). */
void vcpu_storm_start(void);
/* exec.c: tr_runtime.unwind (asserts E1). */
struct tr_insn_pos;
bool vcpu_unwind(uintptr_t host_pc, struct tr_insn_pos *pos);
extern unsigned vcpu_storm_jc_yield;   /* LOOM_STORM jcyield=PCT (0: off) */
void vcpu_storm_yield(void);
/* LOOM_STORM is set: after each trip into guest code the owner publishes
 * its hart's retired-instruction count, which paces the storm (storm.c). */
extern bool vcpu_storm_on;
static inline void vcpu_storm_progress(struct vcpu *v)
{
    /* Owner-only writer (insn_count is the owner's, read here on its own
     * thread); relaxed: the storm thread only needs to see the count grow
     * eventually, it orders nothing on it. */
    atomic_store_explicit(&v->storm_progress, v->hart.insn_count,
                          memory_order_relaxed);
}

/* chaos.c: -accel tcg,chaos=SEED.  configure: from vcpu_system_init;
 * start: from vcpu_run before any vCPU thread exists (prints the seed,
 * starts the kicker).  vcpu_chaos_on is written only there, read-mostly
 * afterwards: the exec loop's one test when chaos is off.  vcpu_chaos_tb:
 * the owner, after each trip into guest code (a safe point: out of
 * generated code, holding no lock); returns true when the loop must not
 * link the TB it just left to the next one. */
extern bool vcpu_chaos_on;
void vcpu_chaos_configure(bool on, uint64_t seed);
void vcpu_chaos_start(void);
bool vcpu_chaos_tb(struct vcpu *v);

/* debug.c: the debugger services are on (vcpu_dbg_enable; set once before
 * vcpu_run).  vcpu_dbg_check: at the exec loop's top, park if this hart
 * has a debug event or a stop request; returns true if it parked (guest
 * state may have changed: drop the previous TB). */
extern bool vcpu_dbg_on;
bool vcpu_dbg_check(struct vcpu *v);
/* A breakpoint is set at pc (the exec loop's INV(D2) assert). */
bool vcpu_dbg_bp_set(uint64_t pc);
/* Step mode: the TB flags bit the exec loop ORs into a stepping hart's
 * key (translated one instruction per TB, never linked). */
#define VCPU_TBF_STEP (1u << 31)

/* tb_maint.c: invalidate the TBs with bytes in [paddr, paddr + len)
 * (within one page), as a code write does. */
void vcpu_invalidate_phys(struct vcpu *v, uint64_t paddr, uint64_t len);

/* vcpu.c: sleep until kicked or an interrupt is pending (WFI). */
void vcpu_wait_kick(struct vcpu *v);

#endif
