/*
 * tlb.c — the per-vCPU software TLB: fill, slow paths, flushes (tlb.h).
 *
 * Fast-path contract (what generated code does, backend.h): for an access of
 * `size` bytes at vaddr with mmu index m,
 *     e   = &table[m][(vaddr >> TLB_PAGE_BITS) & (TLB_SIZE - 1)]
 *     hit = e->cmp_{read,write} == (vaddr & (TLB_PAGE_MASK | (size - 1)))
 *     host = vaddr + e->addend
 * so a comparator is either the page's vaddr (direct RAM/ROM access allowed)
 * or has a flag bit set (never equal to a masked address: the flags sit
 * above bit 2 and below the page offset), and a misaligned access always
 * misses.  Comparators per page:
 *     access not granted by the walk    TLB_INVALID
 *     RAM (whole page)                  page
 *     RAM, write, page holds code       page | TLB_NOTDIRTY
 *     RAM, read/write the fill watches  page | TLB_WATCH (slow path, RAM)
 *     ROM, write                        TLB_INVALID (slow path: access fault)
 *     MMIO, hole, or partial RAM page   page | TLB_MMIO (slow path: pmem_*)
 *
 * Slow paths: look up (fill on miss), then RAM → host memory, otherwise
 * pmem_read/pmem_write on the physical address; a refused physical access
 * raises ops->access_fault.  Misaligned accesses are emulated: within a page
 * on RAM they are done directly; across a page both pages are translated
 * (faults raised for the first failing page, at the access address or the
 * second page's start) before any byte moves; misaligned MMIO faults.
 *
 * Concurrency: a struct tlb is read and written only by its owning vCPU
 * thread (invariant M1, docs/concurrency.md) — no atomics, no locks.  Other
 * threads ask the owner to flush (async work in src/vcpu).
 */
#include "softmmu/tlb.h"
#include "softmmu/ram_access.h"
#include "util/hstats.h"

#include <string.h>

static_assert(TLB_FLAGS_MASK < TLB_PAGE_SIZE && (TLB_FLAGS_MASK & 7) == 0,
              "flags must not collide with page bits or alignment bits");

static const uint64_t TLB_EMPTY = TLB_INVALID;

static inline unsigned tlb_index(uint64_t vaddr)
{
    return (vaddr >> TLB_PAGE_BITS) & (TLB_SIZE - 1);
}

static inline uint64_t tlb_cmp(const struct tlb_entry *e,
                               enum tlb_access access)
{
    return access == TLB_READ ? e->cmp_read :
           access == TLB_WRITE ? e->cmp_write : e->cmp_exec;
}

static void tlb_entry_clear(struct tlb_entry *e, struct tlb_full *f)
{
    e->cmp_read = e->cmp_write = e->cmp_exec = TLB_EMPTY;
    e->addend = 0;
    f->paddr = 0;
    f->region = NULL;
}

void tlb_init(struct tlb *t, struct pmem *pm, const struct tlb_ops *ops,
              void *env)
{
    t->ops = ops;
    t->pmem = pm;
    t->env = env;
    atomic_store_explicit(&t->flush_count, 0, memory_order_relaxed);
    atomic_store_explicit(&t->page_flush_count, 0, memory_order_relaxed);
    atomic_store_explicit(&t->fill_count, 0, memory_order_relaxed);
    for (unsigned m = 0; m < TLB_NB_MMU; m++)
        for (unsigned i = 0; i < TLB_SIZE; i++)
            tlb_entry_clear(&t->table[m][i], &t->full[m][i]);
}

void tlb_flush(struct tlb *t)
{
    tlb_flush_mmu(t, (1u << TLB_NB_MMU) - 1);
    hstat_add(&t->flush_count, 1);
}

void tlb_flush_mmu(struct tlb *t, unsigned mmu_mask)
{
    for (unsigned m = 0; m < TLB_NB_MMU; m++)
        if (mmu_mask & (1u << m))
            for (unsigned i = 0; i < TLB_SIZE; i++)
                tlb_entry_clear(&t->table[m][i], &t->full[m][i]);
}

/* Does any valid comparator of e map the page at vaddr? */
static bool tlb_entry_maps(const struct tlb_entry *e, uint64_t page)
{
    const uint64_t c[3] = { e->cmp_read, e->cmp_write, e->cmp_exec };
    for (int k = 0; k < 3; k++)
        if (!(c[k] & TLB_INVALID) && (c[k] & TLB_PAGE_MASK) == page)
            return true;
    return false;
}

void tlb_flush_page(struct tlb *t, uint64_t vaddr)
{
    uint64_t page = vaddr & TLB_PAGE_MASK;
    unsigned i = tlb_index(vaddr);
    hstat_add(&t->page_flush_count, 1);
    for (unsigned m = 0; m < TLB_NB_MMU; m++)
        if (tlb_entry_maps(&t->table[m][i], page))
            tlb_entry_clear(&t->table[m][i], &t->full[m][i]);
}

void tlb_protect_code_page(struct tlb *t, uint64_t paddr)
{
    uint64_t ppage = paddr & TLB_PAGE_MASK;
    for (unsigned m = 0; m < TLB_NB_MMU; m++)
        for (unsigned i = 0; i < TLB_SIZE; i++) {
            struct tlb_entry *e = &t->table[m][i];
            if (t->full[m][i].region && t->full[m][i].paddr == ppage &&
                !(e->cmp_write & (TLB_INVALID | TLB_MMIO)))
                e->cmp_write |= TLB_NOTDIRTY;
        }
}

/* Install the walk's result for the page of vaddr. */
static void tlb_install(struct tlb *t, unsigned mmu_idx, uint64_t vaddr,
                        const struct tlb_fill *fl)
{
    uint64_t page = vaddr & TLB_PAGE_MASK, ppage = fl->paddr & TLB_PAGE_MASK;
    unsigned i = tlb_index(vaddr);
    struct tlb_entry *e = &t->table[mmu_idx][i];
    struct tlb_full *f = &t->full[mmu_idx][i];
    const struct pmem_region *r = pmem_find(t->pmem, ppage);
    hstat_add(&t->fill_count, 1);
    /* Direct access needs the whole page inside one RAM/ROM region. */
    bool direct = r && r->kind != PMEM_MMIO &&
                  TLB_PAGE_SIZE <= r->size - (ppage - r->base);
    uint64_t base = direct ? page : page | TLB_MMIO;

    e->cmp_read = fl->prot & (1u << TLB_READ) ? base : TLB_EMPTY;
    e->cmp_exec = fl->prot & (1u << TLB_EXEC) ? base : TLB_EMPTY;
    e->cmp_write = fl->prot & (1u << TLB_WRITE) ? base : TLB_EMPTY;
    if (direct && r->kind == PMEM_ROM)
        e->cmp_write = TLB_EMPTY;
    else if (direct && e->cmp_write != TLB_EMPTY &&
             pmem_code_test(t->pmem, ppage))
        e->cmp_write |= TLB_NOTDIRTY;
    /* Watched accesses miss the fast path; the slow path treats the page
     * as the RAM it is (only TLB_MMIO selects pmem_*). */
    if (direct && (fl->watch & (1u << TLB_READ)) && e->cmp_read != TLB_EMPTY)
        e->cmp_read |= TLB_WATCH;
    if (direct && (fl->watch & (1u << TLB_WRITE)) && e->cmp_write != TLB_EMPTY)
        e->cmp_write |= TLB_WATCH;
    e->addend = direct ?
        (uintptr_t)(r->host + (ppage - r->base)) - (uintptr_t)page : 0;
    f->paddr = ppage;
    f->region = r;
}

/* Translate vaddr for `access` into entry index *idx of table[mmu_idx],
 * filling on a miss.  Returns false only when probing and the access would
 * fault; otherwise faults are raised (never return).  On success the
 * entry's comparator for `access` has no TLB_INVALID. */
static bool tlb_lookup(struct tlb *t, uint64_t vaddr, enum tlb_access access,
                       unsigned mmu_idx, bool probe, uintptr_t retaddr)
{
    INV_ASSERT(M1, mmu_idx < TLB_NB_MMU);
    struct tlb_entry *e = &t->table[mmu_idx][tlb_index(vaddr)];
    uint64_t cmp = tlb_cmp(e, access);
    if (!(cmp & TLB_INVALID) && (cmp & TLB_PAGE_MASK) == (vaddr & TLB_PAGE_MASK))
        return true;

    struct tlb_fill fl = { .watch = 0 };
    if (!t->ops->fill(t->env, vaddr, access, mmu_idx, probe, retaddr, &fl))
        return false;
    tlb_install(t, mmu_idx, vaddr, &fl);
    if (!(tlb_cmp(e, access) & TLB_INVALID))
        return true;
    /* The walk allowed the access but memory does not (ROM write). */
    if (probe)
        return false;
    t->ops->access_fault(t->env, vaddr, access, retaddr);
}

/* After a successful tlb_lookup: the entry for vaddr. */
static inline struct tlb_entry *tlb_entry_of(struct tlb *t, uint64_t vaddr,
                                             unsigned mmu_idx)
{
    return &t->table[mmu_idx][tlb_index(vaddr)];
}

static inline uint64_t tlb_paddr_of(struct tlb *t, uint64_t vaddr,
                                    unsigned mmu_idx)
{
    return t->full[mmu_idx][tlb_index(vaddr)].paddr |
           (vaddr & ~TLB_PAGE_MASK);
}

/* A write of `size` bytes at vaddr (physical paddr) hits a code page: let
 * the translation machinery invalidate the TBs; once the page holds no more
 * code, stop trapping its writes.  code_write may flush this TLB, so callers
 * look the page up again before using the entry. */
static void tlb_code_written(struct tlb *t, uint64_t vaddr, uint64_t paddr,
                             unsigned size, unsigned mmu_idx,
                             uintptr_t retaddr)
{
    if (t->ops->code_write)
        t->ops->code_write(t->env, paddr, size, retaddr);
    struct tlb_entry *e = tlb_entry_of(t, vaddr, mmu_idx);
    if (!pmem_code_test(t->pmem, paddr) &&
        (e->cmp_write & TLB_PAGE_MASK) == (vaddr & TLB_PAGE_MASK))
        e->cmp_write &= ~TLB_NOTDIRTY;
}

static inline bool tlb_is_notdirty(struct tlb *t, uint64_t vaddr,
                                   unsigned mmu_idx)
{
    return tlb_entry_of(t, vaddr, mmu_idx)->cmp_write & TLB_NOTDIRTY;
}

/* One access that lies within one page (already looked up). */
static uint64_t tlb_load_page(struct tlb *t, uint64_t vaddr, unsigned size,
                              unsigned mmu_idx, uintptr_t retaddr)
{
    struct tlb_entry *e = tlb_entry_of(t, vaddr, mmu_idx);
    uint64_t v = 0;
    if (e->cmp_read & TLB_MMIO) {
        if (!pmem_read(t->pmem, tlb_paddr_of(t, vaddr, mmu_idx), size, &v))
            t->ops->access_fault(t->env, vaddr, TLB_READ, retaddr);
        return v;
    }
    return ram_ld((void *)(uintptr_t)(vaddr + e->addend), size);
}

static void tlb_store_page(struct tlb *t, uint64_t vaddr, unsigned size,
                           uint64_t val, unsigned mmu_idx, uintptr_t retaddr)
{
    struct tlb_entry *e = tlb_entry_of(t, vaddr, mmu_idx);
    if (e->cmp_write & TLB_MMIO) {
        if (!pmem_write(t->pmem, tlb_paddr_of(t, vaddr, mmu_idx), size, val))
            t->ops->access_fault(t->env, vaddr, TLB_WRITE, retaddr);
        return;
    }
    ram_st((void *)(uintptr_t)(vaddr + e->addend), size, val);
}

static inline bool tlb_crosses_page(uint64_t vaddr, unsigned size)
{
    return ((vaddr & ~TLB_PAGE_MASK) + size) > TLB_PAGE_SIZE;
}

/* A page-crossing access: both pages must be RAM/ROM (misaligned MMIO is
 * an access fault).  Called after both pages are looked up. */
static void tlb_split_check(struct tlb *t, uint64_t vaddr, uint64_t v2,
                            enum tlb_access access, unsigned mmu_idx,
                            uintptr_t retaddr)
{
    if (tlb_cmp(tlb_entry_of(t, vaddr, mmu_idx), access) & TLB_MMIO)
        t->ops->access_fault(t->env, vaddr, access, retaddr);
    if (tlb_cmp(tlb_entry_of(t, v2, mmu_idx), access) & TLB_MMIO)
        t->ops->access_fault(t->env, v2, access, retaddr);
}

uint64_t tlb_load(struct tlb *t, uint64_t vaddr, unsigned size,
                  unsigned mmu_idx, uintptr_t retaddr)
{
    tlb_lookup(t, vaddr, TLB_READ, mmu_idx, false, retaddr);
    if (likely(!tlb_crosses_page(vaddr, size)))
        return tlb_load_page(t, vaddr, size, mmu_idx, retaddr);

    uint64_t v2 = (vaddr & TLB_PAGE_MASK) + TLB_PAGE_SIZE;
    unsigned n1 = v2 - vaddr;
    tlb_lookup(t, v2, TLB_READ, mmu_idx, false, retaddr);
    /* Both pages may share a TLB index only if TLB_SIZE == 1; re-check the
     * first after filling the second. */
    tlb_lookup(t, vaddr, TLB_READ, mmu_idx, false, retaddr);
    tlb_split_check(t, vaddr, v2, TLB_READ, mmu_idx, retaddr);
    uint8_t buf[8];
    ram_read(buf, (void *)(uintptr_t)(vaddr +
             tlb_entry_of(t, vaddr, mmu_idx)->addend), n1);
    ram_read(buf + n1, (void *)(uintptr_t)(v2 +
             tlb_entry_of(t, v2, mmu_idx)->addend), size - n1);
    uint64_t v = 0;
    memcpy(&v, buf, size);
    return v;
}

void tlb_store(struct tlb *t, uint64_t vaddr, unsigned size, uint64_t val,
               unsigned mmu_idx, uintptr_t retaddr)
{
    tlb_lookup(t, vaddr, TLB_WRITE, mmu_idx, false, retaddr);
    if (likely(!tlb_crosses_page(vaddr, size))) {
        /* INV(S2): the store lands first, then the TBs translated from the
         * old bytes are invalidated.  The other order lets another hart
         * retranslate the old bytes between the invalidation and the store
         * and keep that stale TB past the guest's fence.i. */
        bool nd = tlb_is_notdirty(t, vaddr, mmu_idx);
        uint64_t pa = tlb_paddr_of(t, vaddr, mmu_idx);
        tlb_store_page(t, vaddr, size, val, mmu_idx, retaddr);
        if (nd)
            tlb_code_written(t, vaddr, pa, size, mmu_idx, retaddr);
        return;
    }

    uint64_t v2 = (vaddr & TLB_PAGE_MASK) + TLB_PAGE_SIZE;
    unsigned n1 = v2 - vaddr;
    tlb_lookup(t, v2, TLB_WRITE, mmu_idx, false, retaddr);
    tlb_lookup(t, vaddr, TLB_WRITE, mmu_idx, false, retaddr);
    tlb_split_check(t, vaddr, v2, TLB_WRITE, mmu_idx, retaddr);
    /* Sample both parts before the store; code_write may flush the TLB.
     * INV(S2): store first, then invalidate (see above). */
    bool nd1 = tlb_is_notdirty(t, vaddr, mmu_idx);
    bool nd2 = tlb_is_notdirty(t, v2, mmu_idx);
    uint64_t pa1 = tlb_paddr_of(t, vaddr, mmu_idx);
    uint64_t pa2 = tlb_paddr_of(t, v2, mmu_idx);
    uint8_t buf[8];
    memcpy(buf, &val, size);
    ram_write((void *)(uintptr_t)(vaddr +
              tlb_entry_of(t, vaddr, mmu_idx)->addend), buf, n1);
    ram_write((void *)(uintptr_t)(v2 +
              tlb_entry_of(t, v2, mmu_idx)->addend), buf + n1, size - n1);
    if (nd1)
        tlb_code_written(t, vaddr, pa1, n1, mmu_idx, retaddr);
    if (nd2)
        tlb_code_written(t, v2, pa2, size - n1, mmu_idx, retaddr);
}

void *tlb_host_addr(struct tlb *t, uint64_t vaddr, unsigned size,
                    enum tlb_access access, unsigned mmu_idx,
                    uintptr_t retaddr)
{
    if (vaddr & (size - 1))
        return NULL;
    tlb_lookup(t, vaddr, access, mmu_idx, false, retaddr);
    struct tlb_entry *e = tlb_entry_of(t, vaddr, mmu_idx);
    if (tlb_cmp(e, access) & TLB_MMIO)
        return NULL;
    return (void *)(uintptr_t)(vaddr + e->addend);
}

void tlb_host_write_done(struct tlb *t, uint64_t vaddr, unsigned size,
                         unsigned mmu_idx, uintptr_t retaddr)
{
    /* The page was just filled by tlb_host_addr; look it up again in case
     * the caller's bracket flushed it (PMP-split pages). */
    tlb_lookup(t, vaddr, TLB_WRITE, mmu_idx, false, retaddr);
    /* INV(S2): reported after the atomic's write landed. */
    if (tlb_is_notdirty(t, vaddr, mmu_idx))
        tlb_code_written(t, vaddr, tlb_paddr_of(t, vaddr, mmu_idx), size,
                         mmu_idx, retaddr);
}

bool tlb_code_addr(struct tlb *t, uint64_t vaddr, unsigned mmu_idx,
                   bool probe, uint64_t *paddr, const uint8_t **host)
{
    if (!tlb_lookup(t, vaddr, TLB_EXEC, mmu_idx, probe, 0))
        return false;
    struct tlb_entry *e = tlb_entry_of(t, vaddr, mmu_idx);
    if (e->cmp_exec & TLB_MMIO) {
        if (probe)
            return false;
        t->ops->access_fault(t->env, vaddr, TLB_EXEC, 0);
    }
    *paddr = tlb_paddr_of(t, vaddr, mmu_idx);
    *host = (const uint8_t *)(uintptr_t)(vaddr + e->addend);
    return true;
}
