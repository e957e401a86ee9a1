/* test_fdt.c — build the virt tree for -smp 4 -m 256M and read it back with
 * libfdt: nodes, values and phandle wiring as docs/cli.md describes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>
#include <cmocka.h>

#include "machine/fdt.h"

static const struct dtb_params params = {
    .nharts = 4,
    .ram_base = 0x80000000, .ram_size = 256ull << 20,
    .isa = "rv64imac", .mmu_type = "riscv,none",
    .bootargs = "console=ttyS0 earlycon",
    .initrd_start = 0x88000000, .initrd_end = 0x88123456,
    .clint_base = 0x2000000, .uart_base = 0x10000000, .test_base = 0x100000,
    .plic_base = 0xc000000, .plic_size = 0x600000, .plic_ndev = 96,
    .rtc_base = 0x101000, .uart_irq = 10, .rtc_irq = 11,
};

static int setup(void **state)
{
    char err[128];
    size_t size;
    void *fdt = dtb_build(&params, &size, err, sizeof(err));
    assert_non_null(fdt);
    assert_int_equal(fdt_check_header(fdt), 0);
    assert_int_equal(fdt_totalsize(fdt), size);
    *state = fdt;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static int node(const void *fdt, const char *path)
{
    int off = fdt_path_offset(fdt, path);
    if (off < 0)
        fail_msg("missing node %s: %s", path, fdt_strerror(off));
    return off;
}

static const void *prop(const void *fdt, const char *path, const char *name,
                        int *len)
{
    const void *p = fdt_getprop(fdt, node(fdt, path), name, len);
    if (!p)
        fail_msg("missing %s:%s", path, name);
    return p;
}

static uint32_t u32(const void *fdt, const char *path, const char *name)
{
    int len;
    const fdt32_t *p = prop(fdt, path, name, &len);
    assert_int_equal(len, 4);
    return fdt32_to_cpu(*p);
}

static void expect_str(const void *fdt, const char *path, const char *name,
                       const char *want)
{
    int len;
    const char *s = prop(fdt, path, name, &len);
    assert_int_equal(len, (int)strlen(want) + 1);
    assert_string_equal(s, want);
}

/* reg = <base size> in 2+2 cells. */
static void expect_reg(const void *fdt, const char *path, uint64_t base,
                       uint64_t size)
{
    int len;
    const fdt64_t *r = prop(fdt, path, "reg", &len);
    assert_int_equal(len, 16);
    assert_int_equal(fdt64_ld(&r[0]), base);
    assert_int_equal(fdt64_ld(&r[1]), size);
}

static void test_root_memory_chosen(void **state)
{
    const void *fdt = *state;
    int len;

    assert_int_equal(u32(fdt, "/", "#address-cells"), 2);
    assert_int_equal(u32(fdt, "/", "#size-cells"), 2);
    expect_str(fdt, "/memory@80000000", "device_type", "memory");
    expect_reg(fdt, "/memory@80000000", 0x80000000, 256ull << 20);
    expect_str(fdt, "/chosen", "stdout-path", "/soc/serial@10000000");
    expect_str(fdt, "/chosen", "bootargs", "console=ttyS0 earlycon");
    const fdt64_t *s = prop(fdt, "/chosen", "linux,initrd-start", &len);
    assert_int_equal(len, 8);
    assert_int_equal(fdt64_ld(s), 0x88000000);
    const fdt64_t *e = prop(fdt, "/chosen", "linux,initrd-end", &len);
    assert_int_equal(fdt64_ld(e), 0x88123456);
    /* stdout-path resolves. */
    node(fdt, "/soc/serial@10000000");
}

static void test_cpus(void **state)
{
    const void *fdt = *state;
    char path[64];
    int n = 0, off;

    assert_int_equal(u32(fdt, "/cpus", "timebase-frequency"), 10000000);
    assert_int_equal(u32(fdt, "/cpus", "#address-cells"), 1);
    assert_int_equal(u32(fdt, "/cpus", "#size-cells"), 0);
    fdt_for_each_subnode(off, fdt, node(fdt, "/cpus"))
        n++;
    assert_int_equal(n, 4 + 1);                 /* cpu@0..3, cpu-map */
    for (unsigned i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
        expect_str(fdt, path, "device_type", "cpu");
        assert_int_equal(u32(fdt, path, "reg"), i);
        expect_str(fdt, path, "compatible", "riscv");
        expect_str(fdt, path, "riscv,isa", "rv64imac");
        expect_str(fdt, path, "mmu-type", "riscv,none");
        expect_str(fdt, path, "status", "okay");
        snprintf(path, sizeof(path), "/cpus/cpu@%u/interrupt-controller", i);
        expect_str(fdt, path, "compatible", "riscv,cpu-intc");
        assert_int_equal(u32(fdt, path, "#interrupt-cells"), 1);
        int len;
        prop(fdt, path, "interrupt-controller", &len);
        assert_int_equal(len, 0);
        /* The phandle resolves back to this very node. */
        uint32_t ph = u32(fdt, path, "phandle");
        assert_int_equal(fdt_node_offset_by_phandle(fdt, ph), node(fdt, path));
        /* The cpu node has its own phandle, which cpu-map names. */
        snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
        uint32_t cph = u32(fdt, path, "phandle");
        assert_int_not_equal(cph, ph);
        assert_int_equal(fdt_node_offset_by_phandle(fdt, cph), node(fdt, path));
        snprintf(path, sizeof(path), "/cpus/cpu-map/cluster0/core%u", i);
        assert_int_equal(u32(fdt, path, "cpu"), cph);
    }
}

/* Every phandle in interrupts-extended is hart i's intc, then `a`, `b`. */
static void expect_hart_irqs(const void *fdt, const char *path, unsigned n,
                             uint32_t a, uint32_t b)
{
    int len;
    const fdt32_t *ie = prop(fdt, path, "interrupts-extended", &len);
    assert_int_equal(len, (int)(n * 4 * 4));
    for (unsigned i = 0; i < n; i++) {
        char ic[64];
        snprintf(ic, sizeof(ic), "/cpus/cpu@%u/interrupt-controller", i);
        uint32_t ph = u32(fdt, ic, "phandle");
        assert_int_equal(fdt32_to_cpu(ie[4 * i + 0]), ph);
        assert_int_equal(fdt32_to_cpu(ie[4 * i + 1]), a);
        assert_int_equal(fdt32_to_cpu(ie[4 * i + 2]), ph);
        assert_int_equal(fdt32_to_cpu(ie[4 * i + 3]), b);
    }
}

static void test_plic_rtc(void **state)
{
    const void *fdt = *state;
    const char *plic = "/soc/plic@c000000";
    int len;

    const char *pc = prop(fdt, plic, "compatible", &len);
    assert_int_equal(len, (int)sizeof("sifive,plic-1.0.0\0riscv,plic0"));
    assert_memory_equal(pc, "sifive,plic-1.0.0\0riscv,plic0", len);
    expect_reg(fdt, plic, 0xc000000, 0x600000);
    assert_int_equal(u32(fdt, plic, "riscv,ndev"), 96);
    assert_int_equal(u32(fdt, plic, "#interrupt-cells"), 1);
    assert_int_equal(u32(fdt, plic, "#address-cells"), 0);
    prop(fdt, plic, "interrupt-controller", &len);
    assert_int_equal(len, 0);
    /* Contexts 2h (M external, 11) and 2h + 1 (S external, 9). */
    expect_hart_irqs(fdt, plic, 4, 11, 9);
    uint32_t ph = u32(fdt, plic, "phandle");
    assert_int_equal(fdt_node_offset_by_phandle(fdt, ph), node(fdt, plic));

    assert_int_equal(u32(fdt, "/soc/serial@10000000", "interrupts"), 10);
    assert_int_equal(u32(fdt, "/soc/serial@10000000", "interrupt-parent"), ph);
    expect_str(fdt, "/soc/rtc@101000", "compatible", "google,goldfish-rtc");
    expect_reg(fdt, "/soc/rtc@101000", 0x101000, 0x1000);
    assert_int_equal(u32(fdt, "/soc/rtc@101000", "interrupts"), 11);
    assert_int_equal(u32(fdt, "/soc/rtc@101000", "interrupt-parent"), ph);
}

/* No PLIC: no interrupt properties on the UART, no RTC node. */
static void test_no_plic(void **state)
{
    struct dtb_params p = params;
    char err[128];
    size_t size;

    p.plic_base = 0;
    p.rtc_base = 0;
    void *fdt = dtb_build(&p, &size, err, sizeof(err));
    assert_non_null(fdt);
    int uart = node(fdt, "/soc/serial@10000000");
    assert_null(fdt_getprop(fdt, uart, "interrupts", NULL));
    assert_null(fdt_getprop(fdt, uart, "interrupt-parent", NULL));
    assert_true(fdt_path_offset(fdt, "/soc/plic@c000000") < 0);
    assert_true(fdt_path_offset(fdt, "/soc/rtc@101000") < 0);
    free(fdt);
}

static void test_soc(void **state)
{
    const void *fdt = *state;
    int len;

    expect_str(fdt, "/soc", "compatible", "simple-bus");
    prop(fdt, "/soc", "ranges", &len);
    assert_int_equal(len, 0);

    const char *cc = prop(fdt, "/soc/clint@2000000", "compatible", &len);
    assert_int_equal(len, (int)sizeof("sifive,clint0\0riscv,clint0"));
    assert_memory_equal(cc, "sifive,clint0\0riscv,clint0", len);
    expect_reg(fdt, "/soc/clint@2000000", 0x2000000, 0x10000);
    expect_hart_irqs(fdt, "/soc/clint@2000000", 4, 3, 7);  /* MSI, MTI */

    expect_str(fdt, "/soc/serial@10000000", "compatible", "ns16550a");
    assert_int_equal(u32(fdt, "/soc/serial@10000000", "clock-frequency"),
                     3686400);
    expect_reg(fdt, "/soc/serial@10000000", 0x10000000, 0x100);

    const char *tc = prop(fdt, "/soc/test@100000", "compatible", &len);
    assert_int_equal(len, (int)sizeof("sifive,test1\0sifive,test0\0syscon"));
    assert_memory_equal(tc, "sifive,test1\0sifive,test0\0syscon", len);
    expect_reg(fdt, "/soc/test@100000", 0x100000, 0x1000);
    int test = node(fdt, "/soc/test@100000");

    expect_str(fdt, "/poweroff", "compatible", "syscon-poweroff");
    assert_int_equal(u32(fdt, "/poweroff", "value"), 0x5555);
    assert_int_equal(fdt_node_offset_by_phandle(fdt,
                         u32(fdt, "/poweroff", "regmap")), test);
    expect_str(fdt, "/reboot", "compatible", "syscon-reboot");
    assert_int_equal(u32(fdt, "/reboot", "value"), 0x7777);
    assert_int_equal(fdt_node_offset_by_phandle(fdt,
                         u32(fdt, "/reboot", "regmap")), test);
}

static void test_no_initrd_no_bootargs(void **state)
{
    struct dtb_params p = params;
    char err[128];
    size_t size;

    p.bootargs = NULL;
    p.initrd_start = p.initrd_end = 0;
    p.nharts = 64;
    void *fdt = dtb_build(&p, &size, err, sizeof(err));
    assert_non_null(fdt);
    int chosen = node(fdt, "/chosen");
    assert_null(fdt_getprop(fdt, chosen, "bootargs", NULL));
    assert_null(fdt_getprop(fdt, chosen, "linux,initrd-start", NULL));
    node(fdt, "/cpus/cpu@63/interrupt-controller");
    int len;
    prop(fdt, "/soc/clint@2000000", "interrupts-extended", &len);
    assert_int_equal(len, 64 * 16);
    expect_hart_irqs(fdt, "/soc/plic@c000000", 64, 11, 9);
    free(fdt);
}

static void test_place(void **state)
{
    const uint64_t base = 0x80000000, mib = 1ull << 20;
    /* 256 MiB: just below the end, 2 MiB aligned. */
    assert_int_equal(dtb_place(base, 256 * mib, 0x1800), base + 254 * mib);
    /* Exactly 2 MiB of tree still fits below the end. */
    assert_int_equal(dtb_place(base, 256 * mib, 2 * mib), base + 254 * mib);
    assert_int_equal(dtb_place(base, 256 * mib, 2 * mib + 1), base + 252 * mib);
    /* 2 GiB and more: capped at 3 GiB. */
    assert_int_equal(dtb_place(base, 2048 * mib, 0x1800), 3072 * mib - 2 * mib);
    assert_int_equal(dtb_place(base, 8192 * mib, 0x1800), 3072 * mib - 2 * mib);
    /* RAM that starts above 3 GiB: its own end. */
    assert_int_equal(dtb_place(0x100000000ull, 64 * mib, 0x1800),
                     0x100000000ull + 62 * mib);
    /* Tree larger than RAM. */
    assert_int_equal(dtb_place(base, 1 * mib, 2 * mib), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_root_memory_chosen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cpus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_soc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plic_rtc, setup, teardown),
        cmocka_unit_test(test_no_plic),
        cmocka_unit_test(test_no_initrd_no_bootargs),
        cmocka_unit_test(test_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
