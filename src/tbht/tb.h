/*
 * tb.h — struct tb, one translated block, as every vCPU sees it.
 *
 * A TB lives in the code buffer (it is the `owner` area of a backend block,
 * see backend/backend.h), is fully written before it is published into the
 * TB hash (release store, invariant T3), and afterwards only its jump slots,
 * its incoming-jump list and its `invalid` flag change.  TB memory is never
 * freed individually: only a full flush (exclusive) reclaims it.
 */
#ifndef LOOM_TBHT_TB_H
#define LOOM_TBHT_TB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "util/compiler.h"
#include "util/spinlock.h"

struct tb {
    /* --- key (immutable after publication) ------------------------------- */
    uint64_t phys_pc;        /* guest physical address of the first byte */
    uint64_t pc;             /* guest virtual pc */
    uint32_t flags;          /* translation flags (target-defined) */
    uint32_t hash;           /* tbht_hash(phys_pc, pc, flags) */

    /* --- immutable after publication ------------------------------------- */
    uint64_t phys_page2;     /* second physical page, or -1 */
    uint32_t size;           /* guest bytes */
    uint32_t icount;         /* guest instructions */
    const void *code;        /* host code entry */
    void *be;                /* the backend block (struct be_block *) */

    /* --- mutable, concurrent --------------------------------------------- */
    _Atomic bool invalid;    /* set once (false → true) by invalidation */
    loom_spin_t jmp_lock;    /* guards jmp_list and jmp_dest of incoming
                                links, and the invalid→unlinked transition
                                (loom_spin_t: CK's lock, TSan-visible twin) */
    /* Outgoing: destination of each goto_tb slot (NULL when unlinked,
     * TB_JMP_DEAD once this TB is invalidated, tbht/tb_maint.h); changed
     * only under the current destination's jmp_lock, or by CAS from NULL. */
    struct tb *_Atomic jmp_dest[2];
    /* Incoming: tagged list of (source tb | slot) linking to this tb,
     * threaded through the sources' jmp_next[slot]. */
    uintptr_t jmp_list;
    uintptr_t jmp_next[2];
    /* Per-page TB lists (tagged with the page number 0/1), under the
     * page's lock (tbht/page.h). */
    uintptr_t page_next[2];
};

#endif
