/*
 * test_tlb.c — the software TLB against a fake target: fill on miss only,
 * the generated code's fast-path computation run in C against the table,
 * flushes, MMIO and ROM entries, misaligned and page-crossing accesses,
 * faults (the fake ops longjmp back into the test), code-page writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "softmmu/tlb.h"

#define RAM_BASE  0x80000000ull
#define RAM_SIZE  0x400000ull
#define ROM_BASE  0x1000ull
#define MMIO_BASE 0x10000000ull

/* Fake target: vaddr pages map to paddr = vaddr + offset (identity for
 * most), with per-test permissions; one page may be unmapped. */
struct fake_env {
    struct tlb tlb;
    struct pmem *pm;
    unsigned fills, probe_fails;
    unsigned prot;              /* granted to every mapped page */
    uint64_t unmapped_page;     /* fill fails for this vaddr page */
    uint64_t remap_from, remap_to;  /* one page remapped */
    /* fault record, then longjmp */
    jmp_buf jb;
    int fault_kind;             /* 1 page fault, 2 access fault */
    uint64_t fault_addr;
    enum tlb_access fault_access;
    /* code_write record */
    unsigned code_writes;
    uint64_t code_paddr;
    unsigned code_size;
    bool flush_in_code_write;
    /* MMIO device */
    uint64_t dev_last_off, dev_last_val;
    unsigned dev_reads, dev_writes;
};

static bool fake_fill(void *env, uint64_t vaddr, enum tlb_access access,
                      unsigned mmu_idx, bool probe, uintptr_t retaddr,
                      struct tlb_fill *out)
{
    struct fake_env *e = env;
    uint64_t page = vaddr & TLB_PAGE_MASK;
    e->fills++;
    if (page == e->unmapped_page || !(e->prot & (1u << access))) {
        if (probe) {
            e->probe_fails++;
            return false;
        }
        e->fault_kind = 1;
        e->fault_addr = vaddr;
        e->fault_access = access;
        longjmp(e->jb, 1);
    }
    out->paddr = page == e->remap_from ? e->remap_to : page;
    out->prot = e->prot;
    return true;
}

static NORETURN void fake_access_fault(void *env, uint64_t vaddr,
                                       enum tlb_access access,
                                       uintptr_t retaddr)
{
    struct fake_env *e = env;
    e->fault_kind = 2;
    e->fault_addr = vaddr;
    e->fault_access = access;
    longjmp(e->jb, 1);
}

static void fake_code_write(void *env, uint64_t paddr, unsigned size,
                            uintptr_t retaddr)
{
    struct fake_env *e = env;
    e->code_writes++;
    e->code_paddr = paddr;
    e->code_size = size;
    pmem_code_clear(e->pm, paddr);   /* as if the page's TBs were dropped */
    if (e->flush_in_code_write)
        tlb_flush(&e->tlb);
}

static const struct tlb_ops fake_ops = {
    .fill = fake_fill, .access_fault = fake_access_fault,
    .code_write = fake_code_write,
};

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
    struct fake_env *e = opaque;
    e->dev_reads++;
    e->dev_last_off = off;
    return 0xa0 + off;
}

static void dev_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct fake_env *e = opaque;
    e->dev_writes++;
    e->dev_last_off = off;
    e->dev_last_val = val;
}

static const struct mmio_ops dev_ops = {
    .read = dev_read, .write = dev_write, .min_size = 1, .max_size = 4,
};

static int setup(void **state)
{
    struct fake_env *e = calloc(1, sizeof(*e));
    e->pm = pmem_new();
    if (pmem_add_ram(e->pm, RAM_BASE, RAM_SIZE, "ram") ||
        pmem_add_rom(e->pm, ROM_BASE, 0x1000, "rom") ||
        pmem_add_mmio(e->pm, MMIO_BASE, 0x100, &dev_ops, e, "dev"))
        return -1;
    e->prot = 7;
    e->unmapped_page = 1;       /* not a page address: nothing unmapped */
    e->remap_from = 1;
    tlb_init(&e->tlb, e->pm, &fake_ops, e);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct fake_env *e = *state;
    pmem_free(e->pm);
    free(e);
    return 0;
}

/* What generated code does inline (backend.h): NULL on a miss. */
static void *fast_path(struct tlb *t, uint64_t a, unsigned size,
                       unsigned mmu, bool write)
{
    const struct tlb_entry *e = &t->table[mmu][(a >> TLB_PAGE_BITS) &
                                               (TLB_SIZE - 1)];
    uint64_t cmp = write ? e->cmp_write : e->cmp_read;
    if (cmp != (a & (TLB_PAGE_MASK | (size - 1))))
        return NULL;
    return (void *)(uintptr_t)(a + e->addend);
}

static uint8_t *ram(struct fake_env *e, uint64_t paddr)
{
    return pmem_host_ptr(e->pm, paddr, 1);
}

static void test_fill_on_miss_only(void **state)
{
    struct fake_env *e = *state;
    uint64_t a = RAM_BASE + 0x2010;
    memcpy(ram(e, a), "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    assert_null(fast_path(&e->tlb, a, 8, 0, false));
    assert_int_equal(tlb_load(&e->tlb, a, 8, 0, 0), 0x8877665544332211ull);
    assert_int_equal(e->fills, 1);
    assert_int_equal(tlb_load(&e->tlb, a + 8, 4, 0, 0), 0);
    assert_int_equal(tlb_load(&e->tlb, a, 2, 0, 0), 0x2211);
    assert_int_equal(e->fills, 1);              /* same page: no refill */
    /* Another mmu index is a separate table. */
    assert_int_equal(tlb_load(&e->tlb, a, 1, 1, 0), 0x11);
    assert_int_equal(e->fills, 2);
    /* Same index, other page: evicts and refills. */
    uint64_t alias = a + ((uint64_t)TLB_SIZE << TLB_PAGE_BITS);
    tlb_load(&e->tlb, alias, 1, 0, 0);
    assert_int_equal(e->fills, 3);
    tlb_load(&e->tlb, a, 1, 0, 0);
    assert_int_equal(e->fills, 4);
}

static void test_fast_path_layout(void **state)
{
    struct fake_env *e = *state;
    uint64_t a = RAM_BASE + 0x5000;
    tlb_store(&e->tlb, a + 0x10, 8, 0x0102030405060708ull, 3, 0);
    /* After the fill, aligned accesses of every size hit the fast path
     * and reach the same host bytes as the physical map. */
    for (unsigned size = 1; size <= 8; size *= 2) {
        uint8_t *h = fast_path(&e->tlb, a + 0x10, size, 3, false);
        assert_ptr_equal(h, ram(e, a + 0x10));
        assert_ptr_equal(fast_path(&e->tlb, a + 0x10, size, 3, true), h);
    }
    assert_int_equal(*(uint64_t *)ram(e, a + 0x10), 0x0102030405060708ull);
    /* Last aligned slot of the page hits; misaligned accesses miss. */
    assert_non_null(fast_path(&e->tlb, a + 0xff8, 8, 3, false));
    assert_null(fast_path(&e->tlb, a + 0x11, 2, 3, false));
    assert_null(fast_path(&e->tlb, a + 0x14, 8, 3, false));
    assert_non_null(fast_path(&e->tlb, a + 0x13, 1, 3, false));
    /* Another page with the same index misses. */
    assert_null(fast_path(&e->tlb, a + ((uint64_t)TLB_SIZE << 12), 1, 3,
                          false));
    /* Page 0 is not hit by an empty entry (comparator is not 0). */
    assert_null(fast_path(&e->tlb, 0, 1, 0, false));
    /* A remapped page: host = vaddr + addend lands on the physical page. */
    e->remap_from = 0x40000000;
    e->remap_to = RAM_BASE + 0x7000;
    tlb_store(&e->tlb, 0x40000ff0, 4, 0xfeedface, 0, 0);
    assert_int_equal(*(uint32_t *)ram(e, RAM_BASE + 0x7ff0), 0xfeedface);
    assert_ptr_equal(fast_path(&e->tlb, 0x40000ff0, 4, 0, true),
                     ram(e, RAM_BASE + 0x7ff0));
}

static void test_flushes(void **state)
{
    struct fake_env *e = *state;
    uint64_t a = RAM_BASE + 0x3000, b = RAM_BASE + 0x4000;
    for (unsigned m = 0; m < TLB_NB_MMU; m++) {
        tlb_load(&e->tlb, a, 4, m, 0);
        tlb_load(&e->tlb, b, 4, m, 0);
    }
    assert_int_equal(e->fills, 2 * TLB_NB_MMU);
    tlb_flush_page(&e->tlb, a + 0x123);
    for (unsigned m = 0; m < TLB_NB_MMU; m++) {
        assert_null(fast_path(&e->tlb, a, 4, m, false));
        assert_non_null(fast_path(&e->tlb, b, 4, m, false));
    }
    /* Flushing a page that aliases a's index but is not mapped: no effect
     * on other entries. */
    tlb_flush_page(&e->tlb, b + ((uint64_t)TLB_SIZE << 12));
    assert_non_null(fast_path(&e->tlb, b, 4, 0, false));
    tlb_flush_mmu(&e->tlb, 1u << 2);
    assert_null(fast_path(&e->tlb, b, 4, 2, false));
    assert_non_null(fast_path(&e->tlb, b, 4, 1, false));
    assert_int_equal(e->tlb.flush_count, 0);
    tlb_flush(&e->tlb);
    assert_int_equal(e->tlb.flush_count, 1);
    for (unsigned m = 0; m < TLB_NB_MMU; m++)
        assert_null(fast_path(&e->tlb, b, 4, m, false));
    unsigned fills = e->fills;
    tlb_load(&e->tlb, b, 4, 0, 0);
    assert_int_equal(e->fills, fills + 1);
}

static void test_mmio_slow_path(void **state)
{
    struct fake_env *e = *state;
    assert_int_equal(tlb_load(&e->tlb, MMIO_BASE + 5, 1, 0, 0), 0xa5);
    assert_int_equal(e->dev_last_off, 5);
    tlb_store(&e->tlb, MMIO_BASE + 8, 4, 0x12345678, 0, 0);
    assert_int_equal(e->dev_last_off, 8);
    assert_int_equal(e->dev_last_val, 0x12345678);
    assert_int_equal(e->fills, 1);
    /* MMIO entries never hit the fast path. */
    for (unsigned size = 1; size <= 8; size *= 2) {
        assert_null(fast_path(&e->tlb, MMIO_BASE, size, 0, false));
        assert_null(fast_path(&e->tlb, MMIO_BASE, size, 0, true));
    }
    assert_null(tlb_host_addr(&e->tlb, MMIO_BASE, 4, TLB_WRITE, 0, 0));
    /* Too wide for the device (max 4), misaligned, or past the region
     * (a hole on the same page): access fault at the virtual address. */
    uint64_t bad[] = { MMIO_BASE, MMIO_BASE + 2, MMIO_BASE + 0x100 };
    unsigned sizes[] = { 8, 4, 4 };
    for (unsigned i = 0; i < 3; i++) {
        e->fault_kind = 0;
        if (!setjmp(e->jb)) {
            tlb_load(&e->tlb, bad[i], sizes[i], 0, 0);
            fail_msg("no fault for case %u", i);
        }
        assert_int_equal(e->fault_kind, 2);
        assert_int_equal(e->fault_addr, bad[i]);
        assert_int_equal(e->fault_access, TLB_READ);
    }
    assert_int_equal(e->dev_reads, 1);
}

static void test_misaligned(void **state)
{
    struct fake_env *e = *state;
    uint64_t p = RAM_BASE + 0x8ffd;            /* 3 bytes before a page end */
    const uint8_t bytes[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    memcpy(ram(e, p), bytes, 8);
    assert_int_equal(tlb_load(&e->tlb, p, 8, 0, 0), 0x0807060504030201ull);
    assert_int_equal(tlb_load(&e->tlb, p + 1, 4, 0, 0), 0x05040302);
    assert_int_equal(tlb_load(&e->tlb, p + 2, 2, 0, 0), 0x0403);
    assert_int_equal(e->fills, 2);
    /* Across into a remapped page: the halves come from different frames. */
    uint64_t v = RAM_BASE + 0x1fffe, frame = RAM_BASE + 0x40000;
    e->remap_from = RAM_BASE + 0x20000;
    e->remap_to = frame;
    ram(e, v)[0] = 0x99;
    ram(e, v)[1] = 0x88;
    ram(e, frame)[0] = 0xee;
    ram(e, frame)[1] = 0xdd;
    ram(e, RAM_BASE + 0x20000)[0] = 0x55;      /* not what v+2 maps to */
    assert_int_equal(tlb_load(&e->tlb, v, 4, 0, 0), 0xddee8899u);
    tlb_store(&e->tlb, v + 1, 4, 0xa1b2c3d4, 0, 0);
    assert_int_equal(ram(e, v)[1], 0xd4);
    assert_int_equal(ram(e, frame)[0], 0xc3);
    assert_int_equal(ram(e, frame)[2], 0xa1);
    assert_int_equal(ram(e, frame)[3], 0);
    assert_int_equal(ram(e, RAM_BASE + 0x20000)[0], 0x55);
    /* Misaligned within a page: direct. */
    tlb_store(&e->tlb, RAM_BASE + 0x123, 8, 0x1122334455667788ull, 0, 0);
    assert_int_equal(tlb_load(&e->tlb, RAM_BASE + 0x125, 2, 0, 0), 0x5566);
    /* Misaligned MMIO faults without reaching the device. */
    e->fault_kind = 0;
    if (!setjmp(e->jb)) {
        tlb_store(&e->tlb, MMIO_BASE + 1, 2, 0, 0, 0);
        fail();
    }
    assert_int_equal(e->fault_kind, 2);
    assert_int_equal(e->dev_writes, 0);
    /* Misaligned atomics get no host pointer. */
    assert_null(tlb_host_addr(&e->tlb, RAM_BASE + 4, 8, TLB_WRITE, 0, 0));
    assert_ptr_equal(tlb_host_addr(&e->tlb, RAM_BASE + 8, 8, TLB_WRITE, 0, 0),
                     ram(e, RAM_BASE + 8));
}

static void test_page_crossing_faults(void **state)
{
    struct fake_env *e = *state;
    uint64_t p = RAM_BASE + 0xaffe;
    e->unmapped_page = RAM_BASE + 0xb000;
    *ram(e, p) = 0x77;
    e->fault_kind = 0;
    if (!setjmp(e->jb)) {
        tlb_store(&e->tlb, p, 4, 0xffffffff, 0, 0);
        fail();
    }
    /* Page fault on the second page, reported at its start; nothing of
     * the first page was written. */
    assert_int_equal(e->fault_kind, 1);
    assert_int_equal(e->fault_addr, RAM_BASE + 0xb000);
    assert_int_equal(e->fault_access, TLB_WRITE);
    assert_int_equal(*ram(e, p), 0x77);
    /* First page unmapped: fault at the access address. */
    e->unmapped_page = RAM_BASE + 0xa000;
    e->fault_kind = 0;
    if (!setjmp(e->jb)) {
        tlb_load(&e->tlb, p, 4, 1, 0);
        fail();
    }
    assert_int_equal(e->fault_kind, 1);
    assert_int_equal(e->fault_addr, p);
    assert_int_equal(e->fault_access, TLB_READ);
    /* RAM page followed by the end of RAM (a hole): access fault. */
    e->unmapped_page = 1;
    e->fault_kind = 0;
    if (!setjmp(e->jb)) {
        tlb_load(&e->tlb, RAM_BASE + RAM_SIZE - 2, 4, 0, 0);
        fail();
    }
    assert_int_equal(e->fault_kind, 2);
    assert_int_equal(e->fault_addr, RAM_BASE + RAM_SIZE);
}

static void test_rom_and_permissions(void **state)
{
    struct fake_env *e = *state;
    uint32_t word = 0x12345678;
    assert_int_equal(pmem_load(e->pm, ROM_BASE, &word, 4), 0);
    assert_int_equal(tlb_load(&e->tlb, ROM_BASE, 4, 0, 0), 0x12345678);
    assert_non_null(fast_path(&e->tlb, ROM_BASE, 4, 0, false));
    assert_null(fast_path(&e->tlb, ROM_BASE, 4, 0, true));
    e->fault_kind = 0;
    if (!setjmp(e->jb)) {
        tlb_store(&e->tlb, ROM_BASE + 4, 4, 0, 0, 0);
        fail();
    }
    assert_int_equal(e->fault_kind, 2);
    assert_int_equal(e->fault_addr, ROM_BASE + 4);
    assert_int_equal(e->fault_access, TLB_WRITE);
    assert_int_equal(tlb_load(&e->tlb, ROM_BASE, 4, 0, 0), 0x12345678);
    /* Read-only mapping: the write comparator stays invalid; a write asks
     * the walk, which raises the page fault. */
    e->prot = 1u << TLB_READ;
    uint64_t a = RAM_BASE + 0xc000;
    tlb_load(&e->tlb, a, 8, 2, 0);
    assert_non_null(fast_path(&e->tlb, a, 8, 2, false));
    assert_null(fast_path(&e->tlb, a, 8, 2, true));
    e->fault_kind = 0;
    if (!setjmp(e->jb)) {
        tlb_store(&e->tlb, a, 8, 0, 2, 0);
        fail();
    }
    assert_int_equal(e->fault_kind, 1);
    assert_int_equal(e->fault_access, TLB_WRITE);
}

static void test_code_fetch(void **state)
{
    struct fake_env *e = *state;
    uint64_t pa;
    const uint8_t *h;
    assert_true(tlb_code_addr(&e->tlb, RAM_BASE + 0x1004, 3, false, &pa, &h));
    assert_int_equal(pa, RAM_BASE + 0x1004);
    assert_ptr_equal(h, ram(e, RAM_BASE + 0x1004));
    assert_true(tlb_code_addr(&e->tlb, ROM_BASE + 0x10, 3, true, &pa, &h));
    assert_ptr_equal(h, ram(e, ROM_BASE + 0x10));
    /* MMIO and holes cannot be executed. */
    assert_false(tlb_code_addr(&e->tlb, MMIO_BASE, 3, true, &pa, &h));
    assert_false(tlb_code_addr(&e->tlb, 0x5000, 3, true, &pa, &h));
    e->fault_kind = 0;
    if (!setjmp(e->jb)) {
        tlb_code_addr(&e->tlb, MMIO_BASE + 4, 3, false, &pa, &h);
        fail();
    }
    assert_int_equal(e->fault_kind, 2);
    assert_int_equal(e->fault_access, TLB_EXEC);
    /* No exec permission: probe says no, non-probe raises the page fault. */
    e->prot = (1u << TLB_READ) | (1u << TLB_WRITE);
    unsigned pf = e->probe_fails;
    assert_false(tlb_code_addr(&e->tlb, RAM_BASE + 0x9000, 0, true, &pa, &h));
    assert_int_equal(e->probe_fails, pf + 1);
    e->fault_kind = 0;
    if (!setjmp(e->jb)) {
        tlb_code_addr(&e->tlb, RAM_BASE + 0x9000, 0, false, &pa, &h);
        fail();
    }
    assert_int_equal(e->fault_kind, 1);
    assert_int_equal(e->fault_access, TLB_EXEC);
}

static void test_notdirty(void **state)
{
    struct fake_env *e = *state;
    uint64_t a = RAM_BASE + 0xd000;
    /* Page already code when the entry is filled. */
    assert_true(pmem_code_mark(e->pm, a));
    tlb_load(&e->tlb, a, 4, 0, 0);
    assert_non_null(fast_path(&e->tlb, a, 4, 0, false));
    assert_null(fast_path(&e->tlb, a, 4, 0, true));
    tlb_store(&e->tlb, a + 0x40, 4, 0xcafe, 0, 0);
    assert_int_equal(e->code_writes, 1);
    assert_int_equal(e->code_paddr, a + 0x40);
    assert_int_equal(e->code_size, 4);
    assert_int_equal(*(uint32_t *)ram(e, a + 0x40), 0xcafe);
    /* code_write dropped the code: the entry becomes writable inline. */
    assert_non_null(fast_path(&e->tlb, a, 4, 0, true));
    /* Page becomes code while a writable entry exists. */
    tlb_store(&e->tlb, a + 0x1000, 8, 1, 1, 0);
    assert_non_null(fast_path(&e->tlb, a + 0x1000, 8, 1, true));
    assert_true(pmem_code_mark(e->pm, a + 0x1000));
    tlb_protect_code_page(&e->tlb, a + 0x1000);
    assert_null(fast_path(&e->tlb, a + 0x1000, 8, 1, true));
    assert_non_null(fast_path(&e->tlb, a + 0x1000, 8, 1, false));
    /* Atomics report the write too, but only once it has landed: the
     * lookup alone reports nothing, tlb_host_write_done does. */
    assert_non_null(tlb_host_addr(&e->tlb, a + 0x1008, 8, TLB_WRITE, 1, 0));
    assert_int_equal(e->code_writes, 1);
    tlb_host_write_done(&e->tlb, a + 0x1008, 8, 1, 0);
    assert_int_equal(e->code_writes, 2);
    assert_int_equal(e->code_paddr, a + 0x1008);
    /* A page-crossing store reports each part. */
    pmem_code_mark(e->pm, a + 0x2000);
    pmem_code_mark(e->pm, a + 0x3000);
    tlb_store(&e->tlb, a + 0x2ffe, 4, 0x01020304, 2, 0);
    assert_int_equal(e->code_writes, 4);
    assert_int_equal(e->code_paddr, a + 0x3000);
    assert_int_equal(e->code_size, 2);
    assert_int_equal(tlb_load(&e->tlb, a + 0x2ffe, 4, 2, 0), 0x01020304);
    /* code_write may flush this very TLB: the store still lands. */
    e->flush_in_code_write = true;
    pmem_code_mark(e->pm, a + 0x4000);
    tlb_store(&e->tlb, a + 0x4010, 8, 0x5a5a5a5a5a5a5a5aull, 0, 0);
    assert_int_equal(e->code_writes, 5);
    assert_int_equal(*(uint64_t *)ram(e, a + 0x4010), 0x5a5a5a5a5a5a5a5aull);
    pmem_code_mark(e->pm, a + 0x5000);
    pmem_code_mark(e->pm, a + 0x6000);
    tlb_store(&e->tlb, a + 0x5ffc, 8, 0x0807060504030201ull, 0, 0);
    assert_int_equal(e->code_writes, 7);
    assert_int_equal(ram(e, a + 0x5ffc)[0], 1);
    assert_int_equal(ram(e, a + 0x6000)[3], 8);
    pmem_code_mark(e->pm, a + 0x7000);
    uint64_t *h = tlb_host_addr(&e->tlb, a + 0x7000, 8, TLB_WRITE, 0, 0);
    assert_ptr_equal(h, ram(e, a + 0x7000));
    assert_int_equal(e->code_writes, 7);
    tlb_host_write_done(&e->tlb, a + 0x7000, 8, 0, 0);
    assert_int_equal(e->code_writes, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fill_on_miss_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fast_path_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flushes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmio_slow_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misaligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_crossing_faults, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rom_and_permissions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_code_fetch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notdirty, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
