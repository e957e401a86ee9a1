/*
 * page.c — physical-page descriptors (page.h): a lock-free radix tree over
 * the page number, and the per-page tagged TB lists.
 *
 * Tree: TB_PAGES_LEVELS levels of TB_PAGES_BITS bits each; the last level
 * is an array of descriptors.  A missing level is allocated zeroed (an
 * all-zero descriptor is valid: unlocked, empty, gen 0) and installed with
 * a compare-and-swap; the loser frees its copy and uses the winner's.
 * Levels are never removed, so a descriptor pointer never dangles
 * (invariant P2).  The release CAS publishes the zeroed level; readers load
 * with acquire.
 *
 * Lists: singly linked through tb->page_next[n]; removal walks the list
 * (pages hold tens of TBs, rarely thousands).  Every list access is under
 * the page's lock (P1), except in exclusive context (full flush).
 */
#include "tbht/page.h"

#include <stdlib.h>
#include "util/compiler.h"
#include "util/error.h"

#define TB_PAGES_BITS   11
#define TB_PAGES_LEVELS (TB_PAGES_NBITS / TB_PAGES_BITS)
#define TB_PAGES_FAN    (1u << TB_PAGES_BITS)
_Static_assert(TB_PAGES_LEVELS * TB_PAGES_BITS == TB_PAGES_NBITS,
               "radix levels must cover the page number");

struct tb_pages {
    void *_Atomic root[TB_PAGES_FAN];
};

struct tb_pages *tb_pages_new(void)
{
    struct tb_pages *p = calloc(1, sizeof(*p));
    if (!p)
        loom_resource_error("out of memory for the page table");
    return p;
}

static void tb_pages_free_level(void *_Atomic *node, unsigned level)
{
    for (unsigned i = 0; i < TB_PAGES_FAN; i++) {
        void *child = atomic_load_explicit(&node[i], memory_order_relaxed);
        if (child && level + 1 < TB_PAGES_LEVELS - 1)
            tb_pages_free_level(child, level + 1);
        free(child);
    }
}

void tb_pages_destroy(struct tb_pages *p)
{
    if (!p)
        return;
    tb_pages_free_level(p->root, 0);
    free(p);
}

static inline unsigned tb_pages_index(uint64_t pn, unsigned level)
{
    unsigned shift = (TB_PAGES_LEVELS - 1 - level) * TB_PAGES_BITS;
    return (unsigned)(pn >> shift) & (TB_PAGES_FAN - 1);
}

/* Walk to the descriptor array of pn; create missing levels if alloc. */
static struct tb_page *tb_pages_walk(struct tb_pages *p, uint64_t pn,
                                     bool alloc)
{
    void *_Atomic *node = p->root;

    INV_ASSERT(P2, pn >> TB_PAGES_NBITS == 0);
    for (unsigned level = 0; level < TB_PAGES_LEVELS - 1; level++) {
        void *_Atomic *slot = &node[tb_pages_index(pn, level)];
        /* PAIRS: with the release CAS below (a zeroed level is visible). */
        void *child = atomic_load_explicit(slot, memory_order_acquire);
        if (!child) {
            if (!alloc)
                return NULL;
            bool leaf = level + 1 == TB_PAGES_LEVELS - 1;
            void *fresh = calloc(TB_PAGES_FAN, leaf ? sizeof(struct tb_page)
                                                    : sizeof(void *));
            if (!fresh)
                loom_resource_error("out of memory for the page table");
            void *expected = NULL;
            /* PAIRS: with the acquire load above in other walkers. */
            if (atomic_compare_exchange_strong_explicit(slot, &expected, fresh,
                    memory_order_acq_rel, memory_order_acquire)) {
                child = fresh;
            } else {
                free(fresh);             /* a racing creator won */
                child = expected;
            }
        }
        node = child;
    }
    return (struct tb_page *)node + tb_pages_index(pn, TB_PAGES_LEVELS - 1);
}

struct tb_page *tb_page_get(struct tb_pages *p, uint64_t pn)
{
    return tb_pages_walk(p, pn, true);
}

struct tb_page *tb_page_find(struct tb_pages *p, uint64_t pn)
{
    return tb_pages_walk(p, pn, false);
}

static void tb_pages_visit(void *_Atomic *node, unsigned level, uint64_t pfx,
                           void (*fn)(uint64_t, struct tb_page *, void *),
                           void *arg)
{
    for (unsigned i = 0; i < TB_PAGES_FAN; i++) {
        void *child = atomic_load_explicit(&node[i], memory_order_acquire);
        uint64_t pn = (pfx << TB_PAGES_BITS) | i;
        if (!child)
            continue;
        if (level + 1 < TB_PAGES_LEVELS - 1) {
            tb_pages_visit(child, level + 1, pn, fn, arg);
            continue;
        }
        struct tb_page *pg = child;
        for (unsigned j = 0; j < TB_PAGES_FAN; j++)
            fn((pn << TB_PAGES_BITS) | j, &pg[j], arg);
    }
}

void tb_pages_foreach(struct tb_pages *p,
                      void (*fn)(uint64_t pn, struct tb_page *pg, void *arg),
                      void *arg)
{
    tb_pages_visit(p->root, 0, 0, fn, arg);
}

void tb_page_lock_pair(struct tb_pages *p, uint64_t pn1, uint64_t pn2,
                       struct tb_page **pg1, struct tb_page **pg2)
{
    *pg1 = tb_page_get(p, pn1);
    *pg2 = pn2 == UINT64_MAX || pn2 == pn1 ? NULL : tb_page_get(p, pn2);
    /* INV(P1): ascending page number. */
    if (*pg2 && pn2 < pn1) {
        loom_spin_lock(&(*pg2)->lock);
        loom_spin_lock(&(*pg1)->lock);
    } else {
        loom_spin_lock(&(*pg1)->lock);
        if (*pg2)
            loom_spin_lock(&(*pg2)->lock);
    }
}

void tb_page_unlock_pair(struct tb_page *pg1, struct tb_page *pg2)
{
    if (pg2)
        loom_spin_unlock(&pg2->lock);
    loom_spin_unlock(&pg1->lock);
}

void tb_page_add__locked(struct tb_page *pg, struct tb *tb, unsigned n)
{
    INV_ASSERT(P1, loom_spin_locked(&pg->lock));
    tb->page_next[n] = pg->tbs;
    pg->tbs = (uintptr_t)tb | n;
}

bool tb_page_remove__locked(struct tb_page *pg, struct tb *tb, unsigned n)
{
    uintptr_t want = (uintptr_t)tb | n;

    INV_ASSERT(P1, loom_spin_locked(&pg->lock));
    for (uintptr_t *pp = &pg->tbs; *pp; pp = &TB_PAGE_NEXT(*pp)) {
        if (*pp == want) {
            *pp = tb->page_next[n];
            tb->page_next[n] = 0;
            return true;
        }
    }
    return false;
}
