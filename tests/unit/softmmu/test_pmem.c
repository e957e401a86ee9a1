/*
 * test_pmem.c — the physical map: RAM/ROM/MMIO regions, overlaps, holes,
 * device size/alignment checks, loader bounds, code-page bitmap.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "softmmu/pmem.h"

/* A fake device: records the last access, reads return a pattern. */
struct fake_dev {
    uint64_t last_off, last_val;
    unsigned last_size, reads, writes;
};

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    struct fake_dev *d = opaque;
    d->last_off = off;
    d->last_size = size;
    d->reads++;
    return 0x1122334455667788ull + off;
}

static void fake_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct fake_dev *d = opaque;
    d->last_off = off;
    d->last_val = val;
    d->last_size = size;
    d->writes++;
}

static const struct mmio_ops fake_ops_2_4 = {
    .read = fake_read, .write = fake_write, .min_size = 2, .max_size = 4,
};

static void test_ram_rw(void **state)
{
    struct pmem *pm = pmem_new();
    assert_int_equal(pmem_add_ram(pm, 0x80000000, 0x10000, "ram"), 0);
    uint64_t v = 1;
    assert_true(pmem_read(pm, 0x80000000, 8, &v));
    assert_int_equal(v, 0);                         /* zero-filled */
    assert_true(pmem_write(pm, 0x80000010, 4, 0xdeadbeefcafef00dull));
    assert_true(pmem_read(pm, 0x80000010, 8, &v));
    assert_int_equal(v, 0xcafef00dull);             /* only 4 bytes stored */
    assert_true(pmem_read(pm, 0x80000011, 2, &v));  /* misaligned RAM ok */
    assert_int_equal(v, 0xfef0);
    uint8_t *h = pmem_host_ptr(pm, 0x80000010, 4);
    assert_non_null(h);
    assert_int_equal(h[0], 0x0d);                   /* little-endian */
    assert_int_equal(h[3], 0xca);
    /* Access running off the end of the region. */
    assert_false(pmem_read(pm, 0x8000fffc, 8, &v));
    assert_true(pmem_read(pm, 0x8000fff8, 8, &v));
    /* Bad sizes. */
    assert_false(pmem_read(pm, 0x80000000, 3, &v));
    assert_false(pmem_write(pm, 0x80000000, 16, 0));
    pmem_free(pm);
}

static void test_rom(void **state)
{
    struct pmem *pm = pmem_new();
    assert_int_equal(pmem_add_rom(pm, 0x1000, 0x1000, "rom"), 0);
    const uint32_t insn = 0x00000297;
    assert_int_equal(pmem_load(pm, 0x1000, &insn, 4), 0);
    uint64_t v;
    assert_true(pmem_read(pm, 0x1000, 4, &v));
    assert_int_equal(v, insn);
    assert_false(pmem_write(pm, 0x1000, 4, 0));    /* guest write: fault */
    assert_true(pmem_read(pm, 0x1000, 4, &v));
    assert_int_equal(v, insn);
    assert_non_null(pmem_host_ptr(pm, 0x1000, 0x1000));
    const struct pmem_region *r = pmem_find(pm, 0x1fff);
    assert_non_null(r);
    assert_int_equal(r->kind, PMEM_ROM);
    assert_string_equal(r->name, "rom");
    pmem_free(pm);
}

static void test_mmio_dispatch(void **state)
{
    struct pmem *pm = pmem_new();
    struct fake_dev d = {0};
    assert_int_equal(pmem_add_mmio(pm, 0x10000000, 0x100, &fake_ops_2_4, &d,
                                   "dev"), 0);
    uint64_t v;
    assert_true(pmem_read(pm, 0x10000010, 4, &v));
    assert_int_equal(d.last_off, 0x10);
    assert_int_equal(d.last_size, 4);
    assert_int_equal(v, 0x55667798);               /* truncated to 4 bytes */
    assert_true(pmem_read(pm, 0x10000002, 2, &v));
    assert_int_equal(v, 0x778a);
    assert_true(pmem_write(pm, 0x10000008, 2, 0xabcdef));
    assert_int_equal(d.last_off, 8);
    assert_int_equal(d.last_val, 0xcdef);          /* truncated to 2 bytes */
    assert_int_equal(d.last_size, 2);
    unsigned reads = d.reads, writes = d.writes;
    /* Refused: below min, above max, misaligned, past the end. */
    assert_false(pmem_read(pm, 0x10000010, 1, &v));
    assert_false(pmem_read(pm, 0x10000010, 8, &v));
    assert_false(pmem_read(pm, 0x10000011, 2, &v));
    assert_false(pmem_write(pm, 0x10000012, 4, 0));
    assert_false(pmem_read(pm, 0x10000100, 4, &v));
    assert_int_equal(d.reads, reads);              /* never reached */
    assert_int_equal(d.writes, writes);
    assert_null(pmem_host_ptr(pm, 0x10000000, 4)); /* MMIO has no host */
    pmem_free(pm);
}

static void test_overlaps_and_holes(void **state)
{
    struct pmem *pm = pmem_new();
    struct fake_dev d = {0};
    assert_int_equal(pmem_add_ram(pm, 0x80000000, 0x100000, "ram"), 0);
    assert_int_equal(pmem_add_rom(pm, 0x1000, 0x2000, "rom"), 0);
    assert_int_equal(pmem_add_mmio(pm, 0x10000000, 0x100, &fake_ops_2_4, &d,
                                   "uart"), 0);
    /* Overlap below, above, inside, and around existing regions. */
    assert_int_equal(pmem_add_ram(pm, 0x7ffff000, 0x2000, "x"), -EEXIST);
    assert_int_equal(pmem_add_ram(pm, 0x800ff000, 0x2000, "x"), -EEXIST);
    assert_int_equal(pmem_add_rom(pm, 0x2000, 0x1000, "x"), -EEXIST);
    assert_int_equal(pmem_add_ram(pm, 0, 0x10000, "x"), -EEXIST);
    assert_int_equal(pmem_add_mmio(pm, 0x100000ff, 1, &fake_ops_2_4, &d, "x"),
                     -EEXIST);
    assert_int_equal(pmem_add_mmio(pm, 0x0fffff00, 0x101, &fake_ops_2_4, &d,
                                   "x"), -EEXIST);
    /* Adjacent regions are fine. */
    assert_int_equal(pmem_add_mmio(pm, 0x10000100, 0x100, &fake_ops_2_4, &d,
                                   "next"), 0);
    assert_int_equal(pmem_add_ram(pm, 0x3000, 0x1000, "low"), 0);
    /* Invalid arguments. */
    assert_int_equal(pmem_add_ram(pm, 0x90000000, 0, "x"), -EINVAL);
    assert_int_equal(pmem_add_ram(pm, 0x90000800, 0x1000, "x"), -EINVAL);
    assert_int_equal(pmem_add_mmio(pm, 0xfffffffffffff000ull, 0x2000,
                                   &fake_ops_2_4, &d, "wrap"), -EINVAL);

    uint64_t v;
    assert_null(pmem_find(pm, 0));
    assert_null(pmem_find(pm, 0x4000));
    assert_null(pmem_find(pm, 0x80100000));
    assert_false(pmem_read(pm, 0x4000, 4, &v));    /* hole */
    assert_false(pmem_write(pm, 0x90000000, 8, 0));
    assert_string_equal(pmem_find(pm, 0x10000100)->name, "next");
    assert_string_equal(pmem_find(pm, 0x100000ff)->name, "uart");
    assert_string_equal(pmem_find(pm, 0x3fff)->name, "low");
    assert_string_equal(pmem_find(pm, 0x800fffff)->name, "ram");
    /* A host range must lie in one region even if regions touch. */
    assert_non_null(pmem_host_ptr(pm, 0x2ff0, 0x10));
    assert_null(pmem_host_ptr(pm, 0x2ff0, 0x20));
    pmem_free(pm);
}

static void test_load_bounds(void **state)
{
    struct pmem *pm = pmem_new();
    struct fake_dev d = {0};
    assert_int_equal(pmem_add_rom(pm, 0x1000, 0x1000, "rom"), 0);
    assert_int_equal(pmem_add_ram(pm, 0x2000, 0x1000, "ram"), 0);
    assert_int_equal(pmem_add_mmio(pm, 0x3000, 0x1000, &fake_ops_2_4, &d,
                                   "dev"), 0);
    uint8_t img[0x20];
    for (unsigned i = 0; i < sizeof(img); i++)
        img[i] = (uint8_t)(i + 1);
    /* Spanning ROM into adjacent RAM works. */
    assert_int_equal(pmem_load(pm, 0x1ff0, img, sizeof(img)), 0);
    uint64_t v;
    assert_true(pmem_read(pm, 0x1ff0, 1, &v));
    assert_int_equal(v, 1);
    assert_true(pmem_read(pm, 0x2000, 1, &v));
    assert_int_equal(v, 0x11);
    /* Into MMIO or a hole: -EFAULT, nothing written. */
    assert_int_equal(pmem_load(pm, 0x2ff0, img, sizeof(img)), -EFAULT);
    assert_true(pmem_read(pm, 0x2ff0, 1, &v));
    assert_int_equal(v, 0);
    assert_int_equal(pmem_load(pm, 0x0ff0, img, sizeof(img)), -EFAULT);
    assert_int_equal(pmem_load(pm, 0x1000, img, 0), 0);
    assert_int_equal(d.writes, 0);
    pmem_free(pm);
}

static void test_code_bitmap(void **state)
{
    struct pmem *pm = pmem_new();
    struct fake_dev d = {0};
    assert_int_equal(pmem_add_ram(pm, 0x80000000, 0x4000, "ram"), 0);
    assert_int_equal(pmem_add_mmio(pm, 0x3000, 0x1000, &fake_ops_2_4, &d,
                                   "dev"), 0);
    assert_false(pmem_code_test(pm, 0x80001000));
    assert_true(pmem_code_mark(pm, 0x80001234));
    assert_false(pmem_code_mark(pm, 0x80001000));  /* already marked */
    assert_true(pmem_code_test(pm, 0x80001fff));
    assert_false(pmem_code_test(pm, 0x80002000));  /* per page */
    pmem_code_clear(pm, 0x80001000);
    assert_false(pmem_code_test(pm, 0x80001000));
    assert_false(pmem_code_mark(pm, 0x3000));       /* MMIO is never code */
    assert_false(pmem_code_test(pm, 0x3000));
    pmem_free(pm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ram_rw),
        cmocka_unit_test(test_rom),
        cmocka_unit_test(test_mmio_dispatch),
        cmocka_unit_test(test_overlaps_and_holes),
        cmocka_unit_test(test_load_bounds),
        cmocka_unit_test(test_code_bitmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
