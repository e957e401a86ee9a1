/*
 * tb_maint.h — TB life cycle across the shared structures: register a new
 * TB on its pages and in the hash, link a goto_tb slot, invalidate a TB
 * (DESIGN.md §4.5, §4.6; invariants L*, I* in docs/concurrency.md).
 *
 * tbht knows nothing about host code: patching a jump, resetting it, and
 * forgetting a TB in the per-vCPU jump caches are callbacks supplied by the
 * caller (src/vcpu passes the backend's be_patch_jump / be_reset_jump).
 *
 * jmp_dest[slot] states:  NULL (unlinked) → dst (linked, dst's incoming list
 * holds (src|slot)) → NULL (dst invalidated) or TB_JMP_DEAD (src
 * invalidated; never linked again).
 */
#ifndef LOOM_TBHT_TB_MAINT_H
#define LOOM_TBHT_TB_MAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tbht/page.h"
#include "tbht/tb.h"
#include "tbht/tbht.h"

#define TB_JMP_DEAD ((struct tb *)(uintptr_t)1)

struct tb_maint {
    struct tbht *ht;
    struct tb_pages *pages;
    unsigned page_bits;
    /* Point src's goto_tb slot at dst's code / back at its own exit.
     * Called with dst's jmp_lock held (serialises patches of the slot). */
    void (*patch_jump)(struct tb *src, unsigned slot, struct tb *dst);
    void (*reset_jump)(struct tb *src, unsigned slot);
    /* Forget tb in every jump cache (compare-exchange tb → NULL); may be
     * NULL.  Called last in invalidation, with no lock held. */
    void (*jc_remove)(struct tb *tb, void *arg);
    void *arg;
    /* INV(L1): links only within one guest virtual page, into a TB that
     * stays on one page.  When set, tb_link asserts it from the pages
     * recorded in both TBs (the vCPU layer sets it; link-torture links
     * across pages on purpose to stress the protocol, and leaves it off). */
    bool same_page_links;
};

/* Guest-physical bytes of tb on its page n (0: first, 1: second):
 * [*start, *start + return value). */
uint32_t tb_page_range(const struct tb_maint *m, const struct tb *tb,
                       unsigned n, uint64_t *start);

/* Initialise a TB's concurrent fields (before publication; after every
 * other field is written: it ends with a release store). */
void tb_maint_init_tb(struct tb *tb);

/* For a TB reached without a synchronising load (the owner returned by
 * be_exec after a chain of patched jumps, or be_find_block): returns
 * whether it is invalid, with acquire order, so the creator's writes are
 * visible (on x86 the jump itself orders them; this makes it explicit).
 * PAIRS: with the release store in tb_maint_init_tb. */
static inline bool tb_acquire(struct tb *tb)
{
    return atomic_load_explicit(&tb->invalid, memory_order_acquire);
}

/* Publish tb: under its page locks, check that each page's write generation
 * still equals gen[n] (read by the translator before it read the guest
 * bytes; gen[1] ignored for a one-page TB) and — if it does — add tb to its
 * page lists and insert it into the hash.  Returns:
 *   tb         published;
 *   twin       an equal TB was already in the hash (tb not published);
 *   NULL       a generation changed (tb not published: retranslate).
 * LP(register): the hash insert, under the page locks (INV S2). */
struct tb *tb_register(const struct tb_maint *m, struct tb *tb,
                       const uint64_t gen[2]);

/* Link src's slot to dst (both published).  No-op when the slot is taken,
 * or either TB is invalid.  Returns true if it patched. */
bool tb_link(const struct tb_maint *m, struct tb *src, unsigned slot,
             struct tb *dst);

/* Invalidate tb (DESIGN §4.6 order).  Returns false if another thread
 * invalidated it first (that thread completes the protocol). */
bool tb_invalidate(const struct tb_maint *m, struct tb *tb);

/* Invalidate every TB with bytes in [paddr, paddr + len) on physical page
 * pn (the range lies within that page), bumping the page's generation
 * first.  Returns the number of TBs this call invalidated; *empty (if not
 * NULL) tells whether the page list was empty afterwards — checked and
 * acted on under the page lock by on_empty(pg, arg) when not NULL. */
unsigned tb_invalidate_phys(const struct tb_maint *m, uint64_t pn,
                            uint64_t paddr, uint64_t len,
                            void (*on_empty)(struct tb_page *pg, void *arg),
                            void *arg);

/* Full flush (exclusive context): empty every page list. */
void tb_pages_reset_lists(struct tb_pages *p);

/* Audit (quiescent structures): every linked jmp_dest appears in its
 * destination's incoming list and every list entry's jmp_dest points
 * back; no link into or out of an invalid TB.  tbs: the TBs to check.
 * Returns the number of violations; describes the first in *why. */
size_t tb_check_links(struct tb *const *tbs, size_t n, const char **why);

#endif
