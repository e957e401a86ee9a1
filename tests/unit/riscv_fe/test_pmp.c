/*
 * test_pmp.c — physical memory protection: address-matching decoding
 * (TOR/NA4/NAPOT), priority, partial matches, lock semantics and WARL
 * legalisation through the CSRs, and the TLB side (faults with the right
 * cause/tval, split pages never left cached, uniform pages cached).
 */
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
#define RD (1u << TLB_READ)
#define WR (1u << TLB_WRITE)
#define EX (1u << TLB_EXEC)
#define ALL (RD | WR | EX)

enum { CSR_PMPCFG0 = 0x3a0, CSR_PMPADDR0 = 0x3b0 };
#define NAPOT (RV_PMP_NAPOT << RV_PMP_A_SHIFT)
#define TOR   (RV_PMP_TOR << RV_PMP_A_SHIFT)
#define NA4   (RV_PMP_NA4 << RV_PMP_A_SHIFT)

struct fx {
    struct pmem *pm;
    struct rv_hart *h;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->pm = pmem_new();
    assert_int_equal(pmem_add_ram(f->pm, RAM_BASE, 0x10000, "ram"), 0);
    f->h = aligned_alloc(64, ROUND_UP(sizeof(*f->h), 64));
    rv_hart_init(f->h, 0, f->pm);
    rv_hart_reset(f->h, RAM_BASE);
    f->h->mtvec = RAM_BASE;
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

static uint64_t rd(struct rv_hart *h, unsigned csr)
{
    uint64_t v = 0xdead;
    assert_true(rv_csr_access(h, csr, RV_CSR_RS, false, 0, &v));
    return v;
}
static void wr(struct rv_hart *h, unsigned csr, uint64_t val)
{
    uint64_t old;
    assert_true(rv_csr_access(h, csr, RV_CSR_RW, true, val, &old));
}
/* Set entry i directly (cfg byte, address register value). */
static void ent(struct rv_hart *h, unsigned i, uint8_t cfg, uint64_t addr)
{
    h->pmpcfg[i] = cfg;
    h->pmpaddr[i] = addr;
}
static unsigned uprot(struct rv_hart *h, uint64_t a, uint64_t n)
{
    return rv_pmp_prot(h, a, n, RV_PRIV_U);
}

static void test_decode(void **state)
{
    struct rv_hart *h = ((struct fx *)*state)->h;

    /* NA4: exactly 4 bytes. */
    ent(h, 0, NA4 | RV_PMP_R, 0x1000 >> 2);
    assert_int_equal(uprot(h, 0x1000, 4), RD);
    assert_int_equal(uprot(h, 0x1003, 1), RD);
    assert_int_equal(uprot(h, 0x1004, 1), 0);
    assert_int_equal(uprot(h, 0xfff, 1), 0);
    /* NAPOT, k trailing ones: 2^(k+3) bytes; k = 0 is 8 bytes. */
    ent(h, 0, NAPOT | RV_PMP_R | RV_PMP_W, 0x2000 >> 2);
    assert_int_equal(uprot(h, 0x2000, 8), RD | WR);
    assert_int_equal(uprot(h, 0x2008, 1), 0);
    ent(h, 0, NAPOT | RV_PMP_X, (0x2000 >> 2) | 0x7);    /* 64 bytes */
    assert_int_equal(uprot(h, 0x2000, 1), EX);
    assert_int_equal(uprot(h, 0x2038, 8), EX);
    assert_int_equal(uprot(h, 0x2040, 1), 0);
    assert_int_equal(uprot(h, 0x1fff, 1), 0);
    ent(h, 0, NAPOT | RV_PMP_R, RV_PMP_ADDR_MASK);       /* everything */
    assert_int_equal(uprot(h, 0, 8), RD);
    assert_int_equal(uprot(h, 0xfffffffff8ull, 8), RD);
    /* TOR: entry 0 starts at 0; entry i at pmpaddr[i-1]. */
    ent(h, 0, TOR | RV_PMP_R, 0x100 >> 2);
    assert_int_equal(uprot(h, 0, 0x100), RD);
    assert_int_equal(uprot(h, 0x100, 1), 0);
    ent(h, 0, 0, 0x3000 >> 2);                           /* OFF, base */
    ent(h, 1, TOR | RV_PMP_R | RV_PMP_W, 0x3010 >> 2);
    assert_int_equal(uprot(h, 0x3000, 16), RD | WR);
    assert_int_equal(uprot(h, 0x2ffc, 4), 0);
    assert_int_equal(uprot(h, 0x3010, 4), 0);
    /* base >= top: matches nothing (U default: denied; M: allowed). */
    ent(h, 1, TOR | RV_PMP_R | RV_PMP_W, 0x3000 >> 2);
    assert_int_equal(uprot(h, 0x2ffc, 8), 0);
    ent(h, 2, NAPOT | RV_PMP_R, RV_PMP_ADDR_MASK);
    assert_int_equal(uprot(h, 0x3000, 4), RD);           /* falls to 2 */
    /* OFF entries never match. */
    ent(h, 2, RV_PMP_R, RV_PMP_ADDR_MASK);
    assert_int_equal(uprot(h, 0x3000, 4), 0);
}

static void test_priority_default(void **state)
{
    struct rv_hart *h = ((struct fx *)*state)->h;

    /* No entry matches: M succeeds, U fails (16 entries implemented). */
    assert_int_equal(rv_pmp_prot(h, 0x1000, 4, RV_PRIV_M), ALL);
    assert_int_equal(rv_pmp_prot(h, 0x1000, 4, RV_PRIV_U), 0);
    /* Lowest-numbered match wins, even with fewer permissions. */
    ent(h, 3, NAPOT | RV_PMP_R, (0x4000 >> 2) | 0x1);    /* 16 bytes */
    ent(h, 5, NAPOT | RV_PMP_R | RV_PMP_W | RV_PMP_X, RV_PMP_ADDR_MASK);
    assert_int_equal(uprot(h, 0x4000, 8), RD);
    assert_int_equal(uprot(h, 0x4010, 8), ALL);
    /* M ignores unlocked entries but obeys locked ones. */
    assert_int_equal(rv_pmp_prot(h, 0x4000, 8, RV_PRIV_M), ALL);
    h->pmpcfg[3] |= RV_PMP_L;
    assert_int_equal(rv_pmp_prot(h, 0x4000, 8, RV_PRIV_M), RD);
    assert_int_equal(rv_pmp_prot(h, 0x4010, 8, RV_PRIV_M), ALL);
}

static void test_partial(void **state)
{
    struct rv_hart *h = ((struct fx *)*state)->h;

    /* Two adjacent entries both allowing all: an access spanning the
     * boundary only partly matches the first (deciding) one: denied. */
    ent(h, 0, NA4 | RV_PMP_R | RV_PMP_W, 0x5000 >> 2);
    ent(h, 1, NA4 | RV_PMP_R | RV_PMP_W, 0x5004 >> 2);
    assert_int_equal(uprot(h, 0x5000, 4), RD | WR);
    assert_int_equal(uprot(h, 0x5004, 4), RD | WR);
    assert_int_equal(uprot(h, 0x5002, 4), 0);
    assert_int_equal(uprot(h, 0x5000, 8), 0);
    /* Partial match denies M too, even for an unlocked entry. */
    assert_int_equal(rv_pmp_prot(h, 0x4ffc, 8, RV_PRIV_M), 0);

    /* Page view: uniform only if one entry (or none) covers the page. */
    unsigned p = 0xff;
    assert_false(rv_pmp_page_prot(h, 0x5000, RV_PRIV_U, &p));
    assert_true(rv_pmp_page_prot(h, 0x6000, RV_PRIV_U, &p));
    assert_int_equal(p, 0);
    assert_true(rv_pmp_page_prot(h, 0x6000, RV_PRIV_M, &p));
    assert_int_equal(p, ALL);
    ent(h, 2, NAPOT | RV_PMP_R, (0x6000 >> 2) | 0x1ff); /* 4 KiB */
    assert_true(rv_pmp_page_prot(h, 0x6000, RV_PRIV_U, &p));
    assert_int_equal(p, RD);
}

static void test_csr_lock_warl(void **state)
{
    struct rv_hart *h = ((struct fx *)*state)->h;
    uint64_t old;

    /* pmpcfg0 holds entries 0..7, pmpcfg2 entries 8..15. */
    wr(h, CSR_PMPCFG0, 0x1f00ull | (uint64_t)(NA4 | RV_PMP_X) << 56);
    assert_int_equal(h->pmpcfg[1], 0x1f);
    assert_int_equal(h->pmpcfg[7], NA4 | RV_PMP_X);
    wr(h, CSR_PMPCFG0 + 2, 0x0full << 8);
    assert_int_equal(h->pmpcfg[9], 0x0f);
    assert_int_equal(rd(h, CSR_PMPCFG0 + 2), 0x0full << 8);
    /* WARL: bits 6:5 read 0; R=0 W=1 is reserved (W dropped). */
    wr(h, CSR_PMPCFG0, 0x60 | RV_PMP_W | RV_PMP_X);
    assert_int_equal(rd(h, CSR_PMPCFG0) & 0xff, RV_PMP_X);
    /* RV64: odd pmpcfg are illegal; entries 16..63 read 0, ignore writes. */
    assert_false(rv_csr_access(h, CSR_PMPCFG0 + 1, RV_CSR_RS, false, 0, &old));
    assert_false(rv_csr_access(h, CSR_PMPCFG0 + 3, RV_CSR_RS, false, 0, &old));
    wr(h, CSR_PMPCFG0 + 4, ~0ull);
    assert_int_equal(rd(h, CSR_PMPCFG0 + 4), 0);
    wr(h, CSR_PMPADDR0 + 16, 0x123);
    assert_int_equal(rd(h, CSR_PMPADDR0 + 16), 0);
    /* pmpaddr holds bits 55:2 (54 bits). */
    wr(h, CSR_PMPADDR0 + 3, ~0ull);
    assert_int_equal(rd(h, CSR_PMPADDR0 + 3), RV_PMP_ADDR_MASK);
    /* Not in U mode. */
    h->priv = RV_PRIV_U;
    assert_false(rv_csr_access(h, CSR_PMPADDR0, RV_CSR_RS, false, 0, &old));
    h->priv = RV_PRIV_M;

    /* Locked entry: cfg byte and pmpaddr ignore writes; neighbours don't. */
    wr(h, CSR_PMPADDR0 + 2, 0x100);
    wr(h, CSR_PMPCFG0, (uint64_t)(RV_PMP_L | NA4 | RV_PMP_R) << 16);
    wr(h, CSR_PMPCFG0, 0x1f1f1f);
    assert_int_equal(h->pmpcfg[2], RV_PMP_L | NA4 | RV_PMP_R);
    assert_int_equal(h->pmpcfg[1], 0x1f);
    wr(h, CSR_PMPADDR0 + 2, 0x200);
    assert_int_equal(rd(h, CSR_PMPADDR0 + 2), 0x100);
    /* Entry 2 is NA4, so pmpaddr1 stays writable. */
    wr(h, CSR_PMPADDR0 + 1, 0x80);
    assert_int_equal(rd(h, CSR_PMPADDR0 + 1), 0x80);
    /* Locked TOR entry 4 also freezes pmpaddr3 (its base). */
    wr(h, CSR_PMPADDR0 + 3, 0x40);
    wr(h, CSR_PMPADDR0 + 4, 0x48);
    wr(h, CSR_PMPCFG0, (uint64_t)(RV_PMP_L | TOR | RV_PMP_R) << 32 |
                           (uint64_t)(RV_PMP_L | NA4 | RV_PMP_R) << 16);
    wr(h, CSR_PMPADDR0 + 3, 0x50);
    assert_int_equal(rd(h, CSR_PMPADDR0 + 3), 0x40);
    /* Locks bind M. */
    assert_int_equal(rv_pmp_prot(h, 0x100 << 2, 4, RV_PRIV_M), RD);
    assert_int_equal(rv_pmp_prot(h, 0x40 << 2, 4, RV_PRIV_M), RD);
    /* Only reset unlocks. */
    rv_hart_reset(h, RAM_BASE);
    assert_int_equal(rd(h, CSR_PMPCFG0), 0);
    wr(h, CSR_PMPADDR0 + 2, 0x200);
    assert_int_equal(rd(h, CSR_PMPADDR0 + 2), 0x200);
}

/* TLB entry of vaddr for mmu index m holds a usable read translation? */
static bool cached_read(struct rv_hart *h, unsigned m, uint64_t vaddr)
{
    const struct tlb_entry *e =
        &h->tlb.table[m][(vaddr >> TLB_PAGE_BITS) & (TLB_SIZE - 1)];
    return !(e->cmp_read & TLB_INVALID) &&
           (e->cmp_read & TLB_PAGE_MASK) == (vaddr & TLB_PAGE_MASK);
}

static void test_tlb(void **state)
{
    struct fx *f = *state;
    struct rv_hart *h = f->h;
    uint64_t *g = pmem_host_ptr(f->pm, RAM_BASE + 0x1040, 64);
    uint64_t gaddr = RAM_BASE + 0x1040;

    g[0] = 0x1234;
    /* Entry 0: 64 bytes at gaddr, no permissions; entry 1: all RWX. */
    wr(h, CSR_PMPADDR0, gaddr >> 2 | 7);
    wr(h, CSR_PMPADDR0 + 1, RV_PMP_ADDR_MASK);
    wr(h, CSR_PMPCFG0, (uint64_t)(NAPOT | 7) << 8 | NAPOT);

    /* M: unlocked entry ignored. */
    assert_int_equal(rv_ld_slow[3](h, gaddr, RV_MMU_M, 0), 0x1234);
    /* U, same split page, allowed bytes: served, but not left cached. */
    assert_int_equal(rv_ld_slow[3](h, gaddr - 8, RV_MMU_U, 0), 0);
    assert_false(cached_read(h, RV_MMU_U, gaddr));
    /* U, uniform page: cached. */
    rv_ld_slow[3](h, RAM_BASE + 0x3000, RV_MMU_U, 0);
    assert_true(cached_read(h, RV_MMU_U, RAM_BASE + 0x3000));
    /* U load / store into the region: access faults, tval = address. */
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        rv_ld_slow[3](h, gaddr + 8, RV_MMU_U, 0);
        fail();
    }
    assert_int_equal(h->mcause, RV_EXC_LOAD_ACCESS);
    assert_int_equal(h->mtval, gaddr + 8);
    h->priv = RV_PRIV_M;
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        rv_st_slow[3](h, gaddr + 16, 0x99, RV_MMU_U, 0);
        fail();
    }
    assert_int_equal(h->mcause, RV_EXC_STORE_ACCESS);
    assert_int_equal(h->mtval, gaddr + 16);
    assert_int_equal(g[2], 0);
    /* Straddling the region's start: partial match denied. */
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        rv_ld_slow[3](h, gaddr - 4, RV_MMU_U, 0);
        fail();
    }
    assert_int_equal(h->mcause, RV_EXC_LOAD_ACCESS);
    /* A store that faulted left nothing cached for the page either. */
    assert_false(cached_read(h, RV_MMU_U, gaddr));
    /* Fetch: instruction access fault. */
    h->priv = RV_PRIV_M;
    uint64_t pa;
    const uint8_t *host;
    assert_false(tlb_code_addr(&h->tlb, gaddr, RV_MMU_U, true, &pa, &host));
    assert_true(tlb_code_addr(&h->tlb, gaddr, RV_MMU_M, true, &pa, &host));
    assert_true(tlb_code_addr(&h->tlb, gaddr + 64, RV_MMU_U, true, &pa,
                              &host));
    /* Writing PMP flushes the TLB: reopening makes U loads succeed. */
    wr(h, CSR_PMPCFG0, (uint64_t)(NAPOT | 7) << 8);
    assert_false(cached_read(h, RV_MMU_U, RAM_BASE + 0x3000));
    assert_int_equal(rv_ld_slow[3](h, gaddr, RV_MMU_U, 0), 0x1234);
    assert_true(cached_read(h, RV_MMU_U, gaddr));
}

static void test_amo_mprv(void **state)
{
    struct fx *f = *state;
    struct rv_hart *h = f->h;
    uint64_t addr = RAM_BASE + 0x2000;

    /* Read-only page for U. */
    wr(h, CSR_PMPADDR0, addr >> 2 | 0x1ff);
    wr(h, CSR_PMPCFG0, NAPOT | RV_PMP_R);
    /* MPRV with MPP = U: M's data accesses (AMO here) use U's rights. */
    h->mstatus = (h->mstatus & ~RV_MSTATUS_MPP) | RV_MSTATUS_MPRV;
    assert_int_equal((rv_tb_flags(h) >> RV_TBF_MMU_SHIFT) & 3, RV_MMU_U);
    assert_int_equal(rv_tb_flags(h) & RV_TBF_PRIV_MASK, RV_PRIV_M);
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        rv_helper_amo(h, addr, 1, RV_OP_AMOADD_D);
        fail();
    }
    assert_int_equal(h->mcause, RV_EXC_STORE_ACCESS);
    assert_int_equal(h->mtval, addr);
    /* Without MPRV, M is unaffected by the unlocked entry. */
    h->mstatus &= ~RV_MSTATUS_MPRV;
    assert_int_equal(rv_helper_amo(h, addr, 5, RV_OP_AMOADD_D), 0);
    assert_int_equal(*(uint64_t *)pmem_host_ptr(f->pm, addr, 8), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_decode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csr_lock_warl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tlb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amo_mprv, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
