/*
 * mmu.c — the target side of the softmmu: address translation for TLB
 * fills, access faults, and the slow-path helpers generated code calls on a
 * TLB miss.
 *
 * Translation today is bare (satp.MODE = Bare, or M mode): identity with all
 * permissions.  rv_translate_addr is the one place that will walk Sv39/Sv48
 * page tables when S mode arrives; it already returns the page-fault cause
 * to raise.  Physical memory attributes (RAM, ROM, MMIO, nothing) are the
 * softmmu's: it calls access_fault for an access nothing accepts.
 */
#include "target/riscv/internal.h"

/* Translate vaddr for access in mmu_idx: 0 and the fill, or the page-fault
 * cause. */
static int rv_translate_addr(struct rv_hart *h, uint64_t vaddr,
                             enum tlb_access access, unsigned mmu_idx,
                             struct tlb_fill *out)
{
    (void)h;
    (void)access;
    (void)mmu_idx;
    out->paddr = vaddr & TLB_PAGE_MASK;
    out->prot = 1u << TLB_READ | 1u << TLB_WRITE | 1u << TLB_EXEC;
    return 0;
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
    if (rv_translate_addr(env, vaddr, access, mmu_idx, out) == 0)
        return true;
    if (probe)
        return false;
    rv_raise_exception(env, rv_page_fault[access], vaddr, retaddr);
}

static NORETURN void rv_tlb_access_fault(void *env, uint64_t vaddr,
                                         enum tlb_access access,
                                         uintptr_t retaddr)
{
    rv_raise_exception(env, rv_access_fault[access], vaddr, retaddr);
}

/* A store hit a page holding translated code. */
static void rv_tlb_code_write(void *env, uint64_t paddr, unsigned size,
                              uintptr_t retaddr)
{
    (void)retaddr;
    if (tr_runtime.code_modified)
        tr_runtime.code_modified(env, paddr, size);
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
        return tlb_load(&((struct rv_hart *)env)->tlb, addr, 1u << n,       \
                        mmu_idx, retaddr);                                   \
    }                                                                        \
    static void rv_st_slow##n(void *env, uint64_t addr, uint64_t val,       \
                              unsigned mmu_idx, uintptr_t retaddr)           \
    {                                                                        \
        tlb_store(&((struct rv_hart *)env)->tlb, addr, 1u << n, val,        \
                  mmu_idx, retaddr);                                         \
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
