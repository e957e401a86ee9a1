/*
 * jc.c — flushing the per-vCPU jump cache (jc.h).
 *
 * Contract: called by the cache's owner vCPU (TLB flush work runs on the
 * owner), so the only concurrent access is none; stores stay atomic because
 * jc.h declares the entries _Atomic and other code may read them with
 * jc_get.  Entries are only hints (INV(J1)); clearing one never breaks
 * correctness, missing one does (INV(J3)).  A TB referenced by an entry is
 * never freed while the entry exists: TB memory is reclaimed only by a full
 * flush, which clears every jump cache first (INV(J2)).
 */
#include "tbht/jc.h"

void jc_clear(struct jc *c)
{
    for (unsigned i = 0; i < JC_SIZE; i++)
        atomic_store_explicit(&c->e[i], NULL, memory_order_relaxed);
}

void jc_clear_page(struct jc *c, uint64_t vaddr, unsigned page_bits)
{
    /* The previous page too: a TB that starts on it may run over the page
     * boundary, so its code depends on the flushed page as well (INV(J3)).
     * jc_index mixes page and offset bits, so a page's entries are spread
     * over the whole array: scan it (4096 loads, only on page flushes). */
    uint64_t page = vaddr >> page_bits;

    for (unsigned i = 0; i < JC_SIZE; i++) {
        /* Relaxed: only the owner stores non-NULL entries (this thread),
         * and it wrote the TB fields it reads here. */
        struct tb *tb = atomic_load_explicit(&c->e[i], memory_order_relaxed);
        uint64_t p;

        if (!tb)
            continue;
        p = tb->pc >> page_bits;
        if (p == page || p + 1 == page)
            atomic_store_explicit(&c->e[i], NULL, memory_order_relaxed);
    }
}

/* Does tb have guest bytes on virtual page `page`?  The requirement of
 * INV(J3) itself, in terms of the TB's byte range — deliberately not the
 * clearing loop's "starts on the page or the one before" rule. */
static bool jc_tb_touches(const struct tb *tb, uint64_t page,
                          unsigned page_bits)
{
    uint64_t first = tb->pc >> page_bits;
    uint64_t last = (tb->pc + (tb->size ? tb->size - 1 : 0)) >> page_bits;
    return first <= page && page <= last;
}

bool jc_check_page_clear(struct jc *c, uint64_t vaddr, unsigned page_bits)
{
    uint64_t page = vaddr >> page_bits;

    for (unsigned i = 0; i < JC_SIZE; i++) {
        /* Relaxed: the owner's own stores (see jc_clear_page). */
        struct tb *tb = atomic_load_explicit(&c->e[i], memory_order_relaxed);
        if (tb && jc_tb_touches(tb, page, page_bits))
            return false;
    }
    return true;
}

bool jc_check_empty(struct jc *c)
{
    for (unsigned i = 0; i < JC_SIZE; i++)
        if (atomic_load_explicit(&c->e[i], memory_order_relaxed))
            return false;
    return true;
}
