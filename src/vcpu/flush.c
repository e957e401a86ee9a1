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
#include "vcpu/vcpu_internal.h"

_Atomic unsigned vcpu_flush_gen;

void vcpu_tb_flush_exclusive(void)
{
    INV_ASSERT(V1, vcpu_in_exclusive_body());
    for (unsigned i = 0; i < vcpu_count(); i++)
        jc_clear(&vcpu_get(i)->jc);
    tbht_reset(vcpu_tbht);
    vcpu_tb_maint_flush();               /* page lists (tb_maint.c) */
    be_flush_all();
    /* INV(V2): nothing translated is reachable any more. */
    INV_ASSERT(V2, tbht_count(vcpu_tbht) == 0);
    for (unsigned i = 0; i < vcpu_count(); i++)
        for (unsigned j = 0; j < JC_SIZE; j++)
            INV_ASSERT(V2, atomic_load_explicit(&vcpu_get(i)->jc.e[j],
                                                memory_order_relaxed) == NULL);
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
