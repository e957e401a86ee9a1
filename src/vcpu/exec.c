/*
 * exec.c — the per-vCPU exec loop: find or translate the next TB, link the
 * previous TB to it when allowed, run it (DESIGN.md §3 steps 1-6).
 *
 * Lookup order: jump cache (virtual pc, per vCPU) → code TLB (virtual →
 * physical pc; may raise the guest's instruction fault) → TB hash (shared,
 * lock-free) → translate into this thread's code region and insert; a racing
 * twin that was inserted first wins and our copy is discarded.
 *
 * Linking (invariant L1): a goto_tb slot of TB `src` is patched to TB `dst`
 * only when dst starts on the same guest virtual page as src, and dst does
 * not itself span two pages.  A cross-page jump always goes back through the
 * lookup path, so a remapped page is never reached through a stale link.
 * The patch is made under dst->jmp_lock, which also guards dst's incoming
 * list; jmp_dest[slot] is claimed with a compare-and-swap so two vCPUs
 * linking the same slot agree on one destination (tbht/tb_maint.c, L2-L4;
 * invalidation I1-I4; self-modifying code S1-S5 in tb_maint.c here).
 *
 * Threads: every vCPU thread runs vcpu_loop for its own vcpu; the thread is
 * a registered QSBR reader and reports a quiescent state once per loop
 * iteration, where it holds no TB pointer obtained under RCU except `last`,
 * which stays valid because TB memory is only reclaimed by a full flush
 * (exclusive), after which `last` is dropped (flush generation check).
 */
#include <errno.h>
#include <stdlib.h>
#include "backend/backend.h"
#include "rcu/rcu.h"
#include "softmmu/tlb.h"
#include "tbht/tb_maint.h"
#include "translate/translator.h"
#include "util/error.h"
#include "util/log.h"
#include "util/perfmap.h"
#include "vcpu/vcpu_internal.h"

struct tbht *vcpu_tbht;
unsigned vcpu_max_insns = 512;

/* The thread's translation context (DESIGN.md §4.1): nothing in it is
 * shared, so translation takes no lock. */
static __thread struct ir_ctx *tls_ir;

/* Contexts made by the main thread before any vCPU thread starts, one per
 * vCPU thread: a vCPU thread then allocates nothing to start translating.
 * Under an address-space limit (ulimit -v) the first malloc of a new
 * thread can crash inside jemalloc (seen: arena set-up), while a failure
 * on the main thread is one clean line (loom_resource_error).  Written
 * before the threads are created, read-only afterwards. */
static struct ir_ctx **ir_pool;
static unsigned ir_pool_n;

void vcpu_ir_pool_init(unsigned n)
{
    ir_pool = calloc(n, sizeof(*ir_pool));
    if (!ir_pool)
        loom_resource_error("out of memory for the translation contexts");
    for (unsigned i = 0; i < n; i++) {
        ir_pool[i] = malloc(sizeof(*ir_pool[i]));
        if (!ir_pool[i])
            loom_resource_error("out of memory for the translation contexts");
        ir_ctx_init(ir_pool[i]);
        rv_tr_init_globals(ir_pool[i]);
    }
    ir_pool_n = n;
}

void vcpu_ir_bind(unsigned i)
{
    if (i < ir_pool_n)
        tls_ir = ir_pool[i];
}

static struct ir_ctx *thread_ir(void)
{
    if (unlikely(!tls_ir)) {
        tls_ir = malloc(sizeof(*tls_ir));
        if (!tls_ir)
            loom_resource_error("out of memory for the translation context");
        ir_ctx_init(tls_ir);
        rv_tr_init_globals(tls_ir);
    }
    return tls_ir;
}

static unsigned exec_mmu_idx(uint32_t flags)
{
    return flags & RV_TBF_PRIV_MASK;      /* enum rv_mmu_idx == priv */
}

static void log_block(struct rv_hart *h, struct ir_ctx *ir, struct tb *tb,
                      struct be_block *b)
{
    FILE *f = log_lock();
    if (log_enabled(LOG_IN_ASM)) {
        fprintf(f, "IN: hart %u pc 0x%016llx flags 0x%x\n",
                (unsigned)h->mhartid, (unsigned long long)tb->pc, tb->flags);
        rv_disas_block(h, tb->pc, tb->size, f);
        fputc('\n', f);
    }
    if (log_enabled(LOG_OP)) {
        fprintf(f, "OP:\n");
        ir_dump(ir, f);
        fputc('\n', f);
    }
    if (log_enabled(LOG_OUT_ASM)) {
        fprintf(f, "OUT: [size=%u]\n", b->code_size);
        be_disas(f, b->code, b->code_size);
        fputc('\n', f);
    }
    log_unlock();
}

/* Translate (pc, flags) into this thread's region: a block and its info.
 * Runs the full flush itself when the code buffer is exhausted. */
static struct be_block *tb_translate(struct vcpu *v, struct ir_ctx *ir,
                                     uint64_t pc, uint32_t flags,
                                     struct rv_tb_info *info)
{
    /* Single-step TBs hold one instruction (debug.c). */
    unsigned max_insns = flags & VCPU_TBF_STEP ? 1 : vcpu_max_insns;
    struct be_block *b;

    for (;;) {
        if (rv_translate(&v->hart, ir, pc, flags, max_insns, info) < 0) {
            if (max_insns == 1)
                loom_fatal("one guest instruction overflows the IR at 0x%llx",
                           (unsigned long long)pc);
            max_insns = (max_insns + 1) / 2;
            continue;
        }
        ir_optimize(ir);
        int r = be_gen_code(ir, &b);
        if (r == 0)
            return b;
        if (r == -E2BIG && info->icount > 1) {
            max_insns = (info->icount + 1) / 2;
        } else if (r == -ENOSPC) {
            /* Code buffer full: flush everything (exclusive) and retry. */
            vcpu_tb_flush(v, atomic_load(&vcpu_flush_gen));
        } else {
            loom_fatal("code generation failed at 0x%llx: %d",
                       (unsigned long long)pc, r);
        }
    }
}

/* Retranslations after a racing code write before we give up publishing
 * (the TB then runs once, invalid and unpublished). */
#define TB_GEN_RETRIES 16

/* Translate (pc, flags) at physical phys_pc and publish it.  Returns the
 * TB to run: ours, or the twin another vCPU inserted first.
 *
 * INV(S1)/INV(S2): protect-then-translate.  Each page the TB reads is made
 * a protected code page and its write generation read *before* the guest
 * bytes are; tb_register re-checks the generations under the page locks.
 * The second page of a spanning TB is known only after translating, so
 * the first translation that discovers it is discarded and redone with
 * that page prepared. */
static struct tb *tb_gen(struct vcpu *v, uint64_t pc, uint64_t phys_pc,
                         uint32_t flags)
{
    struct rv_hart *h = &v->hart;
    struct ir_ctx *ir = thread_ir();
    uint64_t page2 = UINT64_MAX, gen[2] = { 0, 0 };

    for (unsigned attempt = 0;; attempt++) {
        gen[0] = vcpu_code_page_prepare(v, phys_pc);
        if (page2 != UINT64_MAX)
            gen[1] = vcpu_code_page_prepare(v, page2);

        struct rv_tb_info info;
        struct be_block *b = tb_translate(v, ir, pc, flags, &info);
        uint64_t last_page = info.phys_last & TLB_PAGE_MASK;
        uint64_t p2 = last_page != (phys_pc & TLB_PAGE_MASK) ? last_page
                                                             : UINT64_MAX;
        if (p2 != UINT64_MAX && p2 != page2) {
            be_discard_last(b);          /* read an unprepared page */
            page2 = p2;
            continue;
        }

        struct tb *tb = be_block_owner(b);
        *tb = (struct tb){
            .phys_pc = phys_pc, .pc = pc, .flags = flags,
            .hash = tbht_hash(phys_pc, pc, flags),
            .size = (uint32_t)info.size, .icount = info.icount,
            .code = b->code, .be = b, .phys_page2 = p2,
        };
        tb_maint_init_tb(tb);
        gen[1] = p2 == UINT64_MAX ? 0 : gen[1];

        if (unlikely(loom_log_mask & (LOG_IN_ASM | LOG_OP | LOG_OUT_ASM)))
            log_block(h, ir, tb, b);

        /* LP(publish): tb_register's hash insert (a release store) makes
         * tb reachable; every field above, the code and the insn records
         * are written before it (invariant T3). */
        struct tb *winner = tb_register(&vcpu_tbm, tb, gen);
        if (winner == tb) {
            hstat_inc(&h->stats, HS_TRANSLATIONS);
            /* Named for perf only once kept (a discarded twin's code
             * space is reused at once). */
            if (unlikely(perfmap_enabled))
                perfmap_tb(b->code, b->code_size, pc);
            return tb;
        }
        if (winner) {
            be_discard_last(b);
            return winner;
        }
        /* A code write hit a page between our generation read and the
         * registration: the bytes may be stale. */
        if (attempt < TB_GEN_RETRIES) {
            be_discard_last(b);
            continue;
        }
        /* Heavy concurrent writes: run this copy once, never reachable
         * (invalid TBs are neither linked nor hit in a jump cache). */
        atomic_store(&tb->invalid, true);
        if (unlikely(perfmap_enabled))
            perfmap_tb(b->code, b->code_size, pc);
        return tb;
    }
}

static bool tb_matches(const struct tb *tb, uint64_t pc, uint32_t flags)
{
    return tb && tb->pc == pc && tb->flags == flags &&
           !atomic_load_explicit(&tb->invalid, memory_order_acquire);
}

/* Find the TB for (pc, flags).  probe: never raise and never translate
 * (for the goto_ptr lookup helper running inside generated code). */
/* A TB whose first instruction straddles into a second page is keyed by
 * its first page only, so a remapped second page would bring back stale
 * bytes under the same key: check that the page after the TB's start still
 * maps to phys_page2.  Such TBs are never link targets (L1), so every entry
 * into one passes through tb_find and this check. */
static bool tb_page2_current(struct vcpu *v, const struct tb *tb,
                             uint32_t flags)
{
    uint64_t pa;
    const uint8_t *host;

    if (tb->phys_page2 == UINT64_MAX)
        return true;
    return tlb_code_addr(&v->hart.tlb, (tb->pc & TLB_PAGE_MASK) + TLB_PAGE_SIZE,
                         exec_mmu_idx(flags), true, &pa, &host) &&
           (pa & TLB_PAGE_MASK) == tb->phys_page2;
}

static struct tb *tb_find(struct vcpu *v, uint64_t pc, uint32_t flags,
                          bool probe)
{
    struct hstats *st = &v->hart.stats;
    struct tb *tb = jc_get(&v->jc, pc);
    if (tb_matches(tb, pc, flags) &&     /* INV(J1): hit re-checked */
        tb_page2_current(v, tb, flags)) {
        hstat_inc(st, HS_JC_HITS);
        return tb;
    }
    hstat_inc(st, HS_JC_MISSES);

    uint64_t phys;
    const uint8_t *host;
    if (!tlb_code_addr(&v->hart.tlb, pc, exec_mmu_idx(flags), probe, &phys,
                       &host))
        return NULL;                     /* probe miss (no fault raised) */
    uint32_t hash = tbht_hash(phys, pc, flags);
    tb = tbht_lookup(vcpu_tbht, phys, pc, flags, hash);
    /* Being invalidated (not yet out of the hash): translate afresh. */
    if (tb && atomic_load_explicit(&tb->invalid, memory_order_acquire))
        tb = NULL;
    hstat_inc(st, HS_TBHT_LOOKUPS);
    if (!tb)
        hstat_inc(st, HS_TBHT_MISSES);
    if (tb && !tb_page2_current(v, tb, flags)) {
        if (probe)
            return NULL;
        /* Stale second page: drop it, so its retranslation can take the
         * key (if it is unmapped now, translating raises the fetch fault). */
        tb_invalidate(&vcpu_tbm, tb);
        tb = NULL;
    }
    if (!tb) {
        if (probe)
            return NULL;
        tb = tb_gen(v, pc, phys, flags);
    }
    if (!atomic_load_explicit(&tb->invalid, memory_order_relaxed)) {
        /* An invalidation may still complete between this check and the
         * store (its jump-cache clear then finds nothing): J1's re-check
         * of every hit covers it.  Tests widen the window (storm.c). */
        if (unlikely(vcpu_storm_jc_yield))
            vcpu_storm_yield();
        jc_set(&v->jc, pc, tb);
    }
    return tb;
}

const void *vcpu_lookup_tb_ptr(void *env)
{
    struct rv_hart *h = env;
    if (unlikely(log_enabled(LOG_EXEC)))
        return be_return_stub();         /* log every TB from the loop */
    /* A stepping hart runs one instruction per trip through the loop. */
    if (unlikely(vcpu_of(h)->dbg_step))
        return be_return_stub();
    hstat_inc(&h->stats, HS_PTR_LOOKUPS);
    struct tb *tb = tb_find(vcpu_of(h), h->pc, rv_tb_flags(h), true);
    return tb ? tb->code : be_return_stub();
}

/* The unwinder of the exception protocol (DESIGN.md §4.8), the backend's
 * record lookup plus INV(E1): the guest pc it restores lies inside the
 * guest bytes of the TB that owns the host pc — a bound the backend's
 * records do not carry (the TB's pc and size come from the translator). */
bool vcpu_unwind(uintptr_t host_pc, struct tr_insn_pos *pos)
{
    struct be_block *b = be_find_block(host_pc - 1);
    int i = b ? be_block_unwind(b, host_pc, pos->data) : -1;
    if (i < 0)
        return false;
    const struct tb *tb = be_block_owner(b);
    INV_ASSERT(E1, pos->data[0] >= tb->pc && pos->data[0] - tb->pc < tb->size);
    pos->index = (unsigned)i;
    /* One record per IR_INSN_START: the count the TB's entry added. */
    pos->count = b->icount;
    assert(pos->count == tb->icount && pos->index < pos->count);
    return true;
}

/* Link src's goto_tb slot to dst, when allowed (INV(L1)): dst starts on
 * the same guest virtual page as src, and dst itself stays on one page.
 * The protocol (claim, lists, patching, races with invalidation) is
 * tbht's tb_link. */
static void tb_link_checked(struct tb *src, unsigned slot, struct tb *dst)
{
    /* src came back from be_exec, possibly after patched jumps. */
    if (tb_acquire(src))
        return;
    struct be_block *sb = src->be;
    if (sb->jmp_insn_off[slot] == BE_NO_SLOT)
        return;
    if ((src->pc & TLB_PAGE_MASK) != (dst->pc & TLB_PAGE_MASK) ||
        dst->phys_page2 != UINT64_MAX)
        return;
    /* Step TBs return to the loop after their one instruction.  (A step
     * ends with a park, which drops `last`, so this never triggers from
     * the loop today; it keeps INV(D3) independent of that.) */
    if ((src->flags | dst->flags) & VCPU_TBF_STEP)
        return;
    /* INV(L1) is asserted inside tb_link, from both TBs' recorded pages. */
    tb_link(&vcpu_tbm, src, slot, dst);
}

static void handle_exit_request(struct vcpu *v)
{
    /* PAIRS: with the release store in vcpu_kick: whatever the kicker
     * published (pending interrupts, queued work) is visible below. */
    atomic_exchange_explicit(&v->hart.exit_request, 0, memory_order_acquire);
    hstat_inc(&v->hart.stats, HS_KICKS);
    /* Give a pending exclusive section its chance. */
    vcpu_exec_end(v);
    vcpu_exec_start(v);
    vcpu_process_work(v);
}

/* Run v's guest code.  In round-robin mode: return at the first exit
 * request or when the hart halts (the scheduler then picks the next hart);
 * otherwise run forever, sleeping while halted.  Returns true if it
 * returned because the hart halted with nothing to do. */
static bool run(struct vcpu *v)
{
    const bool rr = vcpu_rr_mode;
    struct rv_hart *h = &v->hart;
    struct tb *last = NULL;
    unsigned last_slot = 0, last_gen = 0;

    for (;;) {
        loom_rcu_quiescent();
        if (atomic_load_explicit(&h->exit_request, memory_order_relaxed)) {
            handle_exit_request(v);
            last = NULL;
            if (rr)
                return false;
        }
        /* Debugger: a breakpoint or finished step parks this hart; so
         * does a stop request (debug.c). */
        if (unlikely(vcpu_dbg_on) && vcpu_dbg_check(v))
            last = NULL;
        if (unlikely(v->flush_requested)) {
            v->flush_requested = false;
            vcpu_tb_flush(v, atomic_load(&vcpu_flush_gen));
            last = NULL;
        }
        /* Stepping masks interrupts, as gdb expects of a step (QEMU's
         * default too): the step ends at the next instruction. */
        if (likely(!v->dbg_step) && rv_check_interrupts(h))
            last = NULL;
        if (h->halted) {
            if (!rv_interrupt_pending(h)) {
                if (rr)
                    return true;
                hstat_inc(&h->stats, HS_WFI_SLEEPS);
                vcpu_exec_end(v);
                vcpu_wait_kick(v);
                vcpu_exec_start(v);
                last = NULL;
                continue;
            }
            h->halted = false;
        }

        uint64_t pc = h->pc;
        uint32_t flags = rv_tb_flags(h);
        if (unlikely(v->dbg_step))
            flags |= VCPU_TBF_STEP;
        struct tb *tb = tb_find(v, pc, flags, false);

        unsigned gen = atomic_load_explicit(&vcpu_flush_gen,
                                            memory_order_relaxed);
        if (last && gen == last_gen && !log_enabled(LOG_EXEC))
            tb_link_checked(last, last_slot, tb);
        if (unlikely(log_enabled(LOG_EXEC)))
            log_printf("Trace %u: %p [%016llx/%x]\n", v->index, tb->code,
                       (unsigned long long)pc, flags);

        INV_ASSERT(V1, !vcpu_in_exclusive_body());
        /* INV(D2): a TB at a breakpoint is the debug stop (one 2-byte
         * "instruction", rv_breakpoint), never one translated before the
         * breakpoint was set. */
        INV_ASSERT(D2, !vcpu_dbg_on || !vcpu_dbg_bp_set(tb->pc) ||
                       (tb->icount == 1 && tb->size == 2));
        atomic_store_explicit(&v->in_guest, true, memory_order_relaxed);
        hstat_inc(&h->stats, HS_LOOP_TBS);
        uintptr_t ret = be_exec(h, tb->code);
        atomic_store_explicit(&v->in_guest, false, memory_order_relaxed);
        if (unlikely(vcpu_storm_on))
            vcpu_storm_progress(v);
        last = (struct tb *)(ret & ~(uintptr_t)3);
        last_slot = (unsigned)(ret & 3);
        last_gen = gen;
        /* The step's instruction ran unless the TB left at its entry
         * check (a trap ends the step in vcpu_run_hart). */
        if (unlikely(v->dbg_step) && last_slot != IR_EXIT_REQUESTED)
            v->dbg_step_done = true;
        /* INV(D3): a step runs one TB of one instruction: it left from
         * the TB it entered (no chained or looked-up TB ran after it). */
        INV_ASSERT(D3, !v->dbg_step || !last ||
                       (last == tb && tb->icount == 1));
        if (!last || last_slot == IR_EXIT_NOCHAIN ||
            last_slot == IR_EXIT_REQUESTED) {
            hstat_inc(&h->stats, last_slot == IR_EXIT_REQUESTED ?
                      HS_EXIT_REQUESTED : HS_EXIT_NOCHAIN);
            last = NULL;
        } else {
            hstat_inc(&h->stats, HS_EXIT_CHAIN);
            last_slot -= IR_EXIT_SLOT0;
        }
        /* Chaos mode's perturbation point (chaos.c); off: one branch on a
         * flag written before the vCPU threads started. */
        if (unlikely(vcpu_chaos_on) && vcpu_chaos_tb(v))
            last = NULL;
    }
}

bool vcpu_run_hart(struct vcpu *v)
{
    vcpu_tb_maint_init();
    for (;;) {
        /* Landing pad of the exception protocol: a helper or the
         * translator took a guest trap and jumped here; the hart's state
         * is already the trap handler's.  `volatile` is not needed: no
         * local of this frame changes between sigsetjmp and siglongjmp. */
        if (sigsetjmp(v->hart.jmp_env, 0) == 0)
            return run(v);
        /* A trap may have left generated code without passing the store
         * after be_exec: the hart is no longer in guest code (V1). */
        atomic_store_explicit(&v->in_guest, false, memory_order_relaxed);
        hstat_inc(&v->hart.stats, HS_EXIT_TRAP);
        /* A trap taken while stepping ends the step at the handler. */
        if (v->dbg_step)
            v->dbg_step_done = true;
    }
}

void vcpu_loop(struct vcpu *v)
{
    vcpu_ir_bind(v->index);
    loom_rcu_register();
    vcpu_exec_start(v);
    vcpu_run_hart(v);
}
