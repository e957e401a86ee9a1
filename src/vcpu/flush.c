/*
 * flush.c — full flush of every translation (DESIGN.md §4.7).
 *
 * Runs as an exclusive section: no vCPU is in generated code or
 * translating, so the code buffer, the TB hash, every jump cache and every
 * link can be reset without any further synchronisation (invariant V2).
 * Requests are deduplicated by the flush generation: a vCPU that asked for a
 * flush when the generation was g does nothing if another vCPU already
 * flushed past g.
 */
#include "backend/backend.h"
#include "tbht/page.h"
#include "vcpu/vcpu_internal.h"

_Atomic unsigned vcpu_flush_gen;

#ifndef NDEBUG
static void count_tb(struct tb *tb, void *arg)
{
    (void)tb;
    ++*(size_t *)arg;
}

static void count_listed(uint64_t pn, struct tb_page *pg, void *arg)
{
    (void)pn;
    /* Exclusive context: no lock needed (tb_pages_foreach contract). */
    *(size_t *)arg += pg->tbs != 0;
}

/* INV(V2) from the state itself: every hash bucket, every page list, every
 * jump cache (links need no check: every TB is unreachable, and the code
 * buffer that held the jumps is reset). */
static bool flush_nothing_reachable(void)
{
    size_t in_hash = 0, listed = 0;

    tbht_foreach(vcpu_tbht, count_tb, &in_hash);
    if (vcpu_pages)
        tb_pages_foreach(vcpu_pages, count_listed, &listed);
    if (in_hash || listed)
        return false;
    for (unsigned i = 0; i < vcpu_count(); i++)
        if (!jc_check_empty(&vcpu_get(i)->jc))
            return false;
    return true;
}
#endif

void vcpu_tb_flush_exclusive(void)
{
    INV_ASSERT(V1, vcpu_in_exclusive_body());
    for (unsigned i = 0; i < vcpu_count(); i++)
        jc_clear(&vcpu_get(i)->jc);
    tbht_reset(vcpu_tbht);
    vcpu_tb_maint_flush();               /* page lists (tb_maint.c) */
    be_flush_all();
    /* INV(V2): nothing translated is reachable any more — checked by
     * walking the structures themselves, not the counters the reset code
     * keeps. */
    INV_ASSERT(V2, flush_nothing_reachable());
    /* Readers of the generation are vCPUs resuming after the section;
     * the section's mutex hand-off orders this store before them. */
    atomic_store_explicit(&vcpu_flush_gen,
                          atomic_load_explicit(&vcpu_flush_gen,
                                               memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

void vcpu_tb_flush(struct vcpu *self, unsigned seen_gen)
{
    vcpu_exec_end(self);
    vcpu_start_exclusive();
    if (atomic_load_explicit(&vcpu_flush_gen, memory_order_relaxed) == seen_gen)
        vcpu_tb_flush_exclusive();
    vcpu_end_exclusive();
    vcpu_exec_start(self);
}
