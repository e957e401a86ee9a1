/*
 * hw.h — the devices of the virt board.  Each device registers its MMIO
 * region in the physical map and keeps its own lock: callbacks arrive from
 * any vCPU thread and from device threads (UART reader, timers).
 *
 * Interrupt wiring: a device drives one level-triggered line (struct
 * hw_irq); on the board every line is a PLIC source, and the PLIC drives
 * MEIP/SEIP of the harts.  Lock order: device lock → PLIC lock → vCPU
 * internals (rv_set_irq, vcpu_kick); nothing calls back up that chain.
 */
#ifndef LOOM_HW_HW_H
#define LOOM_HW_HW_H

#include <stdbool.h>
#include <stdint.h>
#include "chardev/chardev.h"
#include "softmmu/pmem.h"
#include "target/riscv/cpu.h"

/* One interrupt line: set(opaque, n, level).  A zero struct is a line that
 * goes nowhere (hw_irq_set ignores it). */
struct hw_irq {
    void (*set)(void *opaque, unsigned n, bool level);
    void *opaque;
    unsigned n;
};

static inline void hw_irq_set(const struct hw_irq *irq, bool level)
{
    if (irq->set)
        irq->set(irq->opaque, irq->n, level);
}

/* NS16550A UART on the character backend `chr` (attached here: its input
 * starts flowing into the RX FIFO).  `irq`: its interrupt output (the
 * IER/IIR sources: received data, THR empty). */
struct uart;
struct uart *uart_create(struct pmem *pm, uint64_t base, struct chr *chr,
                         struct hw_irq irq);
/* Tests: append a byte to the RX FIFO as the backend would (false if it
 * is full). */
bool uart_rx_push(struct uart *u, uint8_t c);

/* SiFive test device: a 16- or 32-bit write of 0x5555 powers off (exit 0),
 * (code << 16) | 0x3333 exits with `code`, 0x7777 requests a machine reset
 * (vcpu_request_reset). */
void sifive_test_create(struct pmem *pm, uint64_t base);

/* CLINT: msip[hart] (IPI → MSIP), mtimecmp[hart] (→ MTIP), mtime at
 * 10 MHz from the host monotonic clock.  A timer thread raises MTIP when a
 * deadline passes and kicks the hart. */
struct clint;
struct clint *clint_create(struct pmem *pm, uint64_t base, unsigned nharts);
uint64_t clint_mtime(void);            /* the time CSR reads this */

/* PLIC (SiFive layout, QEMU virt's instance): PLIC_NUM_SOURCES sources
 * (0 is reserved), 7 priority levels, two contexts per hart (2h: M mode,
 * 2h + 1: S mode).  Context outputs go to out(opaque, ctx, level); with
 * out == NULL they drive MEIP / SEIP of vcpu_hart(ctx / 2) and kick it. */
#define PLIC_NUM_SOURCES 96
#define PLIC_NUM_PRIO    7
#define PLIC_SIZE        0x600000ull
struct plic;
typedef void (*plic_out_fn)(void *opaque, unsigned ctx, bool level);
struct plic *plic_create(struct pmem *pm, uint64_t base, unsigned nharts,
                         plic_out_fn out, void *opaque);
void plic_set_irq(struct plic *p, unsigned src, bool level);
/* The line of source `src`, for a device's hw_irq. */
struct hw_irq plic_irq(struct plic *p, unsigned src);

/* Goldfish RTC: nanoseconds since the epoch from the host realtime clock
 * (guest writes move an offset), one alarm raising `irq`. */
struct goldfish_rtc;
struct goldfish_rtc *goldfish_rtc_create(struct pmem *pm, uint64_t base,
                                         struct hw_irq irq);

/* Machine reset: each device back to its power-on register state, its
 * output line re-driven (called in the reset's exclusive section, see
 * vcpu/reset.c; any order, but the PLIC after the devices that feed it).
 * Host-side state stays: the UART's backend (bytes it still holds are
 * offered to the emptied FIFO), the timer threads, the RTC's time of day. */
void uart_reset(struct uart *u);
void clint_reset(struct clint *c);
void plic_reset(struct plic *p);
void goldfish_rtc_reset(struct goldfish_rtc *r);

#endif
