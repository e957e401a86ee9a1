/*
 * test_csr_trap.c — CSR semantics (WARL fields, read-only and privilege
 * faults, counters), trap entry and mret, interrupt selection, and the A
 * extension helpers, driven directly on a hart with fake RAM.
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
#define MMIO_BASE 0x10000000ull

enum {
    CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302,
    CSR_MIE = 0x304, CSR_MTVEC = 0x305, CSR_MCOUNTEREN = 0x306,
    CSR_MCOUNTINHIBIT = 0x320, CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341,
    CSR_MIP = 0x344, CSR_MCYCLE = 0xb00, CSR_CYCLE = 0xc00,
    CSR_MINSTRET = 0xb02, CSR_INSTRET = 0xc02,
    CSR_MHARTID = 0xf14,
};

struct fx {
    struct pmem *pm;
    struct rv_hart *h;
};

static uint64_t mmio_read(void *o, uint64_t off, unsigned size) { return 0; }
static void mmio_write(void *o, uint64_t off, uint64_t v, unsigned size) {}
static const struct mmio_ops mmio = { mmio_read, mmio_write, 1, 8 };

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->pm = pmem_new();
    assert_int_equal(pmem_add_ram(f->pm, RAM_BASE, 0x10000, "ram"), 0);
    assert_int_equal(pmem_add_mmio(f->pm, MMIO_BASE, 0x1000, &mmio, NULL,
                                   "dev"), 0);
    f->h = aligned_alloc(64, ROUND_UP(sizeof(*f->h), 64));
    rv_hart_init(f->h, 3, f->pm);
    rv_hart_reset(f->h, RAM_BASE);
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
static bool wr(struct rv_hart *h, unsigned csr, uint64_t val)
{
    uint64_t old;
    return rv_csr_access(h, csr, RV_CSR_RW, true, val, &old);
}

static void test_csr_basic(void **state)
{
    struct rv_hart *h = ((struct fx *)*state)->h;

    assert_int_equal(rd(h, CSR_MHARTID), 3);
    uint64_t misa = rd(h, CSR_MISA);
    assert_int_equal(misa >> 62, 2);
    assert_int_equal(misa & 0x3ffffff, RV_MISA_EXT('I') | RV_MISA_EXT('M') |
                     RV_MISA_EXT('A') | RV_MISA_EXT('F') | RV_MISA_EXT('D') |
                     RV_MISA_EXT('C') | RV_MISA_EXT('S') |
                     RV_MISA_EXT('U'));
    assert_true(wr(h, CSR_MISA, 0));                /* WARL: ignored */
    assert_int_equal(rd(h, CSR_MISA), misa);

    assert_true(wr(h, CSR_MEPC, 0x80000003));       /* bit 0 cleared */
    assert_int_equal(rd(h, CSR_MEPC), 0x80000002);
    assert_true(wr(h, CSR_MSCRATCH, ~0ull));
    assert_int_equal(rd(h, CSR_MSCRATCH), ~0ull);

    assert_true(wr(h, CSR_MTVEC, 0x80000101));      /* vectored */
    assert_int_equal(rd(h, CSR_MTVEC), 0x80000101);
    assert_true(wr(h, CSR_MTVEC, 0x80000202));      /* reserved mode */
    assert_int_equal(rd(h, CSR_MTVEC), 0x80000201);

    /* csrrs/csrrc: set and clear bits. */
    uint64_t old;
    assert_true(rv_csr_access(h, CSR_MSCRATCH, RV_CSR_RC, true, 0xff, &old));
    assert_int_equal(old, ~0ull);
    assert_int_equal(rd(h, CSR_MSCRATCH), ~0xffull);
}

static void test_csr_faults(void **state)
{
    struct rv_hart *h = ((struct fx *)*state)->h;
    uint64_t old;

    /* Read-only CSR: reads fine, any write faults. */
    assert_true(rv_csr_access(h, CSR_MHARTID, RV_CSR_RS, false, 0, &old));
    assert_false(rv_csr_access(h, CSR_MHARTID, RV_CSR_RS, true, 0, &old));
    assert_false(wr(h, CSR_CYCLE, 0));
    /* Unknown CSRs fault; S-mode CSRs and medeleg exist (misa.S). */
    assert_false(rv_csr_access(h, 0x7c0, RV_CSR_RS, false, 0, &old));
    assert_true(rv_csr_access(h, 0x180, RV_CSR_RS, false, 0, &old)); /* satp */
    assert_true(rv_csr_access(h, CSR_MEDELEG, RV_CSR_RS, false, 0, &old));

    /* U mode: no M CSRs; counters only when mcounteren allows. */
    h->priv = RV_PRIV_U;
    assert_false(rv_csr_access(h, CSR_MSTATUS, RV_CSR_RS, false, 0, &old));
    assert_false(rv_csr_access(h, 0x180, RV_CSR_RS, false, 0, &old));
    assert_false(rv_csr_access(h, CSR_CYCLE, RV_CSR_RS, false, 0, &old));
    /* U needs mcounteren and scounteren; S only mcounteren. */
    h->mcounteren = 1;
    assert_false(rv_csr_access(h, CSR_CYCLE, RV_CSR_RS, false, 0, &old));
    h->priv = RV_PRIV_S;
    assert_true(rv_csr_access(h, CSR_CYCLE, RV_CSR_RS, false, 0, &old));
    h->scounteren = 1;
    h->priv = RV_PRIV_U;
    assert_true(rv_csr_access(h, CSR_CYCLE, RV_CSR_RS, false, 0, &old));
}

static void test_mstatus_warl(void **state)
{
    struct rv_hart *h = ((struct fx *)*state)->h;
    uint64_t ms = rd(h, CSR_MSTATUS);

    assert_int_equal((ms & RV_MSTATUS_MPP) >> 11, 3);
    assert_int_equal((ms >> 32) & 3, 2);            /* UXL = 64 */
    assert_int_equal((ms >> 34) & 3, 2);            /* SXL = 64 */
    /* MPP = 2 (reserved): field unchanged; MPP = S is legal. */
    assert_true(wr(h, CSR_MSTATUS, (ms & ~RV_MSTATUS_MPP) | (2ull << 11)));
    assert_int_equal((rd(h, CSR_MSTATUS) & RV_MSTATUS_MPP) >> 11, 3);
    assert_true(wr(h, CSR_MSTATUS, (ms & ~RV_MSTATUS_MPP) | (1ull << 11)));
    assert_int_equal((rd(h, CSR_MSTATUS) & RV_MSTATUS_MPP) >> 11, 1);
    /* MPP = U is legal; MIE, MPRV writable; UXL and SD are not. */
    assert_true(wr(h, CSR_MSTATUS, RV_MSTATUS_MIE | RV_MSTATUS_MPRV |
                   (1ull << 63)));
    ms = rd(h, CSR_MSTATUS);
    assert_int_equal(ms, RV_MSTATUS_MIE | RV_MSTATUS_MPRV | (2ull << 32) |
                     (2ull << 34));
    /* MPRV with MPP = U: data accesses use the U mmu index. */
    assert_int_equal((rv_tb_flags(h) >> RV_TBF_MMU_SHIFT) & 3, RV_MMU_U);
    assert_int_equal(rv_tb_flags(h) & RV_TBF_PRIV_MASK, RV_PRIV_M);
}

/* Counters are views of insn_count, which generated code advances; here
 * each access is one instruction at `now` = insn_count, and retire() is
 * what the TB entry's count does for it (csr.c, "counters"). */
static void retire(struct rv_hart *h, unsigned n)
{
    h->insn_count += n;
}

static void test_counters(void **state)
{
    struct rv_hart *h = ((struct fx *)*state)->h;

    h->insn_count = 1000;                     /* any base: views are relative */
    rv_counters_reset(h);
    assert_int_equal(rd(h, CSR_MINSTRET), 0);
    assert_int_equal(rd(h, CSR_MCYCLE), 0);
    retire(h, 7);
    assert_int_equal(rd(h, CSR_MINSTRET), 7);
    assert_int_equal(rd(h, CSR_INSTRET), 7);
    assert_int_equal(rd(h, CSR_MCYCLE), 7);   /* one cycle per instruction */
    assert_int_equal(rd(h, CSR_CYCLE), 7);
    /* A write is what the next instruction reads: the writer's own
     * increment is replaced; csrrw returns the value before it. */
    uint64_t old;
    assert_true(rv_csr_access(h, CSR_MINSTRET, RV_CSR_RW, true, 100, &old));
    assert_int_equal(old, 7);
    retire(h, 1);
    assert_int_equal(rd(h, CSR_MINSTRET), 100);
    assert_int_equal(rd(h, CSR_MCYCLE), 8);   /* independent */
    retire(h, 3);
    assert_int_equal(rd(h, CSR_MINSTRET), 103);
    /* Wrap at 2^64. */
    assert_true(wr(h, CSR_MCYCLE, ~0ull - 1));
    retire(h, 1);
    assert_true(rd(h, CSR_MCYCLE) == ~0ull - 1);
    retire(h, 3);
    assert_int_equal(rd(h, CSR_MCYCLE), 1);
    /* Inhibit IR: the writing instruction still counts, then frozen. */
    uint64_t i0 = rd(h, CSR_MINSTRET), c0 = rd(h, CSR_MCYCLE);
    assert_true(wr(h, CSR_MCOUNTINHIBIT, 4 | 2 | 0x10));  /* TM, hpm3: 0 */
    retire(h, 1);
    assert_int_equal(rd(h, CSR_MCOUNTINHIBIT), 4);
    retire(h, 10);
    assert_int_equal(rd(h, CSR_MINSTRET), i0 + 1);
    assert_int_equal(rd(h, CSR_MCYCLE), c0 + 11);
    /* A write while frozen lands exactly and stays. */
    assert_true(wr(h, CSR_MINSTRET, 42));
    retire(h, 5);
    assert_int_equal(rd(h, CSR_MINSTRET), 42);
    /* Uninhibit: the writing instruction does not count, later ones do. */
    assert_true(wr(h, CSR_MCOUNTINHIBIT, 1));          /* CY on, IR off */
    retire(h, 1);
    uint64_t c1 = rd(h, CSR_MCYCLE);
    assert_int_equal(rd(h, CSR_MINSTRET), 42);
    retire(h, 2);
    assert_int_equal(rd(h, CSR_MINSTRET), 44);
    assert_int_equal(rd(h, CSR_MCYCLE), c1);
    assert_true(wr(h, CSR_MCOUNTINHIBIT, 0));
    retire(h, 1);
    retire(h, 4);
    assert_int_equal(rd(h, CSR_MCYCLE), c1 + 4);
    assert_int_equal(rd(h, CSR_MINSTRET), 49);

    /* The debugger (gdbstub) reads and writes at a stop, between
     * instructions: the hart's next instruction reads what was written. */
    uint64_t v = 0;
    assert_true(rv_csr_debug_read(h, CSR_MINSTRET, &v));
    assert_int_equal(v, 49);
    assert_true(rv_csr_debug_write(h, CSR_MINSTRET, 7000));
    assert_true(rv_csr_debug_write(h, CSR_MCYCLE, 9000));
    assert_int_equal(rd(h, CSR_MINSTRET), 7000);
    assert_int_equal(rd(h, CSR_MCYCLE), 9000);
    retire(h, 2);
    assert_true(rv_csr_debug_read(h, CSR_MINSTRET, &v));
    assert_int_equal(v, 7002);
    /* Inhibit from the debugger: frozen at the current value at once. */
    assert_true(rv_csr_debug_write(h, CSR_MCOUNTINHIBIT, 4));
    retire(h, 3);
    assert_int_equal(rd(h, CSR_MINSTRET), 7002);
    assert_true(rv_csr_debug_write(h, CSR_MCOUNTINHIBIT, 0));
    retire(h, 1);
    assert_int_equal(rd(h, CSR_MINSTRET), 7003);
}

static void test_mip(void **state)
{
    struct rv_hart *h = ((struct fx *)*state)->h;

    assert_int_equal(rd(h, CSR_MIP), 0);
    assert_true(wr(h, CSR_MIP, ~0ull));       /* only S bits writable */
    assert_int_equal(rd(h, CSR_MIP), RV_MIP_S);
    assert_true(wr(h, CSR_MIP, 0));
    assert_int_equal(rd(h, CSR_MIP), 0);
    rv_set_irq(h, RV_IRQ_MTI, true);
    assert_int_equal(rd(h, CSR_MIP), 1u << RV_IRQ_MTI);
    rv_set_irq(h, RV_IRQ_MTI, false);
    assert_int_equal(rd(h, CSR_MIP), 0);
    assert_true(wr(h, CSR_MIE, ~0ull));
    assert_int_equal(rd(h, CSR_MIE), RV_MIP_HW | RV_MIP_S);

    /* SEIP reads as software bit | external line, but a CSRRS/CSRRC only
     * modifies the software bit: setting SSIP while the PLIC line is high
     * must not latch SEIP once the line drops. */
    uint64_t old;
    rv_set_irq(h, RV_IRQ_SEI, true);
    assert_int_equal(rd(h, CSR_MIP), RV_MIP_SEIP);
    assert_true(rv_csr_access(h, CSR_MIP, RV_CSR_RS, true,
                              1u << RV_IRQ_SSI, &old));
    assert_int_equal(old, RV_MIP_SEIP);
    rv_set_irq(h, RV_IRQ_SEI, false);
    assert_int_equal(rd(h, CSR_MIP), 1u << RV_IRQ_SSI);
    assert_true(rv_csr_access(h, CSR_MIP, RV_CSR_RC, true,
                              1u << RV_IRQ_SSI, &old));
    assert_int_equal(rd(h, CSR_MIP), 0);
    /* The software SEIP bit itself stays writable by M. */
    assert_true(rv_csr_access(h, CSR_MIP, RV_CSR_RS, true, RV_MIP_SEIP, &old));
    assert_int_equal(rd(h, CSR_MIP), RV_MIP_SEIP);
}

static void test_exception_entry(void **state)
{
    struct rv_hart *h = ((struct fx *)*state)->h;

    h->mtvec = RAM_BASE + 0x101;            /* vectored: not for exceptions */
    h->mstatus |= RV_MSTATUS_MIE;
    h->priv = RV_PRIV_U;
    h->pc = RAM_BASE + 0x40;
    h->lr_addr = RAM_BASE;
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        rv_raise_exception(h, RV_EXC_ILLEGAL, 0x1234, 0);
        fail();
    }
    assert_int_equal(h->pc, RAM_BASE + 0x100);
    assert_int_equal(h->mepc, RAM_BASE + 0x40);
    assert_int_equal(h->mcause, RV_EXC_ILLEGAL);
    assert_int_equal(h->mtval, 0x1234);
    assert_int_equal(h->priv, RV_PRIV_M);
    assert_false(h->mstatus & RV_MSTATUS_MIE);
    assert_true(h->mstatus & RV_MSTATUS_MPIE);
    assert_int_equal((h->mstatus & RV_MSTATUS_MPP) >> 11, RV_PRIV_U);
    assert_int_equal(h->lr_addr, ~0ull);

    /* mret goes back to U with MIE restored. */
    h->mepc = RAM_BASE + 0x44;
    rv_do_mret(h);
    assert_int_equal(h->pc, RAM_BASE + 0x44);
    assert_int_equal(h->priv, RV_PRIV_U);
    assert_true(h->mstatus & RV_MSTATUS_MIE);
    assert_true(h->mstatus & RV_MSTATUS_MPIE);
    assert_int_equal((h->mstatus & RV_MSTATUS_MPP) >> 11, RV_PRIV_U);
}

static void test_interrupts(void **state)
{
    struct rv_hart *h = ((struct fx *)*state)->h;

    h->mtvec = RAM_BASE + 0x201;            /* vectored */
    h->mie = RV_MIP_HW;
    rv_set_irq(h, RV_IRQ_MTI, true);
    rv_set_irq(h, RV_IRQ_MSI, true);
    /* M mode with MIE = 0: pending (wakes WFI) but not taken. */
    assert_true(rv_interrupt_pending(h));
    assert_false(rv_check_interrupts(h));
    /* U mode: M interrupts are always enabled; MSI beats MTI. */
    h->priv = RV_PRIV_U;
    h->pc = RAM_BASE + 8;
    assert_true(rv_check_interrupts(h));
    assert_int_equal(h->mcause, RV_CAUSE_IRQ | RV_IRQ_MSI);
    assert_int_equal(h->pc, RAM_BASE + 0x200 + 4 * RV_IRQ_MSI);
    assert_int_equal(h->mepc, RAM_BASE + 8);
    /* Now in M with MIE = 0: nothing more taken. */
    assert_false(rv_check_interrupts(h));
    h->mstatus |= RV_MSTATUS_MIE;
    rv_set_irq(h, RV_IRQ_MEI, true);
    assert_true(rv_check_interrupts(h));
    assert_int_equal(h->mcause, RV_CAUSE_IRQ | RV_IRQ_MEI);
}

static void test_amo(void **state)
{
    struct fx *f = *state;
    struct rv_hart *h = f->h;
    uint32_t *w = pmem_host_ptr(f->pm, RAM_BASE + 0x100, 16);
    uint64_t *d = pmem_host_ptr(f->pm, RAM_BASE + 0x108, 8);

    w[0] = 5;
    assert_int_equal(rv_helper_amo(h, RAM_BASE + 0x100, 3, RV_OP_AMOADD_W), 5);
    assert_int_equal(w[0], 8);
    w[0] = 0xfffffff0;                      /* -16 */
    assert_int_equal(rv_helper_amo(h, RAM_BASE + 0x100, 7, RV_OP_AMOMIN_W),
                     (uint64_t)-16);       /* sign-extended old value */
    assert_int_equal(w[0], 0xfffffff0);
    rv_helper_amo(h, RAM_BASE + 0x100, 7, RV_OP_AMOMINU_W);
    assert_int_equal(w[0], 7);
    *d = 10;
    assert_int_equal(rv_helper_amo(h, RAM_BASE + 0x108, 99, RV_OP_AMOMAX_D), 10);
    assert_int_equal(*d, 99);
    assert_int_equal(rv_helper_amo(h, RAM_BASE + 0x108, 1, RV_OP_AMOSWAP_D), 99);
    assert_int_equal(*d, 1);

    /* Misaligned: store/AMO address misaligned, tval = address. */
    h->mtvec = RAM_BASE;
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        rv_helper_amo(h, RAM_BASE + 0x102, 1, RV_OP_AMOADD_W);
        fail();
    }
    assert_int_equal(h->mcause, RV_EXC_STORE_MISALIGNED);
    assert_int_equal(h->mtval, RAM_BASE + 0x102);
    /* MMIO: store/AMO access fault. */
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        rv_helper_amo(h, MMIO_BASE, 1, RV_OP_AMOADD_D);
        fail();
    }
    assert_int_equal(h->mcause, RV_EXC_STORE_ACCESS);
    assert_int_equal(h->mtval, MMIO_BASE);
    /* LR misaligned: load address misaligned. */
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        rv_helper_lr(h, RAM_BASE + 0x104, 3);
        fail();
    }
    assert_int_equal(h->mcause, RV_EXC_LOAD_MISALIGNED);
}

static void test_lr_sc(void **state)
{
    struct fx *f = *state;
    struct rv_hart *h = f->h;
    uint32_t *w = pmem_host_ptr(f->pm, RAM_BASE + 0x200, 4);

    *w = 0x80000000u;
    assert_int_equal(rv_helper_lr(h, RAM_BASE + 0x200, 2),
                     0xffffffff80000000ull);
    assert_int_equal(rv_helper_sc(h, RAM_BASE + 0x200, 17, 2), 0);
    assert_int_equal(*w, 17);
    /* The reservation is gone after any SC. */
    assert_int_equal(rv_helper_sc(h, RAM_BASE + 0x200, 18, 2), 1);
    assert_int_equal(*w, 17);
    /* Value changed behind the reservation: SC fails. */
    rv_helper_lr(h, RAM_BASE + 0x200, 2);
    *w = 5;
    assert_int_equal(rv_helper_sc(h, RAM_BASE + 0x200, 18, 2), 1);
    assert_int_equal(*w, 5);
    /* Other address: fails without touching memory. */
    rv_helper_lr(h, RAM_BASE + 0x200, 2);
    assert_int_equal(rv_helper_sc(h, RAM_BASE + 0x204, 18, 2), 1);
    assert_int_equal(h->lr_addr, ~0ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_csr_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csr_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mstatus_warl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exception_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lr_sc, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
