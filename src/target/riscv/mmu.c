/*
 * mmu.c — the target side of the softmmu: address translation for TLB
 * fills, access faults, and the slow-path helpers generated code calls on a
 * TLB miss.
 *
 * Translation is ptw.c's (Bare/M: identity; Sv39/Sv48 page walk), which
 * tells a page fault from an access fault on the page-table accesses.
 * Physical memory attributes (RAM, ROM, MMIO, nothing) are the
 * softmmu's: it calls access_fault for an access nothing accepts.
 *
 * PMP (pmp.c) is checked at fill time on the physical page.  The TLB caches
 * whole pages and its API cannot say "do not cache", so a page that PMP
 * splits (an entry boundary inside it) is handled by the slow paths: they
 * record the access's bytes (rv_pmp_begin), the fill checks exactly those
 * and grants only that access kind, and rv_pmp_end flushes the page right
 * after, so the next access to it misses again.  Instruction fetch from a
 * split page is checked per instruction by the translator instead.
 */
#include "target/riscv/internal.h"

/* PMP for the access at paddr: the page's permissions when the page is
 * uniform, else only this access's kind, if its bytes pass (and mark the
 * fill uncacheable for data).  Returns false if PMP denies the access. */
static bool rv_pmp_fill(struct rv_hart *h, uint64_t vaddr, uint64_t paddr,
                        enum tlb_access access, unsigned mmu_idx,
                        unsigned *prot)
{
    enum rv_priv priv = rv_mmu_priv(mmu_idx);
    unsigned p;

    if (rv_pmp_page_prot(h, paddr & TLB_PAGE_MASK, priv, &p)) {
        *prot &= p;
        return *prot & (1u << access);
    }
    /* Split page: the bytes the slow path recorded (clipped to this page),
     * or, for a fetch or a caller that recorded nothing, an instruction
     * parcel / one byte at vaddr. */
    uint64_t lo = vaddr, hi = vaddr + (access == TLB_EXEC ? 2 : 1);
    uint64_t pend = (vaddr & TLB_PAGE_MASK) + TLB_PAGE_SIZE;
    if (access != TLB_EXEC && h->pmp_hi > h->pmp_lo &&
        vaddr >= (h->pmp_lo & TLB_PAGE_MASK) && vaddr < h->pmp_hi) {
        lo = h->pmp_lo > vaddr ? h->pmp_lo : vaddr;
        hi = h->pmp_hi < pend ? h->pmp_hi : pend;
        h->pmp_nocache = true;
    } else if (access != TLB_EXEC) {
        /* Unbracketed data access: still must not stay cached. */
        h->pmp_lo = vaddr;
        h->pmp_hi = vaddr + 1;
        h->pmp_nocache = true;
    }
    if (hi > pend)
        hi = pend;
    p = rv_pmp_prot(h, paddr + (lo - vaddr), hi - lo, priv);
    *prot &= p & (1u << access);
    return *prot != 0;
}

void rv_flush_translation(struct rv_hart *h, uint64_t vaddr, bool all)
{
    if (tr_runtime.tlb_flush) {
        tr_runtime.tlb_flush(h, vaddr, all);
    } else if (all) {
        tlb_flush(&h->tlb);          /* no vCPU layer (unit tests) */
    } else {
        tlb_flush_page(&h->tlb, vaddr);
    }
    if (all) {
        h->tlb_super_lo = ~0ull;
        h->tlb_super_hi = 0;
    }
}

static const enum rv_excp rv_page_fault[] = {
    [TLB_READ] = RV_EXC_LOAD_PAGE, [TLB_WRITE] = RV_EXC_STORE_PAGE,
    [TLB_EXEC] = RV_EXC_INSN_PAGE,
};
static const enum rv_excp rv_access_fault[] = {
    [TLB_READ] = RV_EXC_LOAD_ACCESS, [TLB_WRITE] = RV_EXC_STORE_ACCESS,
    [TLB_EXEC] = RV_EXC_INSN_ACCESS,
};

static bool rv_tlb_fill(void *env, uint64_t vaddr, enum tlb_access access,
                        unsigned mmu_idx, bool probe, uintptr_t retaddr,
                        struct tlb_fill *out)
{
    enum rv_ptw_result r = rv_ptw(env, vaddr, access, mmu_idx, out);

    if (r != RV_PTW_OK) {
        if (probe)
            return false;
        rv_raise_exception(env, r == RV_PTW_PAGE_FAULT ? rv_page_fault[access]
                                                       : rv_access_fault[access],
                           vaddr, retaddr);
    }
    struct rv_hart *h = env;
    /* Pages a load/store trigger may match: every access takes the slow
     * path, which checks (trigger.h). */
    out->watch = h->trig.mem ? rv_trig_page_watch(h, vaddr & TLB_PAGE_MASK)
                             : 0;
    if (rv_pmp_fill(env, vaddr, out->paddr | (vaddr & ~TLB_PAGE_MASK),
                    access, mmu_idx, &out->prot))
        return true;
    if (probe)
        return false;
    rv_raise_exception(env, rv_access_fault[access], vaddr, retaddr);
}

static NORETURN void rv_tlb_access_fault(void *env, uint64_t vaddr,
                                         enum tlb_access access,
                                         uintptr_t retaddr)
{
    rv_raise_exception(env, rv_access_fault[access], vaddr, retaddr);
}

/* Self-modifying code (docs/concurrency.md S2, S5).  A write that hits a
 * code page reaches rv_tlb_code_write once per page it touches, after its
 * bytes landed (the softmmu stores first; atomics report through
 * rv_atomic_write_done after their write).  If that invalidated the TB
 * running the store, the store slow path leaves the TB: pc = the next
 * instruction, back to the exec loop.  `leave` is reset at the start of
 * every store slow path and read before it returns, on the thread running
 * the hart.  Atomics cannot leave at once (their rd is written by
 * generated code after the helper returns): the vCPU layer set the exit
 * flag, so they leave at the next TB entry. */
static __thread bool rv_smc_leave;

static void rv_tlb_code_write(void *env, uint64_t paddr, unsigned size,
                              uintptr_t retaddr)
{
    if (tr_runtime.code_modified &&
        tr_runtime.code_modified(env, paddr, size, retaddr))
        rv_smc_leave = true;
}

/* After a store that killed the TB running it: resume at the next
 * instruction through the exec loop. */
static void rv_smc_leave_tb(struct rv_hart *h, uintptr_t retaddr)
{
    rv_smc_leave = false;
    /* The store retires; the rest of the TB is not run (nor counted). */
    if (!rv_unwind(h, retaddr, true))
        return;
    siglongjmp(h->jmp_env, 1);
}

void rv_atomic_write_done(struct rv_hart *h, uint64_t addr, unsigned size,
                          unsigned mmu_idx, uintptr_t retaddr)
{
    rv_pmp_begin(h, addr, size);
    tlb_host_write_done(&h->tlb, addr, size, mmu_idx, retaddr);
    rv_pmp_end(h);
    rv_smc_leave = false;        /* see above: atomics leave at TB entry */
}

const struct tlb_ops rv_tlb_ops = {
    .fill = rv_tlb_fill,
    .access_fault = rv_tlb_access_fault,
    .code_write = rv_tlb_code_write,
};

/* --- slow paths (index = log2 of the size) -------------------------------- */

#define RV_SLOW(n)                                                           \
    static uint64_t rv_ld_slow##n(void *env, uint64_t addr, unsigned mmu_idx, \
                                  uintptr_t retaddr)                         \
    {                                                                        \
        struct rv_hart *h = env;                                             \
        if (unlikely(h->trig.mem))                                           \
            rv_trig_check_mem(h, RV_TRIG_LOAD, addr, 1u << n, 0, 1, retaddr); \
        rv_pmp_begin(h, addr, 1u << n);                                      \
        uint64_t v = tlb_load(&h->tlb, addr, 1u << n, mmu_idx, retaddr);     \
        rv_pmp_end(h);                                                       \
        if (unlikely(h->trig.mem) && rv_trig_load_data_armed(h))            \
            rv_trig_check_mem(h, RV_TRIG_LOAD, addr, 1u << n, v, 2, retaddr); \
        return v;                                                            \
    }                                                                        \
    static void rv_st_slow##n(void *env, uint64_t addr, uint64_t val,       \
                              unsigned mmu_idx, uintptr_t retaddr)           \
    {                                                                        \
        struct rv_hart *h = env;                                             \
        rv_smc_leave = false;                                                \
        if (unlikely(h->trig.mem))                                           \
            rv_trig_check_mem(h, RV_TRIG_STORE, addr, 1u << n, val, 3,       \
                              retaddr);                                      \
        rv_pmp_begin(h, addr, 1u << n);                                      \
        tlb_store(&h->tlb, addr, 1u << n, val, mmu_idx, retaddr);            \
        rv_pmp_end(h);                                                       \
        if (unlikely(rv_smc_leave))                                          \
            rv_smc_leave_tb(h, retaddr);                                     \
    }
RV_SLOW(0)
RV_SLOW(1)
RV_SLOW(2)
RV_SLOW(3)

uint64_t (*const rv_ld_slow[4])(void *env, uint64_t addr, unsigned mmu_idx,
                                uintptr_t retaddr) = {
    rv_ld_slow0, rv_ld_slow1, rv_ld_slow2, rv_ld_slow3,
};
void (*const rv_st_slow[4])(void *env, uint64_t addr, uint64_t val,
                            unsigned mmu_idx, uintptr_t retaddr) = {
    rv_st_slow0, rv_st_slow1, rv_st_slow2, rv_st_slow3,
};
