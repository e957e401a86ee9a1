/*
 * ptw.c — the Sv39/Sv48 page-table walk (privileged spec 1.12, §4.3.2/4.5)
 * behind the TLB fill (mmu.c).
 *
 * Contract (rv_ptw, internal.h):
 *   - M-mode indexes and satp.MODE = Bare translate to themselves, all
 *     permissions (PMP is applied by the caller on the final address).
 *   - Non-canonical virtual addresses, invalid PTEs, W without R, reserved
 *     bits (63:54: no Svnapot/Svpbmt), A/D/U in a non-leaf PTE, a
 *     non-leaf at level 0, misaligned superpages and permission failures
 *     (U bit vs. privilege and SUM, MXR for loads, X for fetch) are page
 *     faults.
 *   - The page-table accesses themselves must be RAM and pass PMP at S
 *     (read; write when A/D are updated): anything else is an access fault.
 *   - PTEs are read with relaxed atomics (other harts write page tables
 *     concurrently).  A/D updates are a compare-and-swap of the whole PTE
 *     on guest RAM; if the PTE changed since it was read, the walk starts
 *     over (spec: the update must be atomic with the permission check).
 *   - The fill caches superpages 4 KiB at a time.  Write permission is
 *     granted only when D is already set, so the first write to a clean
 *     page misses and sets D.
 */
#include "softmmu/ram_access.h"
#include "target/riscv/internal.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK ((1ull << 44) - 1)
#define PTE_RESERVED (~0ull << 54)   /* N, PBMT, reserved: none implemented */

/* Physical PTE address → host pointer, or NULL (not RAM, or PMP denies
 * the implicit access at S for `need`). */
static uint64_t *rv_pte_ptr(struct rv_hart *h, uint64_t pa, unsigned need)
{
    const struct pmem_region *r = pmem_find(h->pmem, pa);

    if (!r || r->kind != PMEM_RAM || pa + 8 > r->base + r->size)
        return NULL;
    if ((rv_pmp_prot(h, pa, 8, RV_PRIV_S) & need) != need)
        return NULL;
    return (uint64_t *)(void *)(r->host + (pa - r->base));
}

/* Permissions (1 << enum tlb_access) a valid leaf grants in mmu_idx. */
static unsigned rv_leaf_prot(const struct rv_hart *h, uint64_t pte,
                             unsigned mmu_idx)
{
    enum rv_priv priv = rv_mmu_priv(mmu_idx);
    unsigned prot = 0;

    if (priv == RV_PRIV_U && !(pte & PTE_U))
        return 0;
    /* S on a U page: data only with SUM. */
    if (priv == RV_PRIV_S && (pte & PTE_U) && mmu_idx != RV_MMU_S_SUM)
        return 0;
    if ((pte & PTE_R) || ((h->mstatus & RV_MSTATUS_MXR) && (pte & PTE_X)))
        prot |= 1u << TLB_READ;
    if ((pte & PTE_W) && (pte & PTE_D))
        prot |= 1u << TLB_WRITE;
    /* S never executes U pages (SUM or not). */
    if ((pte & PTE_X) && !(priv == RV_PRIV_S && (pte & PTE_U)))
        prot |= 1u << TLB_EXEC;
    return prot;
}

enum rv_ptw_result rv_ptw(struct rv_hart *h, uint64_t vaddr,
                          enum tlb_access access, unsigned mmu_idx,
                          struct tlb_fill *out)
{
    unsigned mode = (unsigned)(h->satp >> RV_SATP_MODE_SHIFT);
    const unsigned all = 1u << TLB_READ | 1u << TLB_WRITE | 1u << TLB_EXEC;

    if (mmu_idx == RV_MMU_M || mode == RV_SATP_MODE_BARE) {
        out->paddr = vaddr & TLB_PAGE_MASK;
        out->prot = all;
        return RV_PTW_OK;
    }
    unsigned levels = mode == RV_SATP_MODE_SV48 ? 4 : 3;
    unsigned va_bits = 12 + 9 * levels;
    /* Canonical: bits 63..va_bits-1 all equal. */
    if ((uint64_t)((int64_t)(vaddr << (64 - va_bits)) >> (64 - va_bits)) !=
        vaddr)
        return RV_PTW_PAGE_FAULT;

restart:;
    uint64_t table = (h->satp & RV_SATP_PPN_MASK) << TLB_PAGE_BITS;
    for (int level = (int)levels - 1; level >= 0; level--) {
        unsigned shift = TLB_PAGE_BITS + 9 * (unsigned)level;
        uint64_t pte_pa = table + ((vaddr >> shift) & 511) * 8;
        uint64_t *p = rv_pte_ptr(h, pte_pa, 1u << TLB_READ);
        if (!p)
            return RV_PTW_ACCESS_FAULT;
        uint64_t pte = ram_ld(p, 8);

        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) ||
            (pte & PTE_RESERVED))
            return RV_PTW_PAGE_FAULT;
        uint64_t ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
        if (!(pte & (PTE_R | PTE_X))) {
            /* Pointer to the next level: A, D, U are reserved here. */
            if (level == 0 || (pte & (PTE_A | PTE_D | PTE_U)))
                return RV_PTW_PAGE_FAULT;
            table = ppn << TLB_PAGE_BITS;
            continue;
        }
        /* Leaf. */
        uint64_t lowmask = (1ull << (9 * (unsigned)level)) - 1;
        if (ppn & lowmask)
            return RV_PTW_PAGE_FAULT;            /* misaligned superpage */
        unsigned prot = rv_leaf_prot(h, pte | PTE_D, mmu_idx);
        if (!(prot & (1u << access)))
            return RV_PTW_PAGE_FAULT;
        uint64_t want = pte | PTE_A | (access == TLB_WRITE ? PTE_D : 0);
        if (want != pte) {
            /* The update is a write to the page table: RAM and PMP W. */
            p = rv_pte_ptr(h, pte_pa, 1u << TLB_READ | 1u << TLB_WRITE);
            if (!p)
                return RV_PTW_ACCESS_FAULT;
            if (!__atomic_compare_exchange_n(p, &pte, want, false,
                                             __ATOMIC_SEQ_CST,
                                             __ATOMIC_RELAXED))
                goto restart;                    /* changed under us */
            pte = want;
        }
        if (level > 0) {
            /* A superpage, cached 4 KiB at a time: remember its range for
             * sfence.vma by address (helper.c). */
            uint64_t lo = vaddr & ~((1ull << shift) - 1);
            if (lo < h->tlb_super_lo)
                h->tlb_super_lo = lo;
            if (lo + (1ull << shift) - 1 > h->tlb_super_hi)
                h->tlb_super_hi = lo + (1ull << shift) - 1;
        }
        ppn |= (vaddr >> TLB_PAGE_BITS) & lowmask;
        out->paddr = ppn << TLB_PAGE_BITS;
        out->prot = rv_leaf_prot(h, pte, mmu_idx);
        return RV_PTW_OK;
    }
    return RV_PTW_PAGE_FAULT;                    /* not reached */
}
