/*
 * page.h — per-physical-page descriptors: which TBs hold guest bytes of a
 * page, and the page's write generation (self-modifying code, DESIGN.md
 * §4.5, §4.6, §4.9; invariants P1-P3, S1-S4 in docs/concurrency.md).
 *
 * A descriptor is found by page number through a radix tree whose levels
 * are inserted with compare-and-swap and never freed, so lookups take no
 * lock and a descriptor pointer stays valid for the life of the table.
 *
 * Each descriptor has a spinlock guarding:
 *   tbs        tagged singly-linked list of TBs with bytes on the page:
 *              (tb | n) where n = 0 if this is the TB's first page, 1 if its
 *              second; the link is tb->page_next[n]
 *   gen        write generation: bumped (under the lock) by every code
 *              write that hits the page and by every code-bit clear; also
 *              read without the lock (acquire) by translators
 *   protected  true once every vCPU's TLB was made to trap writes to the
 *              page (set in an exclusive section, cleared with the code bit)
 *
 * Lock order (invariant P1): page locks in ascending page number, then TB
 * jmp_locks; the TB hash's bucket locks nest inside page locks.  Nothing
 * takes a page lock while holding a jmp_lock or a bucket lock.
 */
#ifndef LOOM_TBHT_PAGE_H
#define LOOM_TBHT_PAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tbht/tb.h"
#include "util/spinlock.h"

struct tb_page {
    loom_spin_t lock;
    bool protected;              /* under lock */
    _Atomic uint64_t gen;        /* written under lock; acquire loads */
    uintptr_t tbs;               /* under lock: tagged list head */
};

struct tb_pages;

/* Page numbers must be below 2^TB_PAGES_NBITS (56-bit physical addresses
 * with 4 KiB pages). */
#define TB_PAGES_NBITS 44

struct tb_pages *tb_pages_new(void);
void tb_pages_destroy(struct tb_pages *p);      /* no concurrent users */

/* The descriptor of page number pn, created if absent.  Any thread,
 * lock-free (a racing creator's level is kept, ours freed). */
struct tb_page *tb_page_get(struct tb_pages *p, uint64_t pn);
/* The descriptor, or NULL if it was never created. */
struct tb_page *tb_page_find(struct tb_pages *p, uint64_t pn);

/* Visit every created descriptor (pn ascending).  Exclusive context, or a
 * quiescent table, when fn changes the descriptor without its lock. */
void tb_pages_foreach(struct tb_pages *p,
                      void (*fn)(uint64_t pn, struct tb_page *pg, void *arg),
                      void *arg);

/* Lock one or two pages (pn2 = UINT64_MAX for none) in ascending order. */
void tb_page_lock_pair(struct tb_pages *p, uint64_t pn1, uint64_t pn2,
                       struct tb_page **pg1, struct tb_page **pg2);
void tb_page_unlock_pair(struct tb_page *pg1, struct tb_page *pg2);

/* Under pg's lock: add / remove tb's page n (0 or 1) on pg's list.
 * Removal returns false if it was not there. */
void tb_page_add__locked(struct tb_page *pg, struct tb *tb, unsigned n);
bool tb_page_remove__locked(struct tb_page *pg, struct tb *tb, unsigned n);

/* Iterate a tagged list: for (uintptr_t e = pg->tbs; e; e = TB_PAGE_NEXT(e)) */
#define TB_PAGE_TB(e)   ((struct tb *)((e) & ~(uintptr_t)1))
#define TB_PAGE_N(e)    ((unsigned)((e) & 1))
#define TB_PAGE_NEXT(e) (TB_PAGE_TB(e)->page_next[TB_PAGE_N(e)])

#endif
