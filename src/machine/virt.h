/*
 * virt.h — the `virt` board: QEMU's memory map, devices, boot images, FDT
 * and reset vector, then the vCPUs.
 *
 * Memory map (QEMU virt compatible; only what Loom implements):
 *   0x00001000  boot ROM (BOOTROM_SIZE)     0x00100000  SiFive test
 *   0x00101000  Goldfish RTC (IRQ 11)       0x02000000  CLINT
 *   0x0c000000  PLIC                        0x10000000  NS16550A UART (IRQ 10)
 *   0x80000000  RAM (-m bytes)
 */
#ifndef LOOM_MACHINE_VIRT_H
#define LOOM_MACHINE_VIRT_H

#include <stdint.h>
#include "machine/cli.h"
#include "util/compiler.h"

#define VIRT_TEST_BASE   0x100000ull
#define VIRT_RTC_BASE    0x101000ull
#define VIRT_PLIC_BASE   0xc000000ull
#define VIRT_CLINT_BASE  0x2000000ull
#define VIRT_UART_BASE   0x10000000ull
#define VIRT_RAM_BASE    0x80000000ull
#define VIRT_UART_IRQ    10
#define VIRT_RTC_IRQ     11

/* Where the boot images went (for logs and tests). */
struct virt_boot_info {
    uint64_t start;              /* every hart jumps here from the ROM */
    uint64_t kernel_entry;       /* 0: no kernel */
    uint64_t initrd_start, initrd_end;
    uint64_t fdt_addr;
    size_t fdt_size;
};

/* Build the board from checked options (cli_check passed), load the images
 * and create the harts, then run them: never returns.  Any image problem is
 * a loom_user_error (exit 2) naming the file. */
NORETURN void virt_boot(const struct cli_options *o);

#endif
