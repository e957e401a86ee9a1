/*
 * test_trigger.c — the debugger side of the trigger engine (trigger.h, used
 * by the gdbstub): slot insert/remove and their errors, the RV_TBF_TRIG
 * flag, execute and load/store matches stopping the hart through the hook
 * (pc restored, nothing else touched), TLB_WATCH on watched pages, and the
 * guest pool's breakpoint exception, driven directly on a hart.
 */
#include <errno.h>
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

static struct pmem *pm;
static struct rv_hart *h;
static struct rv_trig_hit last_hit;
static unsigned hits;

static void stop_hook(struct rv_hart *hart, const struct rv_trig_hit *hit)
{
    assert_ptr_equal(hart, h);
    last_hit = *hit;
    hits++;
}

static int setup(void **state)
{
    (void)state;
    pm = pmem_new();
    assert_int_equal(pmem_add_ram(pm, RAM_BASE, 0x10000, "ram"), 0);
    h = aligned_alloc(64, ROUND_UP(sizeof(*h), 64));
    rv_hart_init(h, 0, pm);
    rv_hart_reset(h, RAM_BASE);
    hits = 0;
    rv_trig_debug_stop = stop_hook;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rv_trig_debug_stop = NULL;
    pmem_free(pm);
    free(h);
    return 0;
}

static void test_insert_remove(void **state)
{
    (void)state;
    rv_trig_debug_stop = NULL;
    assert_int_equal(rv_trig_debug_insert(h, RV_TRIG_EXEC, RAM_BASE, 2),
                     -ENODEV);
    rv_trig_debug_stop = stop_hook;
    assert_int_equal(rv_trig_debug_insert(h, 0, RAM_BASE, 2), -EINVAL);
    assert_int_equal(rv_trig_debug_insert(h, RV_TRIG_LOAD, RAM_BASE, 0),
                     -EINVAL);
    assert_int_equal(rv_trig_debug_insert(h, RV_TRIG_LOAD, ~0ull, 2),
                     -EINVAL);
    assert_false(rv_tb_flags(h) & RV_TBF_TRIG);
    assert_int_equal(rv_trig_debug_insert(h, RV_TRIG_EXEC, RAM_BASE, 1), 0);
    /* Every privilege gets the flag (debugger slots ignore modes). */
    for (unsigned p = 0; p <= 3; p++) {
        if (p == 2)
            continue;
        h->priv = (enum rv_priv)p;
        assert_true(rv_tb_flags(h) & RV_TBF_TRIG);
    }
    h->priv = RV_PRIV_M;
    assert_int_equal(rv_trig_debug_remove(h, RV_TRIG_EXEC, RAM_BASE, 2),
                     -ENOENT);
    assert_int_equal(rv_trig_debug_remove(h, RV_TRIG_EXEC, RAM_BASE, 1), 0);
    assert_false(rv_tb_flags(h) & RV_TBF_TRIG);
    assert_int_equal(rv_trig_debug_remove(h, RV_TRIG_EXEC, RAM_BASE, 1),
                     -ENOENT);
    for (unsigned i = 0; i < RV_TRIG_DEBUG_N; i++)
        assert_int_equal(rv_trig_debug_insert(h, RV_TRIG_STORE,
                                              RAM_BASE + 8 * i, 8), 0);
    assert_int_equal(rv_trig_debug_insert(h, RV_TRIG_STORE, RAM_BASE, 8),
                     -ENOSPC);
    /* Store slots only: no execute flag. */
    assert_false(rv_tb_flags(h) & RV_TBF_TRIG);
    rv_trig_debug_remove_all(h);
    assert_int_equal(h->trig.mem, 0);
    assert_int_equal(rv_trig_debug_insert(h, RV_TRIG_STORE, RAM_BASE, 8), 0);
}

static void test_exec_stop(void **state)
{
    (void)state;
    uint64_t pc = RAM_BASE + 0x100;
    assert_int_equal(rv_trig_debug_insert(h, RV_TRIG_EXEC, pc, 1), 0);
    h->x[5] = 55;
    /* Another pc: returns. */
    rv_trig_check_exec(h, pc + 4, 0x00000013, 0);
    assert_int_equal(hits, 0);
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        h->pc = 0;
        rv_trig_check_exec(h, pc, 0x00000013, 0);
        fail_msg("a matching slot must not return");
    }
    assert_int_equal(hits, 1);
    assert_int_equal(last_hit.access, RV_TRIG_EXEC);
    assert_int_equal(last_hit.addr, pc);
    assert_int_equal(last_hit.size, 4);
    assert_int_equal(last_hit.slot, 0);
    assert_int_equal(h->pc, pc);
    /* Not a trap: no CSR, mode or register changed. */
    assert_int_equal(h->priv, RV_PRIV_M);
    assert_int_equal(h->mcause, 0);
    assert_int_equal(h->x[5], 55);
    /* Compressed instruction size. */
    if (sigsetjmp(h->jmp_env, 0) == 0)
        rv_trig_check_exec(h, pc, 0x0001, 0);
    assert_int_equal(last_hit.size, 2);
}

static void test_mem_stop(void **state)
{
    (void)state;
    uint64_t a = RAM_BASE + 0x1000;
    assert_int_equal(rv_trig_debug_insert(h, RV_TRIG_LOAD, a, 8), 0);
    /* Disjoint, and a store to the watched bytes: no stop. */
    rv_trig_check_mem(h, RV_TRIG_LOAD, a + 8, 4, 0, 1, 0);
    rv_trig_check_mem(h, RV_TRIG_LOAD, a - 4, 4, 0, 1, 0);
    rv_trig_check_mem(h, RV_TRIG_STORE, a, 8, 0, 3, 0);
    assert_int_equal(hits, 0);
    /* Overlapping the last watched byte. */
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        rv_trig_check_mem(h, RV_TRIG_LOAD, a + 6, 4, 0, 1, 0);
        fail_msg("an overlapping load must stop");
    }
    assert_int_equal(hits, 1);
    assert_int_equal(last_hit.access, RV_TRIG_LOAD);
    assert_int_equal(last_hit.addr, a + 6);
    assert_int_equal(last_hit.size, 4);
}

static void test_tlb_watch(void **state)
{
    (void)state;
    uint64_t a = RAM_BASE + 0x2000;
    unsigned idx = (a >> TLB_PAGE_BITS) & (TLB_SIZE - 1);
    const struct tlb_entry *e = &h->tlb.table[RV_MMU_M][idx];

    /* Unwatched page: a slow-path load caches a plain RAM entry. */
    (void)tlb_load(&h->tlb, a, 8, RV_MMU_M, 0);
    assert_int_equal(e->cmp_read, a);
    /* Watching flushes; the refill marks the page for reads only. */
    assert_int_equal(rv_trig_debug_insert(h, RV_TRIG_LOAD, a + 0x10, 4), 0);
    assert_int_equal(e->cmp_read & ~TLB_PAGE_MASK, TLB_INVALID);
    assert_int_equal(rv_trig_page_watch(h, a), 1u << TLB_READ);
    assert_int_equal(rv_trig_page_watch(h, a + TLB_PAGE_SIZE), 0);
    (void)tlb_load(&h->tlb, a, 8, RV_MMU_M, 0);
    assert_int_equal(e->cmp_read, a | TLB_WATCH);
    assert_int_equal(e->cmp_write & TLB_WATCH, 0);
    /* The slow path still reads RAM. */
    tlb_store(&h->tlb, a + 0x10, 4, 0x1234, RV_MMU_M, 0);
    assert_int_equal(tlb_load(&h->tlb, a + 0x10, 4, RV_MMU_M, 0), 0x1234);
    /* Removing it flushes again; the refill is plain. */
    assert_int_equal(rv_trig_debug_remove(h, RV_TRIG_LOAD, a + 0x10, 4), 0);
    (void)tlb_load(&h->tlb, a, 8, RV_MMU_M, 0);
    assert_int_equal(e->cmp_read, a);
}

static void test_guest_breakpoint(void **state)
{
    (void)state;
    uint64_t pc = RAM_BASE + 0x200, old;

    h->mtvec = RAM_BASE + 0x4000;
    /* tselect 0: mcontrol6, M, execute, equal. */
    assert_true(rv_csr_access(h, 0x7a2, RV_CSR_RW, true, pc, &old));
    assert_true(rv_csr_access(h, 0x7a1, RV_CSR_RW, true,
                              6ull << 60 | 1u << 6 | 4, &old));
    /* The TB flag as soon as it is enabled in M; but with mstatus.MIE = 0
     * (re-entrancy option 1) it does not fire. */
    assert_true(rv_tb_flags(h) & RV_TBF_TRIG);
    h->priv = RV_PRIV_U;
    assert_false(rv_tb_flags(h) & RV_TBF_TRIG);      /* M only */
    h->priv = RV_PRIV_M;
    rv_trig_check_exec(h, pc, 0x13, 0);
    h->mstatus |= RV_MSTATUS_MIE;
    assert_true(rv_csr_access(h, 0x7a5, RV_CSR_RW, true, 8, &old));
    h->pc = pc;
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        rv_trig_check_exec(h, pc, 0x13, 0);
        fail_msg("the trigger must fire");
    }
    assert_int_equal(h->mcause, RV_EXC_BREAKPOINT);
    assert_int_equal(h->mepc, pc);
    assert_int_equal(h->mtval, pc);
    assert_int_equal(h->pc, h->mtvec);
    /* The trap cleared MIE (the handler cannot re-trigger) and stacked
     * tcontrol (mpte = mte, mte = 0); mret restores both. */
    assert_false(h->mstatus & RV_MSTATUS_MIE);
    rv_trig_check_exec(h, pc, 0x13, 0);
    assert_true(rv_csr_access(h, 0x7a5, RV_CSR_RS, false, 0, &old));
    assert_int_equal(old, 0x80);
    assert_true(rv_csr_access(h, 0x7a1, RV_CSR_RS, false, 0, &old));
    assert_true(old & (1u << 22));               /* hit0 */
    rv_do_mret(h);
    assert_true(h->mstatus & RV_MSTATUS_MIE);
    assert_true(rv_csr_access(h, 0x7a5, RV_CSR_RS, false, 0, &old));
    assert_int_equal(old, 0x88);
    assert_int_equal(hits, 0);
}

/* S mode with breakpoints delegated: no match while SIE = 0; with SIE the
 * exception goes to S. */
static void test_guest_s_delegated(void **state)
{
    (void)state;
    uint64_t pc = RAM_BASE + 0x300, old;

    h->stvec = RAM_BASE + 0x5000;
    h->medeleg = 1u << RV_EXC_BREAKPOINT;
    assert_true(rv_csr_access(h, 0x7a2, RV_CSR_RW, true, pc, &old));
    assert_true(rv_csr_access(h, 0x7a1, RV_CSR_RW, true,
                              6ull << 60 | 1u << 4 | 4, &old));
    h->priv = RV_PRIV_S;
    assert_true(rv_tb_flags(h) & RV_TBF_TRIG);
    rv_trig_check_exec(h, pc, 0x13, 0);          /* SIE = 0 */
    h->mstatus |= RV_MSTATUS_SIE;
    h->pc = pc;
    if (sigsetjmp(h->jmp_env, 0) == 0) {
        rv_trig_check_exec(h, pc, 0x13, 0);
        fail_msg("the trigger must fire with SIE");
    }
    assert_int_equal(h->priv, RV_PRIV_S);
    assert_int_equal(h->scause, RV_EXC_BREAKPOINT);
    assert_int_equal(h->sepc, pc);
    assert_int_equal(h->stval, pc);
    assert_false(h->mstatus & RV_MSTATUS_SIE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_insert_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mem_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tlb_watch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_breakpoint, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_guest_s_delegated, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
