/*
 * jc.h — the per-vCPU jump cache: virtual pc → TB, a direct-mapped array
 * written with atomic stores by its owner, cleared (stored NULL) by its owner
 * on TLB flushes.  A hit is only a hint: callers re-check (pc, flags) and
 * !invalid (invariant J1).
 */
#ifndef LOOM_TBHT_JC_H
#define LOOM_TBHT_JC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "tbht/tb.h"

#define JC_BITS 12
#define JC_SIZE (1u << JC_BITS)

struct jc {
    struct tb *_Atomic e[JC_SIZE];
};

static inline unsigned jc_index(uint64_t pc)
{
    /* fold the page number into the low bits so small loops on different
     * pages do not collide */
    uint64_t h = (pc >> 1) ^ (pc >> (1 + JC_BITS));
    return (unsigned)(h & (JC_SIZE - 1));
}

static inline struct tb *jc_get(struct jc *c, uint64_t pc)
{
    /* PAIRS: with the release in jc_set, so a hit sees the TB's fields. */
    return atomic_load_explicit(&c->e[jc_index(pc)], memory_order_acquire);
}

static inline void jc_set(struct jc *c, uint64_t pc, struct tb *tb)
{
    /* PAIRS: with the acquire in jc_get. */
    atomic_store_explicit(&c->e[jc_index(pc)], tb, memory_order_release);
}

void jc_clear(struct jc *c);                       /* whole cache */
/* Entries whose pc lies on the page of vaddr or the page before it. */
void jc_clear_page(struct jc *c, uint64_t vaddr, unsigned page_bits);

/* Debug checks of the owner's cache after a flush (INV(J3), INV(J4)),
 * written independently of the clearing code: no entry holds a TB with a
 * guest byte on page(vaddr); no entry at all. */
bool jc_check_page_clear(struct jc *c, uint64_t vaddr, unsigned page_bits);
bool jc_check_empty(struct jc *c);

#endif
