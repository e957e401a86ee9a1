/*
 * tlb.h — the per-vCPU software TLB (softmmu).
 *
 * Each vCPU owns one struct tlb, embedded in its CPU state so generated code
 * reaches it at a fixed offset from env (see be_softmmu_layout).  The fast
 * path (inline in generated code) compares a page-aligned guest virtual
 * address with the entry's comparator for the access kind; any flag bit in
 * the comparator (TLB_INVALID, TLB_MMIO, TLB_NOTDIRTY, TLB_WATCH) makes it miss, so the
 * slow path sees every special case.
 *
 * The layout is ready for Sv39/Sv48 (mmu indexes per privilege/MPRV mode,
 * filled by the target's page walk) and for code-page write protection
 * (TLB_NOTDIRTY in cmp_write, DESIGN.md §4.9).
 *
 * Concurrency: only the owning vCPU thread reads or writes its TLB
 * (invariant M1 in docs/concurrency.md); cross-vCPU flushes are run on the
 * owner as async work (src/vcpu).
 */
#ifndef LOOM_SOFTMMU_TLB_H
#define LOOM_SOFTMMU_TLB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "softmmu/pmem.h"
#include "util/compiler.h"

#define TLB_PAGE_BITS 12
#define TLB_PAGE_SIZE (1ull << TLB_PAGE_BITS)
#define TLB_PAGE_MASK (~(TLB_PAGE_SIZE - 1))
#define TLB_BITS      8                 /* entries per mmu index: 256 */
#define TLB_SIZE      (1u << TLB_BITS)
#define TLB_NB_MMU    4                 /* mmu indexes (target-defined) */
#define TLB_ENTRY_SHIFT 5               /* sizeof(struct tlb_entry) == 32 */

/* Comparator flag bits (below the page offset, never part of an address). */
#define TLB_INVALID   (1ull << 6)       /* entry empty / access not allowed */
#define TLB_MMIO      (1ull << 7)       /* page is MMIO: always slow path */
#define TLB_NOTDIRTY  (1ull << 8)       /* write to a code page: slow path */
#define TLB_WATCH     (1ull << 9)       /* target asked: slow path (RAM) */
#define TLB_FLAGS_MASK (TLB_INVALID | TLB_MMIO | TLB_NOTDIRTY | TLB_WATCH)

enum tlb_access { TLB_READ = 0, TLB_WRITE = 1, TLB_EXEC = 2 };

struct tlb_entry {
    uint64_t cmp_read;       /* page vaddr | flags, or TLB_INVALID */
    uint64_t cmp_write;
    uint64_t cmp_exec;
    uintptr_t addend;        /* host = vaddr + addend (RAM/ROM pages) */
};
_Static_assert(sizeof(struct tlb_entry) == 1u << TLB_ENTRY_SHIFT,
               "tlb_entry size");

/* What a target page walk returns for one page. */
struct tlb_fill {
    uint64_t paddr;          /* physical page address */
    unsigned prot;           /* bit set of 1 << enum tlb_access */
    /* Accesses (1 << TLB_READ / TLB_WRITE) that must always take the slow
     * path on this page although it is RAM (the target checks something on
     * each, e.g. debug watchpoints); 0 unless the fill sets it. */
    unsigned watch;
};

/* Target callbacks (set once; env is the owning CPU state). */
struct tlb_ops {
    /* Translate vaddr for an access.  On success fill *out and return true.
     * On failure: if probe, return false; else raise the guest page fault
     * (unwinding with retaddr) and never return. */
    bool (*fill)(void *env, uint64_t vaddr, enum tlb_access access,
                 unsigned mmu_idx, bool probe, uintptr_t retaddr,
                 struct tlb_fill *out);
    /* Raise the guest access fault for vaddr (nothing or a device that
     * refuses the access behind it) — never returns. */
    NORETURN void (*access_fault)(void *env, uint64_t vaddr,
                                  enum tlb_access access, uintptr_t retaddr);
    /* A write hit a page holding translated code (TLB_NOTDIRTY): invalidate
     * the affected TBs (may be NULL until code tracking exists). */
    void (*code_write)(void *env, uint64_t paddr, unsigned size,
                       uintptr_t retaddr);
};

struct tlb_full {            /* slow-path data, parallel to table[][] */
    uint64_t paddr;          /* physical page */
    const struct pmem_region *region;
};

struct tlb {
    struct tlb_entry table[TLB_NB_MMU][TLB_SIZE]; /* read by generated code */
    struct tlb_full full[TLB_NB_MMU][TLB_SIZE];
    const struct tlb_ops *ops;
    struct pmem *pmem;
    void *env;
    /* Statistics (util/hstats.h rules: owner writes, anyone reads). */
    _Atomic uint64_t flush_count;       /* full flushes */
    _Atomic uint64_t page_flush_count;  /* single-page flushes */
    _Atomic uint64_t fill_count;        /* entries filled */
};

void tlb_init(struct tlb *t, struct pmem *pm, const struct tlb_ops *ops,
              void *env);
void tlb_flush(struct tlb *t);                          /* every entry */
void tlb_flush_page(struct tlb *t, uint64_t vaddr);     /* every mmu idx */
void tlb_flush_mmu(struct tlb *t, unsigned mmu_mask);   /* some indexes */

/* A physical page became a code page (pmem_code_mark): add TLB_NOTDIRTY to
 * every writable RAM entry of this TLB that maps it, so the next write
 * takes the slow path and calls ops->code_write.  Owner thread only (M1):
 * for other vCPUs run it as async work on them, or flush their TLBs. */
void tlb_protect_code_page(struct tlb *t, uint64_t paddr);

/* Slow paths (called from target wrappers of the generated code's helpers,
 * with the host return address).  Handle misses (fill), MMIO, misaligned
 * accesses (emulated: split into bytes, each translated), and raise access
 * faults through ops.  Values are little-endian, zero-extended. */
uint64_t tlb_load(struct tlb *t, uint64_t vaddr, unsigned size,
                  unsigned mmu_idx, uintptr_t retaddr);
void tlb_store(struct tlb *t, uint64_t vaddr, unsigned size, uint64_t val,
               unsigned mmu_idx, uintptr_t retaddr);

/* Host pointer for an aligned access of `size` bytes to RAM at vaddr (for
 * atomics): fills the TLB as for `access` (faults raised as usual, with
 * retaddr); returns NULL if the page is MMIO or the access is misaligned —
 * the caller then raises the architectural exception it wants.  A caller
 * that wrote through the pointer calls tlb_host_write_done afterwards, so a
 * write to a page holding translated code is reported once it has landed
 * (docs/concurrency.md S2). */
void *tlb_host_addr(struct tlb *t, uint64_t vaddr, unsigned size,
                    enum tlb_access access, unsigned mmu_idx,
                    uintptr_t retaddr);

/* Instruction fetch for the translator: physical address and host pointer
 * of the byte at vaddr (the rest of its page is contiguous).  probe=false:
 * faults (page fault, access fault for non-RAM/ROM) are raised with
 * retaddr 0, i.e. at the pc in env; probe=true: returns false instead. */
void tlb_host_write_done(struct tlb *t, uint64_t vaddr, unsigned size,
                         unsigned mmu_idx, uintptr_t retaddr);

bool tlb_code_addr(struct tlb *t, uint64_t vaddr, unsigned mmu_idx,
                   bool probe, uint64_t *paddr, const uint8_t **host);

#endif
