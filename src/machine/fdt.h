/*
 * fdt.h — the virt board's flattened device tree, built with libfdt.
 *
 * Prefix dtb_ (libfdt owns fdt_).  The layout follows QEMU's virt board so
 * the same firmware and kernels find the same nodes; docs/cli.md lists it.
 */
#ifndef LOOM_MACHINE_FDT_H
#define LOOM_MACHINE_FDT_H

#include <stddef.h>
#include <stdint.h>

#define DTB_TIMEBASE_HZ   10000000u
#define DTB_UART_CLOCK_HZ 3686400u
#define DTB_ALIGN         (2ull << 20)

struct dtb_params {
    unsigned nharts;
    uint64_t ram_base, ram_size;
    const char *isa;          /* riscv,isa, e.g. "rv64imac" */
    const char *mmu_type;     /* e.g. "riscv,none", "riscv,sv39" */
    const char *bootargs;     /* /chosen/bootargs or NULL */
    uint64_t initrd_start, initrd_end;   /* both 0: no initrd */
    uint64_t clint_base, uart_base, test_base;
    uint64_t plic_base, plic_size;       /* plic_base 0: no PLIC */
    unsigned plic_ndev;                  /* riscv,ndev */
    uint64_t rtc_base;                   /* 0: no RTC */
    unsigned uart_irq, rtc_irq;          /* PLIC sources */
    uint64_t virtio_base;                /* 0: no virtio-mmio slots */
    unsigned virtio_slots, virtio_irq0;  /* slot n: base + n·0x1000, irq0 + n */
};

/* Phandles (fixed: the tree is written in one pass).  Hart i's cpu node
 * and its interrupt controller, then the PLIC and the test device. */
#define DTB_PHANDLE_CPU(i)   (1u + 2u * (i))
#define DTB_PHANDLE_INTC(i)  (2u + 2u * (i))
#define DTB_PHANDLE_PLIC(n)  (1u + 2u * (n))
#define DTB_PHANDLE_TEST(n)  (2u + 2u * (n))

/* Build the tree; returns a malloc'd blob of *size bytes, or NULL with a
 * message in err (libfdt failure: an internal error). */
void *dtb_build(const struct dtb_params *p, size_t *size, char *err,
                size_t errlen);

/* Where the blob goes, QEMU's rule: as high as possible but below 3 GiB
 * (32-bit reachable), aligned down to 2 MiB: align_down(min(ram_end, 3 GiB)
 * - size, 2 MiB) when RAM starts below 3 GiB.  Returns 0 if it cannot fit. */
uint64_t dtb_place(uint64_t ram_base, uint64_t ram_size, size_t size);

#endif
