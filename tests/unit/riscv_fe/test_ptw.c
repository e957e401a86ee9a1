/*
 * test_ptw.c — the Sv39/Sv48 page walk (ptw.c) driven directly on a hart
 * with page tables in fake RAM: leaves at every level, the permissions a
 * fill grants, A/D updates in guest memory, each page-fault case, access
 * faults on the page-table accesses (non-RAM, PMP), and the superpage
 * range sfence.vma consults; plus S-mode trap delegation and sret.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "softmmu/pmem.h"
#include "target/riscv/internal.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x400000ull
#define MMIO_BASE 0x10000000ull
#define RD (1u << TLB_READ)
#define WR (1u << TLB_WRITE)
#define EX (1u << TLB_EXEC)

#define V 1ull
#define R 2ull
#define W 4ull
#define X 8ull
#define U 16ull
#define A 64ull
#define D 128ull
#define PTE(pa, f) ((((uint64_t)(pa) >> 12) << 10) | (f) | V)

/* Tables: root at +0x1000, level-1 at +0x2000, level-0 at +0x3000,
 * Sv48 root at +0x4000; data pages from +0x200000 (2 MiB aligned). */
#define ROOT  (RAM_BASE + 0x1000)
#define L1    (RAM_BASE + 0x2000)
#define L0    (RAM_BASE + 0x3000)
#define ROOT48 (RAM_BASE + 0x4000)
#define DATA  (RAM_BASE + 0x200000)

struct fx {
    struct pmem *pm;
    struct rv_hart *h;
};

static uint64_t mmio_read(void *o, uint64_t off, unsigned size)
{
    (void)o; (void)off; (void)size;
    return 0;
}
static void mmio_write(void *o, uint64_t off, uint64_t v, unsigned size)
{
    (void)o; (void)off; (void)v; (void)size;
}
static const struct mmio_ops mmio = { mmio_read, mmio_write, 1, 8 };

static uint64_t *pte_at(struct fx *f, uint64_t table, unsigned idx)
{
    return pmem_host_ptr(f->pm, table + 8ull * idx, 8);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->pm = pmem_new();
    assert_int_equal(pmem_add_ram(f->pm, RAM_BASE, RAM_SIZE, "ram"), 0);
    assert_int_equal(pmem_add_mmio(f->pm, MMIO_BASE, 0x1000, &mmio, NULL,
                                   "dev"), 0);
    f->h = aligned_alloc(64, ROUND_UP(sizeof(*f->h), 64));
    rv_hart_init(f->h, 0, f->pm);
    rv_hart_reset(f->h, RAM_BASE);
    /* PMP: everything RWX for S/U (entry 0, NAPOT over all memory). */
    f->h->pmpaddr[0] = RV_PMP_ADDR_MASK;
    f->h->pmpcfg[0] = (RV_PMP_NAPOT << RV_PMP_A_SHIFT) | RV_PMP_R |
                      RV_PMP_W | RV_PMP_X;
    /* Sv39: VA 0x0 → root[0] → L1[0] → L0[n] (4 KiB pages). */
    *pte_at(f, ROOT, 0) = PTE(L1, 0);
    *pte_at(f, L1, 0) = PTE(L0, 0);
    f->h->satp = (8ull << 60) | (ROOT >> 12);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pmem_free(f->pm);
    free(f->h);
    free(f);
    return 0;
}

static enum rv_ptw_result walk(struct fx *f, uint64_t va, enum tlb_access acc,
                               unsigned idx, struct tlb_fill *out)
{
    out->paddr = 0xdead;
    out->prot = 0xdead;
    return rv_ptw(f->h, va, acc, idx, out);
}

static void test_bare_and_m(void **state)
{
    struct fx *f = *state;
    struct tlb_fill out;

    /* M ignores satp. */
    assert_int_equal(walk(f, 0x12345678, TLB_WRITE, RV_MMU_M, &out), RV_PTW_OK);
    assert_int_equal(out.paddr, 0x12345000);
    assert_int_equal(out.prot, RD | WR | EX);
    f->h->satp = 0;
    assert_int_equal(walk(f, 0x7000, TLB_EXEC, RV_MMU_U, &out), RV_PTW_OK);
    assert_int_equal(out.paddr, 0x7000);
}

static void test_leaf_4k(void **state)
{
    struct fx *f = *state;
    struct tlb_fill out;

    *pte_at(f, L0, 5) = PTE(DATA + 0x3000, R | W | X | A | D);
    assert_int_equal(walk(f, 0x5abc, TLB_READ, RV_MMU_S, &out), RV_PTW_OK);
    assert_int_equal(out.paddr, DATA + 0x3000);
    assert_int_equal(out.prot, RD | WR | EX);
    /* Read-only page: a write faults, the fill grants read only. */
    *pte_at(f, L0, 6) = PTE(DATA, R | A);
    assert_int_equal(walk(f, 0x6000, TLB_READ, RV_MMU_S, &out), RV_PTW_OK);
    assert_int_equal(out.prot, RD);
    assert_int_equal(walk(f, 0x6000, TLB_WRITE, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
    assert_int_equal(walk(f, 0x6000, TLB_EXEC, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
}

static void test_superpages(void **state)
{
    struct fx *f = *state;
    struct tlb_fill out;

    /* 2 MiB leaf at L1[1]: VA 0x200000 → DATA. */
    *pte_at(f, L1, 1) = PTE(DATA, R | A);
    assert_int_equal(walk(f, 0x212345, TLB_READ, RV_MMU_S, &out), RV_PTW_OK);
    assert_int_equal(out.paddr, DATA + 0x12000);
    assert_int_equal(f->h->tlb_super_lo, 0x200000);
    assert_int_equal(f->h->tlb_super_hi, 0x3fffff);
    /* 1 GiB leaf at root[2]: VA 0x80000000 → PA 0x80000000. */
    *pte_at(f, ROOT, 2) = PTE(RAM_BASE, R | X | A);
    assert_int_equal(walk(f, 0x80123456, TLB_EXEC, RV_MMU_S, &out), RV_PTW_OK);
    assert_int_equal(out.paddr, 0x80123000);
    assert_int_equal(f->h->tlb_super_hi, 0xbfffffff);
    /* Misaligned superpages fault. */
    *pte_at(f, L1, 2) = PTE(DATA + 0x1000, R | A);
    assert_int_equal(walk(f, 0x400000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
    *pte_at(f, ROOT, 3) = PTE(0x200000, R | A);
    assert_int_equal(walk(f, 0xc0000000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
}

static void test_page_faults(void **state)
{
    struct fx *f = *state;
    struct tlb_fill out;

    /* Invalid. */
    assert_int_equal(walk(f, 0x1000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
    /* W without R (reserved). */
    *pte_at(f, L0, 1) = PTE(DATA, W | A | D);
    assert_int_equal(walk(f, 0x1000, TLB_WRITE, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
    /* Reserved high bits (no Svpbmt/Svnapot). */
    *pte_at(f, L0, 2) = PTE(DATA, R | A) | (1ull << 61);
    assert_int_equal(walk(f, 0x2000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
    /* Non-leaf at level 0. */
    *pte_at(f, L0, 3) = PTE(L0, 0);
    assert_int_equal(walk(f, 0x3000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
    /* A in a non-leaf PTE is reserved. */
    *pte_at(f, ROOT, 1) = PTE(L1, A);
    assert_int_equal(walk(f, 0x40000000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
    /* Non-canonical (Sv39: bits 63..39 must equal bit 38). */
    assert_int_equal(walk(f, 1ull << 38, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
    assert_int_equal(walk(f, 1ull << 39, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
}

static void test_user_sum_mxr(void **state)
{
    struct fx *f = *state;
    struct tlb_fill out;

    *pte_at(f, L0, 4) = PTE(DATA, R | W | X | U | A | D);
    *pte_at(f, L0, 5) = PTE(DATA, R | W | X | A | D);
    *pte_at(f, L0, 6) = PTE(DATA, X | A);
    assert_int_equal(walk(f, 0x4000, TLB_READ, RV_MMU_U, &out), RV_PTW_OK);
    assert_int_equal(out.prot, RD | WR | EX);
    assert_int_equal(walk(f, 0x5000, TLB_READ, RV_MMU_U, &out),
                     RV_PTW_PAGE_FAULT);
    /* S on a U page: data only with SUM, never execute. */
    assert_int_equal(walk(f, 0x4000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
    assert_int_equal(walk(f, 0x4000, TLB_WRITE, RV_MMU_S_SUM, &out), RV_PTW_OK);
    assert_int_equal(out.prot, RD | WR);
    assert_int_equal(walk(f, 0x4000, TLB_EXEC, RV_MMU_S_SUM, &out),
                     RV_PTW_PAGE_FAULT);
    /* MXR: execute-only pages become readable. */
    assert_int_equal(walk(f, 0x6000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
    f->h->mstatus |= RV_MSTATUS_MXR;
    assert_int_equal(walk(f, 0x6000, TLB_READ, RV_MMU_S, &out), RV_PTW_OK);
    assert_int_equal(out.prot, RD | EX);
    /* MXR and SUM together: an execute-only U page is readable by S. */
    *pte_at(f, L0, 7) = PTE(DATA, X | U | A);
    assert_int_equal(walk(f, 0x7000, TLB_READ, RV_MMU_S_SUM, &out), RV_PTW_OK);
    assert_int_equal(out.prot, RD);
    assert_int_equal(walk(f, 0x7000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
}

static void test_accessed_dirty(void **state)
{
    struct fx *f = *state;
    struct tlb_fill out;
    uint64_t *pte = pte_at(f, L0, 7);

    *pte = PTE(DATA, R | W);
    assert_int_equal(walk(f, 0x7000, TLB_READ, RV_MMU_S, &out), RV_PTW_OK);
    assert_int_equal(*pte & (A | D), A);
    assert_int_equal(out.prot, RD);            /* write must re-walk */
    assert_int_equal(walk(f, 0x7000, TLB_WRITE, RV_MMU_S, &out), RV_PTW_OK);
    assert_int_equal(*pte & (A | D), A | D);
    assert_int_equal(out.prot, RD | WR);
    /* A faulting access sets nothing. */
    *pte = PTE(DATA, R);
    assert_int_equal(walk(f, 0x7000, TLB_WRITE, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
    assert_int_equal(*pte & (A | D), 0);
}

static void test_access_faults(void **state)
{
    struct fx *f = *state;
    struct tlb_fill out;

    /* Level-0 table in MMIO, and in no region at all. */
    *pte_at(f, L1, 4) = PTE(MMIO_BASE, 0);
    assert_int_equal(walk(f, 0x800000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_ACCESS_FAULT);
    *pte_at(f, L1, 5) = PTE(0x40000000, 0);
    assert_int_equal(walk(f, 0xa00000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_ACCESS_FAULT);
    /* PMP denies S reads of the page tables. */
    *pte_at(f, L0, 8) = PTE(DATA, R | A);
    f->h->pmpcfg[0] = RV_PMP_NAPOT << RV_PMP_A_SHIFT;
    assert_int_equal(walk(f, 0x8000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_ACCESS_FAULT);
    /* Read allowed, write not: an A update is an access fault. */
    f->h->pmpcfg[0] = (RV_PMP_NAPOT << RV_PMP_A_SHIFT) | RV_PMP_R;
    *pte_at(f, L0, 8) = PTE(DATA, R);
    assert_int_equal(walk(f, 0x8000, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_ACCESS_FAULT);
}

static void test_sv48(void **state)
{
    struct fx *f = *state;
    struct tlb_fill out;

    /* Sv48 root[0] → the Sv39 root as level 2; root[1]: 512 GiB leaf. */
    *pte_at(f, ROOT48, 0) = PTE(ROOT, 0);
    *pte_at(f, ROOT48, 1) = PTE(0, R | A);
    *pte_at(f, L0, 9) = PTE(DATA + 0x5000, R | A);
    f->h->satp = (9ull << 60) | (ROOT48 >> 12);
    assert_int_equal(walk(f, 0x9010, TLB_READ, RV_MMU_S, &out), RV_PTW_OK);
    assert_int_equal(out.paddr, DATA + 0x5000);
    assert_int_equal(walk(f, (1ull << 39) + 0x80001000, TLB_READ, RV_MMU_S,
                          &out), RV_PTW_OK);
    assert_int_equal(out.paddr, 0x80001000);
    /* Bit 38 is an ordinary address bit here; bit 47 needs sign-extension. */
    assert_int_equal(walk(f, 1ull << 47, TLB_READ, RV_MMU_S, &out),
                     RV_PTW_PAGE_FAULT);
}

/* A/D updates are compare-and-swaps: a walker hart setting A/D never
 * loses a concurrent change another agent makes to the same PTE (here the
 * PPN counted up atomically while A/D are cleared, as an OS scanning for
 * dirty pages would: a plain store of the walker's old value would undo
 * an increment). */
#define BUMPS 1000000

struct race {
    struct fx *f;
    _Atomic int go, done;
    _Atomic unsigned long walks;
};

static void *race_walker(void *arg)
{
    struct race *r = arg;
    struct rv_hart *h = aligned_alloc(64, ROUND_UP(sizeof(*h), 64));
    struct tlb_fill out;

    rv_hart_init(h, 1, r->f->pm);
    h->pmpaddr[0] = r->f->h->pmpaddr[0];
    h->pmpcfg[0] = r->f->h->pmpcfg[0];
    h->satp = r->f->h->satp;
    while (!atomic_load(&r->go))
        ;
    while (!atomic_load(&r->done)) {
        assert_int_equal(rv_ptw(h, 0xa000, TLB_WRITE, RV_MMU_S, &out),
                         RV_PTW_OK);
        atomic_fetch_add(&r->walks, 1);
    }
    free(h);
    return NULL;
}

static void test_ad_race(void **state)
{
    struct fx *f = *state;
    uint64_t *pte = pte_at(f, L0, 10);
    struct race r = { .f = f };
    pthread_t t;

    *pte = PTE(DATA, R | W);
    assert_int_equal(pthread_create(&t, NULL, race_walker, &r), 0);
    atomic_store(&r.go, 1);
    while (atomic_load(&r.walks) == 0)
        ;                                  /* the walker is running */
    for (unsigned i = 0; i < BUMPS; i++) {
        __atomic_fetch_and(pte, ~(A | D), __ATOMIC_SEQ_CST);
        __atomic_fetch_add(pte, 1ull << 10, __ATOMIC_SEQ_CST);
    }
    atomic_store(&r.done, 1);
    pthread_join(t, NULL);
    assert_true(r.walks > 0);
    assert_int_equal(*pte >> 10, (DATA >> 12) + BUMPS);
    assert_int_equal(*pte & (R | W | V), R | W | V);
}

static void test_delegation_sret(void **state)
{
    struct fx *f = *state;
    struct rv_hart *h = f->h;

    h->medeleg = 1u << RV_EXC_LOAD_PAGE;
    h->stvec = RAM_BASE + 0x100;
    h->mtvec = RAM_BASE + 0x200;
    h->priv = RV_PRIV_U;
    h->pc = 0x1234;
    h->mstatus |= RV_MSTATUS_SIE;
    rv_take_trap(h, RV_EXC_LOAD_PAGE, 0x5678);
    assert_int_equal(h->priv, RV_PRIV_S);
    assert_int_equal(h->pc, RAM_BASE + 0x100);
    assert_int_equal(h->sepc, 0x1234);
    assert_int_equal(h->scause, RV_EXC_LOAD_PAGE);
    assert_int_equal(h->stval, 0x5678);
    assert_int_equal(h->mstatus & (RV_MSTATUS_SPP | RV_MSTATUS_SPIE |
                                   RV_MSTATUS_SIE), RV_MSTATUS_SPIE);
    /* Not delegated: to M, MPP = S. */
    rv_take_trap(h, RV_EXC_ILLEGAL, 0);
    assert_int_equal(h->priv, RV_PRIV_M);
    assert_int_equal((h->mstatus & RV_MSTATUS_MPP) >> RV_MSTATUS_MPP_SHIFT,
                     RV_PRIV_S);
    /* sret: back to U at sepc, SIE = SPIE, MPRV cleared. */
    h->mstatus |= RV_MSTATUS_MPRV;
    rv_do_sret(h);
    assert_int_equal(h->priv, RV_PRIV_U);
    assert_int_equal(h->pc, 0x1234);
    assert_int_equal(h->mstatus & (RV_MSTATUS_SIE | RV_MSTATUS_SPIE |
                                   RV_MSTATUS_MPRV), RV_MSTATUS_SIE |
                     RV_MSTATUS_SPIE);
    /* Delegated interrupts: taken in U, in S only with SIE, never in M. */
    h->mideleg = 1u << RV_IRQ_SSI;
    h->mie = 1u << RV_IRQ_SSI;
    h->mip = 1u << RV_IRQ_SSI;
    h->priv = RV_PRIV_M;
    h->mstatus |= RV_MSTATUS_MIE;
    assert_false(rv_check_interrupts(h));
    h->priv = RV_PRIV_S;
    h->mstatus &= ~RV_MSTATUS_SIE;
    assert_false(rv_check_interrupts(h));
    assert_true(rv_interrupt_pending(h));    /* still wakes WFI */
    h->priv = RV_PRIV_U;
    assert_true(rv_check_interrupts(h));
    assert_int_equal(h->scause, RV_CAUSE_IRQ | RV_IRQ_SSI);
    assert_int_equal(h->pc, RAM_BASE + 0x100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bare_and_m, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaf_4k, setup, teardown),
        cmocka_unit_test_setup_teardown(test_superpages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_sum_mxr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accessed_dirty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sv48, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ad_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delegation_sret, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
