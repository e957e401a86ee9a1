/*
 * tb_maint.c — the vCPU side of TB maintenance: code-page preparation for
 * translation, self-modifying-code invalidation, the backend and jump-cache
 * callbacks of tbht's link/invalidate protocol, and TLB + jump-cache flush
 * helpers (DESIGN.md §4.4-4.6, §4.9; docs/concurrency.md L*, I*, S*).
 *
 * Code pages (S1): before a translator reads guest bytes from a physical
 * page, the page is marked in pmem's code bitmap and every vCPU's TLB is
 * made to trap writes to it (tlb_protect_code_page).  TLBs are owner-only
 * (M1/V4), so the first protection of a page runs in an exclusive section
 * (every other vCPU is outside generated code, so no store to the page is
 * in flight and no TLB is being filled); in round-robin mode the other
 * harts are not running and are protected directly.  The descriptor's
 * `protected` flag records that this was done; it is cleared, with the
 * code bit, only when the page has no TB left.
 *
 * Write generation (S2): a translator reads the page's generation (under
 * the page lock, after protection) before reading guest bytes; tb_register
 * re-checks it under the page lock.  Every trapped write bumps it twice:
 * before the store (pre-pass: invalidate overlapping TBs, so the writer's
 * own TB can be detected and left) and after it (post-pass: a TB
 * translated from the old bytes in between is either on the list and
 * invalidated now, or fails its re-check).
 *
 * Threads: all functions run on vCPU threads; the flush helpers only on
 * the hart's own thread (or exclusive context).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "backend/backend.h"
#include "softmmu/tlb.h"
#include "tbht/tb_maint.h"
#include "util/error.h"
#include "vcpu/vcpu_internal.h"

struct tb_pages *vcpu_pages;
struct tb_maint vcpu_tbm;
_Atomic unsigned long vcpu_smc_invalidations;   /* statistics */

static pthread_once_t tbm_once = PTHREAD_ONCE_INIT;

static void vcpu_patch_jump(struct tb *src, unsigned slot, struct tb *dst)
{
    be_patch_jump(src->be, slot, dst->code);
}

static void vcpu_reset_jump(struct tb *src, unsigned slot)
{
    be_reset_jump(src->be, slot);
}

/* INV(I4): remove tb from every jump cache.  Remote entries are only ever
 * compare-exchanged from tb to NULL, so a newer entry the owner stored in
 * the meantime is never erased; a hit is re-checked anyway (J1). */
static void vcpu_jc_remove(struct tb *tb, void *arg)
{
    (void)arg;
    unsigned idx = jc_index(tb->pc);
    for (unsigned i = 0; i < vcpu_count(); i++) {
        struct tb *expected = tb;
        atomic_compare_exchange_strong_explicit(&vcpu_get(i)->jc.e[idx],
                &expected, NULL, memory_order_relaxed, memory_order_relaxed);
    }
}

/* LOOM_TB_STATS=1 in the environment: report full flushes and SMC
 * invalidations on stderr as they happen (the process ends with _exit, so
 * there is no exit-time report).  Tests use it to check that SMC needs no
 * full flush. */
static bool tbm_stats;

static void tbm_init(void)
{
    const char *st = getenv("LOOM_TB_STATS");
    tbm_stats = st && *st && *st != '0';
    vcpu_pages = tb_pages_new();
    vcpu_tbm = (struct tb_maint){
        .ht = vcpu_tbht, .pages = vcpu_pages, .page_bits = TLB_PAGE_BITS,
        .patch_jump = vcpu_patch_jump, .reset_jump = vcpu_reset_jump,
        .jc_remove = vcpu_jc_remove, .same_page_links = true,
    };
}

void vcpu_tb_maint_init(void)
{
    pthread_once(&tbm_once, tbm_init);
}

void vcpu_tb_maint_flush(void)
{
    if (vcpu_pages)
        tb_pages_reset_lists(vcpu_pages);
    if (tbm_stats)
        fprintf(stderr, "loom: tb stats: full flush #%u\n",
                be_flush_count() + 1);
}

/* --- code pages ----------------------------------------------------------- */

static void protect_now(struct pmem *pm, uint64_t ppage, struct tb_page *pg)
{
    /* INV(V4): other vCPUs' TLBs are written here, so no other vCPU may be
     * running: one thread runs every hart, or this is an exclusive body. */
    INV_ASSERT(V4, vcpu_rr_mode || vcpu_count() == 1 ||
                   vcpu_in_exclusive_body());
    loom_spin_lock(&pg->lock);
    if (pmem_code_test(pm, ppage)) {
        for (unsigned i = 0; i < vcpu_count(); i++)
            tlb_protect_code_page(&vcpu_get(i)->hart.tlb, ppage);
        pg->protected = true;
    }
    loom_spin_unlock(&pg->lock);
}

uint64_t vcpu_code_page_prepare(struct vcpu *v, uint64_t paddr)
{
    struct pmem *pm = v->hart.pmem;
    uint64_t ppage = paddr & TLB_PAGE_MASK;
    struct tb_page *pg = tb_page_get(vcpu_pages, ppage >> TLB_PAGE_BITS);

    for (;;) {
        loom_spin_lock(&pg->lock);
        if (pg->protected) {
            INV_ASSERT(S1, pmem_code_test(pm, ppage));
            /* Under the lock: ordered after the post-pass of any write
             * whose bytes we might otherwise miss (S2). */
            uint64_t gen = atomic_load_explicit(&pg->gen,
                                                memory_order_relaxed);
            loom_spin_unlock(&pg->lock);
            return gen;
        }
        /* Marking under the lock orders it with a clear (which happens
         * under the lock, on an empty page). */
        if (!pmem_code_mark(pm, ppage) && !pmem_code_test(pm, ppage)) {
            /* Not RAM/ROM (never happens: fetch faults there first): no
             * store can reach it through RAM, nothing to protect. */
            uint64_t gen = atomic_load_explicit(&pg->gen,
                                                memory_order_relaxed);
            loom_spin_unlock(&pg->lock);
            return gen;
        }
        loom_spin_unlock(&pg->lock);
        if (vcpu_rr_mode || vcpu_count() == 1) {
            /* One thread runs every hart (or there is one hart): no other
             * hart is mid-store or filling its TLB. */
            protect_now(pm, ppage, pg);
        } else {
            vcpu_exec_end(v);
            vcpu_start_exclusive();
            protect_now(pm, ppage, pg);
            vcpu_end_exclusive();
            vcpu_exec_start(v);
        }
    }
}

/* --- self-modifying code -------------------------------------------------- */

struct clear_arg {
    struct pmem *pm;
    uint64_t ppage;
};

static void page_now_empty(struct tb_page *pg, void *arg)
{
    struct clear_arg *c = arg;
    (void)pg;
    pmem_code_clear(c->pm, c->ppage);     /* INV(S3), page lock held */
}

/* Returns the number of TBs invalidated. */
static unsigned invalidate_range(struct pmem *pm, uint64_t paddr,
                                 uint64_t len)
{
    struct clear_arg c = { pm, paddr & TLB_PAGE_MASK };
    unsigned n = tb_invalidate_phys(&vcpu_tbm, paddr >> TLB_PAGE_BITS, paddr,
                                    len, page_now_empty, &c);
    if (!n)
        return 0;
    unsigned long t = atomic_fetch_add_explicit(&vcpu_smc_invalidations, n,
                                                memory_order_relaxed) + n;
    if (tbm_stats && ((t & (t - 1)) == 0 || (t ^ (t - n)) > t - n))
        fprintf(stderr, "loom: tb stats: %lu TBs invalidated by code "
                "writes\n", t);
    return n;
}

void vcpu_invalidate_phys(struct vcpu *v, uint64_t paddr, uint64_t len)
{
    invalidate_range(v->hart.pmem, paddr, len);
}

bool vcpu_code_modified(void *env, uint64_t paddr, uint64_t len,
                        uintptr_t retaddr)
{
    struct vcpu *v = vcpu_of(env);

    if (len == ~0ull) {
        /* Everything may be stale (PMP change): full flush at the loop's
         * next safe point; the caller ends the TB. */
        v->flush_requested = true;
        return false;
    }
    INV_ASSERT(S4, ((paddr ^ (paddr + len - 1)) & TLB_PAGE_MASK) == 0);
    /* INV(S2): the written bytes have landed (the softmmu reports after
     * the store), so one invalidation leaves no TB of the old bytes. */
    /* Counted here, on the writing hart's own thread (hstats rule). */
    hstat_add(&v->hart.stats.c[HS_SMC_INVAL],
              invalidate_range(v->hart.pmem, paddr, len));
    if (!retaddr)
        return false;
    /* S5: is the TB running this store gone?  Then the caller must leave
     * it after the store. */
    struct be_block *b = be_find_block(retaddr - 1);
    if (!b)
        return false;
    struct tb *cur = be_block_owner(b);
    if (!tb_acquire(cur))
        return false;
    /* Callers that cannot leave at once (atomics) still leave at the next
     * TB entry; store slow paths leave right after the store. */
    atomic_store_explicit(&v->hart.exit_request, 1, memory_order_relaxed);
    return true;
}

/* pmem's code-write hook: a device DMA write (pmem_dma_write) landed on a
 * page holding translated code.  Runs on a device I/O thread between
 * vcpu_io_begin and vcpu_io_end, so no full flush or reset overlaps it
 * (INV V6) and the thread is an online RCU reader for the hash removals.
 * The bytes have landed (INV S2), so one pass leaves no TB of the old
 * bytes; a vCPU still inside such a TB finishes it, as with another
 * hart's store. */
static struct pmem *dma_pmem;

static void vcpu_dma_code_write(uint64_t paddr, uint64_t len)
{
    INV_ASSERT(V6, vcpu_io_inside());
    INV_ASSERT(S4, ((paddr ^ (paddr + len - 1)) & TLB_PAGE_MASK) == 0);
    invalidate_range(dma_pmem, paddr, len);
}

void vcpu_dma_hook_init(struct pmem *pm)
{
    dma_pmem = pm;
    pmem_set_code_write_hook(pm, vcpu_dma_code_write);
}

/* --- TLB + jump-cache flushes (DESIGN §4.4) -------------------------------- */

void vcpu_tlb_flush(struct rv_hart *h)
{
    /* INV(V4): TLB and jump cache change only on their owner's thread or
     * in an exclusive section. */
    INV_ASSERT(V4, vcpu_is_owner(vcpu_of(h)) || vcpu_in_exclusive_body());
    tlb_flush(&h->tlb);
    jc_clear(&vcpu_of(h)->jc);
    /* INV(J4): no entry survives a whole flush (checked after the call,
     * so a flush that forgets the jump cache fires it). */
    INV_ASSERT(J4, jc_check_empty(&vcpu_of(h)->jc));
}

void vcpu_tlb_flush_page(struct rv_hart *h, uint64_t vaddr)
{
    INV_ASSERT(V4, vcpu_is_owner(vcpu_of(h)) || vcpu_in_exclusive_body());
    tlb_flush_page(&h->tlb, vaddr);
    /* INV(J3): the page and the page before it. */
    jc_clear_page(&vcpu_of(h)->jc, vaddr, TLB_PAGE_BITS);
    /* INV(J3), from the TBs' byte ranges (jc.c jc_check_page_clear). */
    INV_ASSERT(J3, jc_check_page_clear(&vcpu_of(h)->jc, vaddr, TLB_PAGE_BITS));
}

void vcpu_tlb_flush_hook(void *env, uint64_t vaddr, bool all)
{
    if (all)
        vcpu_tlb_flush(env);
    else
        vcpu_tlb_flush_page(env, vaddr);
}

static void tlb_flush_work(struct rv_hart *h, void *arg)
{
    (void)arg;
    vcpu_tlb_flush(h);
}

void vcpu_tlb_flush_all_harts(void)
{
    vcpu_async_run_all(tlb_flush_work, NULL);
}
