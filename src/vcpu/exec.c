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
 * linking the same slot agree on one destination.
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
#include "translate/translator.h"
#include "util/error.h"
#include "util/log.h"
#include "vcpu/vcpu_internal.h"

struct tbht *vcpu_tbht;
unsigned vcpu_max_insns = 512;

/* The thread's translation context (DESIGN.md §4.1): nothing in it is
 * shared, so translation takes no lock. */
static __thread struct ir_ctx *tls_ir;

static struct ir_ctx *thread_ir(void)
{
    if (unlikely(!tls_ir)) {
        tls_ir = malloc(sizeof(*tls_ir));
        if (!tls_ir)
            loom_fatal("out of memory for the translation context");
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

/* Translate (pc, flags) at physical phys_pc and publish it.  Returns the
 * TB to run: ours, or the twin another vCPU inserted first. */
static struct tb *tb_gen(struct vcpu *v, uint64_t pc, uint64_t phys_pc,
                         uint32_t flags)
{
    struct rv_hart *h = &v->hart;
    struct ir_ctx *ir = thread_ir();
    unsigned max_insns = vcpu_max_insns;
    struct rv_tb_info info;
    struct be_block *b;

    for (;;) {
        if (rv_translate(h, ir, pc, flags, max_insns, &info) < 0) {
            if (max_insns == 1)
                loom_fatal("one guest instruction overflows the IR at 0x%llx",
                           (unsigned long long)pc);
            max_insns = (max_insns + 1) / 2;
            continue;
        }
        ir_optimize(ir);
        int r = be_gen_code(ir, &b);
        if (r == 0)
            break;
        if (r == -E2BIG && info.icount > 1) {
            max_insns = (info.icount + 1) / 2;
        } else if (r == -ENOSPC) {
            /* Code buffer full: flush everything (exclusive) and retry. */
            vcpu_tb_flush(v, atomic_load(&vcpu_flush_gen));
        } else {
            loom_fatal("code generation failed at 0x%llx: %d",
                       (unsigned long long)pc, r);
        }
    }

    struct tb *tb = be_block_owner(b);
    *tb = (struct tb){
        .phys_pc = phys_pc, .pc = pc, .flags = flags,
        .hash = tbht_hash(phys_pc, pc, flags),
        .size = (uint32_t)info.size, .icount = info.icount,
        .code = b->code, .be = b,
    };
    uint64_t page_mask = TLB_PAGE_MASK;
    tb->phys_page2 = (info.phys_last & page_mask) != (phys_pc & page_mask) ?
                     (info.phys_last & page_mask) : (uint64_t)-1;
    ck_spinlock_init(&tb->jmp_lock);

    if (unlikely(loom_log_mask & (LOG_IN_ASM | LOG_OP | LOG_OUT_ASM)))
        log_block(h, ir, tb, b);

    /* LP(publish): tbht_insert's release store makes tb reachable; every
     * field above, the code and the insn records are written before it
     * (invariant T3). */
    struct tb *winner = tbht_insert(vcpu_tbht, tb);
    if (winner != tb)
        be_discard_last(b);
    return winner;
}

static bool tb_matches(const struct tb *tb, uint64_t pc, uint32_t flags)
{
    return tb && tb->pc == pc && tb->flags == flags &&
           !atomic_load_explicit(&tb->invalid, memory_order_acquire);
}

/* Find the TB for (pc, flags).  probe: never raise and never translate
 * (for the goto_ptr lookup helper running inside generated code). */
static struct tb *tb_find(struct vcpu *v, uint64_t pc, uint32_t flags,
                          bool probe)
{
    struct tb *tb = jc_get(&v->jc, pc);
    if (tb_matches(tb, pc, flags))       /* INV(J1): hit re-checked */
        return tb;

    uint64_t phys;
    const uint8_t *host;
    if (!tlb_code_addr(&v->hart.tlb, pc, exec_mmu_idx(flags), probe, &phys,
                       &host))
        return NULL;                     /* probe miss (no fault raised) */
    uint32_t hash = tbht_hash(phys, pc, flags);
    tb = tbht_lookup(vcpu_tbht, phys, pc, flags, hash);
    if (!tb) {
        if (probe)
            return NULL;
        tb = tb_gen(v, pc, phys, flags);
    }
    jc_set(&v->jc, pc, tb);
    return tb;
}

const void *vcpu_lookup_tb_ptr(void *env)
{
    struct rv_hart *h = env;
    if (unlikely(log_enabled(LOG_EXEC)))
        return be_return_stub();         /* log every TB from the loop */
    struct tb *tb = tb_find(vcpu_of(h), h->pc, rv_tb_flags(h), true);
    return tb ? tb->code : be_return_stub();
}

void vcpu_code_modified(void *env, uint64_t paddr, uint64_t len)
{
    (void)paddr;
    (void)len;
    /* fence.i (or a write to code): translations may be stale.  We are
     * inside generated code, so only request the flush; the front end ends
     * the TB right after fence.i and the loop flushes at its next safe
     * point. */
    vcpu_of(env)->flush_requested = true;
}

static void tb_link(struct tb *src, unsigned slot, struct tb *dst)
{
    struct be_block *sb = src->be;
    if (sb->jmp_insn_off[slot] == BE_NO_SLOT)
        return;
    /* INV(L1): same virtual page, and dst confined to one page. */
    if ((src->pc & TLB_PAGE_MASK) != (dst->pc & TLB_PAGE_MASK) ||
        dst->phys_page2 != (uint64_t)-1)
        return;
    ck_spinlock_lock(&dst->jmp_lock);
    struct tb *expected = NULL;
    /* PAIRS: acq_rel with itself in a racing link of the same slot. */
    if (!atomic_load_explicit(&dst->invalid, memory_order_relaxed) &&
        atomic_compare_exchange_strong_explicit(&src->jmp_dest[slot],
                &expected, dst, memory_order_acq_rel, memory_order_acquire)) {
        src->jmp_next[slot] = dst->jmp_list;
        dst->jmp_list = (uintptr_t)src | slot;
        INV_ASSERT(L1, (src->pc & TLB_PAGE_MASK) == (dst->pc & TLB_PAGE_MASK));
        be_patch_jump(sb, slot, dst->code);
    }
    ck_spinlock_unlock(&dst->jmp_lock);
}

static void handle_exit_request(struct vcpu *v)
{
    /* PAIRS: with the release store in vcpu_kick: whatever the kicker
     * published (pending interrupts, queued work) is visible below. */
    atomic_exchange_explicit(&v->hart.exit_request, 0, memory_order_acquire);
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
        if (unlikely(v->flush_requested)) {
            v->flush_requested = false;
            vcpu_tb_flush(v, atomic_load(&vcpu_flush_gen));
            last = NULL;
        }
        if (rv_check_interrupts(h))
            last = NULL;
        if (h->halted) {
            if (!rv_interrupt_pending(h)) {
                if (rr)
                    return true;
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
        struct tb *tb = tb_find(v, pc, flags, false);

        unsigned gen = atomic_load_explicit(&vcpu_flush_gen,
                                            memory_order_relaxed);
        if (last && gen == last_gen && !log_enabled(LOG_EXEC))
            tb_link(last, last_slot, tb);
        if (unlikely(log_enabled(LOG_EXEC)))
            log_printf("Trace %u: %p [%016llx/%x]\n", v->index, tb->code,
                       (unsigned long long)pc, flags);

        uintptr_t ret = be_exec(h, tb->code);
        last = (struct tb *)(ret & ~(uintptr_t)3);
        last_slot = (unsigned)(ret & 3);
        last_gen = gen;
        if (!last || last_slot == IR_EXIT_NOCHAIN ||
            last_slot == IR_EXIT_REQUESTED)
            last = NULL;
        else
            last_slot -= IR_EXIT_SLOT0;
    }
}

bool vcpu_run_hart(struct vcpu *v)
{
    for (;;) {
        /* Landing pad of the exception protocol: a helper or the
         * translator took a guest trap and jumped here; the hart's state
         * is already the trap handler's.  `volatile` is not needed: no
         * local of this frame changes between sigsetjmp and siglongjmp. */
        if (sigsetjmp(v->hart.jmp_env, 0) == 0)
            return run(v);
    }
}

void vcpu_loop(struct vcpu *v)
{
    loom_rcu_register();
    vcpu_exec_start(v);
    vcpu_run_hart(v);
}
