/*
 * hw.h — the devices of the virt board.  Each device registers its MMIO
 * region in the physical map and keeps its own lock: callbacks arrive from
 * any vCPU thread.
 */
#ifndef LOOM_HW_HW_H
#define LOOM_HW_HW_H

#include <stdbool.h>
#include <stdint.h>
#include "softmmu/pmem.h"
#include "target/riscv/cpu.h"

/* NS16550A UART: TX to stdout (unbuffered write per byte, or line buffered),
 * RX from stdin when `rx` (a reader thread feeds a FIFO). */
struct uart;
struct uart *uart_create(struct pmem *pm, uint64_t base, bool rx);

/* SiFive test device: a 32-bit write of 0x5555 powers off with status 0,
 * (code << 16) | 0x3333 exits with `code`, 0x7777 resets (exit 0 for now). */
void sifive_test_create(struct pmem *pm, uint64_t base);

/* CLINT: msip[hart] (IPI → MSIP), mtimecmp[hart] (→ MTIP), mtime at
 * 10 MHz from the host monotonic clock.  A timer thread raises MTIP when a
 * deadline passes and kicks the hart. */
struct clint;
struct clint *clint_create(struct pmem *pm, uint64_t base, unsigned nharts);
uint64_t clint_mtime(void);            /* the time CSR reads this */

#endif
