/*
 * fdt.c — build the virt board's device tree with libfdt's sequential-write
 * API (nodes are emitted in order, so phandles are fixed up front: see
 * DTB_PHANDLE_* in fdt.h).
 *
 * Tree (QEMU virt layout, node names, compatibles and property layouts as
 * `qemu-system-riscv64 -M virt,dumpdtb=` writes them, for the devices
 * Loom has):
 *   /            #address-cells 2, #size-cells 2, compatible "riscv-virtio"
 *   /chosen      stdout-path, bootargs, linux,initrd-start/-end (u64)
 *   /poweroff, /reboot   syscon-poweroff/-reboot on the test device
 *   /memory@..   device_type "memory", reg
 *   /cpus        timebase-frequency; cpu@N (phandle) with a
 *                "riscv,cpu-intc" child; cpu-map/cluster0/coreN
 *   /soc         simple-bus: rtc@ (goldfish, interrupts 11), serial@
 *                (ns16550a, interrupts 10), test@ (syscon),
 *                virtio_mmio@ (one per slot, highest address first, as
 *                QEMU writes them; interrupts 1..8), plic@
 *                (interrupts-extended: every hart's M (11) and S (9)
 *                external interrupt), clint@ (M software 3, M timer 7)
 * Without a PLIC the UART and RTC get no interrupt properties (Linux's 8250
 * driver then polls).
 */
#include "machine/fdt.h"

#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/compiler.h"

/* Sequential writer that remembers the first libfdt error and turns every
 * later call into a no-op, so dtb_build checks once at the end. */
struct dtw {
    void *fdt;
    int err;
    const char *what;       /* the call that failed first */
};

#define DTW_CALL(w, call)                               \
    do {                                                \
        if (!(w)->err) {                                \
            int r_ = (call);                            \
            if (r_ < 0) {                               \
                (w)->err = r_;                          \
                (w)->what = #call;                      \
            }                                           \
        }                                               \
    } while (0)

static void begin(struct dtw *w, const char *name)
{
    DTW_CALL(w, fdt_begin_node(w->fdt, name));
}

static void end(struct dtw *w)
{
    DTW_CALL(w, fdt_end_node(w->fdt));
}

static void prop_str(struct dtw *w, const char *name, const char *s)
{
    DTW_CALL(w, fdt_property_string(w->fdt, name, s));
}

static void prop_u32(struct dtw *w, const char *name, uint32_t v)
{
    DTW_CALL(w, fdt_property_u32(w->fdt, name, v));
}

static void prop_u64(struct dtw *w, const char *name, uint64_t v)
{
    DTW_CALL(w, fdt_property_u64(w->fdt, name, v));
}

static void prop_empty(struct dtw *w, const char *name)
{
    DTW_CALL(w, fdt_property(w->fdt, name, NULL, 0));
}

/* A string list: NUL-separated strings, as in "a\0b". */
static void prop_strs(struct dtw *w, const char *name, const char *list,
                      size_t len_with_nuls)
{
    DTW_CALL(w, fdt_property(w->fdt, name, list, (int)len_with_nuls));
}

/* reg = <base size> with #address-cells = #size-cells = 2. */
static void prop_reg(struct dtw *w, uint64_t base, uint64_t size)
{
    fdt64_t cells[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };
    DTW_CALL(w, fdt_property(w->fdt, "reg", cells, sizeof(cells)));
}

static uint32_t intc_phandle(unsigned hart)
{
    return DTB_PHANDLE_INTC(hart);
}

static void emit_cpus(struct dtw *w, const struct dtb_params *p)
{
    char name[32];

    begin(w, "cpus");
    prop_u32(w, "#address-cells", 1);
    prop_u32(w, "#size-cells", 0);
    prop_u32(w, "timebase-frequency", DTB_TIMEBASE_HZ);
    for (unsigned i = 0; i < p->nharts; i++) {
        snprintf(name, sizeof(name), "cpu@%u", i);
        begin(w, name);
        prop_u32(w, "phandle", DTB_PHANDLE_CPU(i));
        prop_str(w, "device_type", "cpu");
        prop_u32(w, "reg", i);
        prop_str(w, "status", "okay");
        prop_str(w, "compatible", "riscv");
        prop_str(w, "riscv,isa", p->isa);
        prop_str(w, "mmu-type", p->mmu_type);
        begin(w, "interrupt-controller");
        prop_u32(w, "#interrupt-cells", 1);
        prop_empty(w, "interrupt-controller");
        prop_str(w, "compatible", "riscv,cpu-intc");
        prop_u32(w, "phandle", intc_phandle(i));
        end(w);
        end(w);
    }
    begin(w, "cpu-map");
    begin(w, "cluster0");
    for (unsigned i = 0; i < p->nharts; i++) {
        snprintf(name, sizeof(name), "core%u", i);
        begin(w, name);
        prop_u32(w, "cpu", DTB_PHANDLE_CPU(i));
        end(w);
    }
    end(w);
    end(w);
    end(w);
}

/* interrupts-extended = < intc(i) a  intc(i) b  ... > for every hart. */
static void prop_hart_irqs(struct dtw *w, unsigned nharts, uint32_t a,
                           uint32_t b)
{
    size_t n = 4 * (size_t)nharts;
    fdt32_t *irqs = calloc(n, sizeof(*irqs));
    if (!irqs) {
        if (!w->err) {
            w->err = -FDT_ERR_NOSPACE;
            w->what = "calloc";
        }
        return;
    }
    for (unsigned i = 0; i < nharts; i++) {
        irqs[4 * i + 0] = cpu_to_fdt32(intc_phandle(i));
        irqs[4 * i + 1] = cpu_to_fdt32(a);
        irqs[4 * i + 2] = cpu_to_fdt32(intc_phandle(i));
        irqs[4 * i + 3] = cpu_to_fdt32(b);
    }
    DTW_CALL(w, fdt_property(w->fdt, "interrupts-extended", irqs,
                             (int)(n * sizeof(*irqs))));
    free(irqs);
}

/* interrupts = <irq>, interrupt-parent = the PLIC (when there is one). */
static void prop_plic_irq(struct dtw *w, const struct dtb_params *p,
                          unsigned irq)
{
    if (!p->plic_base)
        return;
    prop_u32(w, "interrupts", irq);
    prop_u32(w, "interrupt-parent", DTB_PHANDLE_PLIC(p->nharts));
}

static void emit_soc(struct dtw *w, const struct dtb_params *p)
{
    static const char clint_compat[] = "sifive,clint0\0riscv,clint0";
    static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";
    static const char test_compat[] = "sifive,test1\0sifive,test0\0syscon";
    char name[48];

    begin(w, "soc");
    prop_u32(w, "#address-cells", 2);
    prop_u32(w, "#size-cells", 2);
    prop_str(w, "compatible", "simple-bus");
    prop_empty(w, "ranges");

    if (p->rtc_base) {
        snprintf(name, sizeof(name), "rtc@%" PRIx64, p->rtc_base);
        begin(w, name);
        prop_plic_irq(w, p, p->rtc_irq);
        prop_reg(w, p->rtc_base, 0x1000);
        prop_str(w, "compatible", "google,goldfish-rtc");
        end(w);
    }

    snprintf(name, sizeof(name), "serial@%" PRIx64, p->uart_base);
    begin(w, name);
    prop_plic_irq(w, p, p->uart_irq);
    prop_u32(w, "clock-frequency", DTB_UART_CLOCK_HZ);
    prop_reg(w, p->uart_base, 0x100);
    prop_str(w, "compatible", "ns16550a");
    end(w);

    snprintf(name, sizeof(name), "test@%" PRIx64, p->test_base);
    begin(w, name);
    prop_u32(w, "phandle", DTB_PHANDLE_TEST(p->nharts));
    prop_reg(w, p->test_base, 0x1000);
    prop_strs(w, "compatible", test_compat, sizeof(test_compat));
    end(w);

    for (unsigned i = p->virtio_slots; p->virtio_base && i-- > 0;) {
        uint64_t base = p->virtio_base + 0x1000ull * i;
        snprintf(name, sizeof(name), "virtio_mmio@%" PRIx64, base);
        begin(w, name);
        prop_plic_irq(w, p, p->virtio_irq0 + i);
        prop_reg(w, base, 0x1000);
        prop_str(w, "compatible", "virtio,mmio");
        end(w);
    }

    if (p->plic_base) {
        snprintf(name, sizeof(name), "plic@%" PRIx64, p->plic_base);
        begin(w, name);
        prop_u32(w, "phandle", DTB_PHANDLE_PLIC(p->nharts));
        prop_u32(w, "riscv,ndev", p->plic_ndev);
        prop_reg(w, p->plic_base, p->plic_size);
        /* Per hart: machine (11) and supervisor (9) external interrupts,
         * in context order (2h: M, 2h + 1: S). */
        prop_hart_irqs(w, p->nharts, 11, 9);
        prop_empty(w, "interrupt-controller");
        prop_strs(w, "compatible", plic_compat, sizeof(plic_compat));
        prop_u32(w, "#address-cells", 0);
        prop_u32(w, "#interrupt-cells", 1);
        end(w);
    }

    snprintf(name, sizeof(name), "clint@%" PRIx64, p->clint_base);
    begin(w, name);
    /* Per hart: machine software (3) and machine timer (7) interrupts. */
    prop_hart_irqs(w, p->nharts, 3, 7);
    prop_reg(w, p->clint_base, 0x10000);
    prop_strs(w, "compatible", clint_compat, sizeof(clint_compat));
    end(w);
    end(w);
}

/* syscon-poweroff / syscon-reboot: write `value` to the test device. */
static void emit_syscon(struct dtw *w, const char *node, const char *compat,
                        uint32_t value, uint32_t test_phandle)
{
    begin(w, node);
    prop_u32(w, "value", value);
    prop_u32(w, "offset", 0);
    prop_u32(w, "regmap", test_phandle);
    prop_str(w, "compatible", compat);
    end(w);
}

static void emit_chosen(struct dtw *w, const struct dtb_params *p)
{
    char path[64];

    begin(w, "chosen");
    snprintf(path, sizeof(path), "/soc/serial@%" PRIx64, p->uart_base);
    prop_str(w, "stdout-path", path);
    if (p->bootargs)
        prop_str(w, "bootargs", p->bootargs);
    if (p->initrd_end > p->initrd_start) {
        prop_u64(w, "linux,initrd-start", p->initrd_start);
        prop_u64(w, "linux,initrd-end", p->initrd_end);
    }
    end(w);
}

void *dtb_build(const struct dtb_params *p, size_t *size, char *err,
                size_t errlen)
{
    size_t cap = 16384 + 1024 * (size_t)p->nharts + 128 * p->virtio_slots +
                 (p->bootargs ? strlen(p->bootargs) : 0);
    uint32_t test_phandle = DTB_PHANDLE_TEST(p->nharts);
    char name[48];
    struct dtw w = { .fdt = malloc(cap) };

    if (!w.fdt) {
        snprintf(err, errlen, "out of memory for the device tree");
        return NULL;
    }
    DTW_CALL(&w, fdt_create(w.fdt, (int)cap));
    DTW_CALL(&w, fdt_finish_reservemap(w.fdt));
    begin(&w, "");
    prop_u32(&w, "#address-cells", 2);
    prop_u32(&w, "#size-cells", 2);
    prop_str(&w, "compatible", "riscv-virtio");
    prop_str(&w, "model", "riscv-virtio,loom");

    emit_chosen(&w, p);
    emit_syscon(&w, "poweroff", "syscon-poweroff", 0x5555, test_phandle);
    emit_syscon(&w, "reboot", "syscon-reboot", 0x7777, test_phandle);
    snprintf(name, sizeof(name), "memory@%" PRIx64, p->ram_base);
    begin(&w, name);
    prop_str(&w, "device_type", "memory");
    prop_reg(&w, p->ram_base, p->ram_size);
    end(&w);
    emit_cpus(&w, p);
    emit_soc(&w, p);
    end(&w);
    DTW_CALL(&w, fdt_finish(w.fdt));

    if (w.err) {
        snprintf(err, errlen, "device tree: %s failed: %s", w.what,
                 fdt_strerror(w.err));
        free(w.fdt);
        return NULL;
    }
    *size = fdt_totalsize(w.fdt);
    return w.fdt;
}

uint64_t dtb_place(uint64_t ram_base, uint64_t ram_size, size_t size)
{
    const uint64_t limit = 3ull << 30;
    uint64_t end = ram_base + ram_size;

    if (ram_base < limit && end > limit)
        end = limit;
    if (end - ram_base < size)
        return 0;
    return (end - size) & ~(DTB_ALIGN - 1);
}
