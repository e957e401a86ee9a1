/*
 * uart.c — NS16550A UART (the virt board's console), see hw.h.
 *
 * Registers (reg-shift 0, byte-wide; 2/4-byte accesses are accepted and use
 * the low byte):
 *   0 RBR (read) / THR (write) / DLL (DLAB=1)    4 MCR
 *   1 IER / DLM (DLAB=1)                         5 LSR (read-only)
 *   2 IIR (read) / FCR (write)                   6 MSR (read-only)
 *   3 LCR (bit 7 = DLAB)                         7 SCR
 * The host side is a character backend (chardev/chardev.h), never a file
 * descriptor: TX is immediate — a THR write goes to chr_write at once
 * (nothing is buffered here, so nothing is lost at exit) and LSR always
 * shows THRE|TEMT.  RX: the backend's input thread offers bytes through
 * uart_chr_receive, which takes what fits in a small FIFO and refuses the
 * rest; LSR.DR is set while the FIFO holds data, and every read that makes
 * room tells the backend (chr_accept_input) so it offers the rest.
 *
 * Interrupts (what Linux's 8250 driver relies on, as QEMU's 16550A does):
 * IIR reports the highest-priority enabled source — received data (0x04)
 * over THR empty (0x02), else 0x01 — with 0xc0 while FIFOs are enabled.
 * The THR-empty interrupt is raised when IER.THRI goes 0 → 1 (THR is
 * always empty) and after each THR write (the byte leaves at once); an IIR
 * read that reports it, or a THR write, clears it.  The output line (IRQ
 * 10 on the board) is IIR's "interrupt pending", re-driven after every
 * register access and every batch of bytes the backend adds.
 *
 * Concurrency: every register access and the backend's receive take the
 * device mutex; the line is driven under it (lock order: UART → PLIC →
 * vCPU, see hw.h).  chr_accept_input is called under it too: it takes no
 * lock (an atomic flag, at most one eventfd write), and the mutex is what
 * orders it after a receive that found the FIFO full (chr_fd.c).
 */
#include "hw/hw.h"

#include <pthread.h>
#include <stdlib.h>
#include "util/error.h"

#define UART_FIFO_SIZE 64       /* power of two */

enum {
    UART_RBR = 0, UART_IER = 1, UART_IIR = 2, UART_LCR = 3,
    UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};
#define UART_IER_RDI   0x01     /* received data available */
#define UART_IER_THRI  0x02     /* THR empty */
#define UART_IIR_NONE  0x01
#define UART_IIR_THRI  0x02
#define UART_IIR_RDI   0x04
#define UART_IIR_FIFO  0xc0     /* FIFOs enabled */
#define UART_FCR_EN    0x01
#define UART_LCR_DLAB  0x80
#define UART_LSR_DR    0x01
#define UART_LSR_THRE  0x20
#define UART_LSR_TEMT  0x40
#define UART_MCR_LOOP  0x10
#define UART_MSR_IDLE  0xb0     /* DCD, DSR, CTS: a line that is always ready */

struct uart {
    pthread_mutex_t lock;
    struct chr *chr;            /* the host side */
    uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
    bool thr_ip;                /* THR-empty interrupt pending (until IIR
                                 * read reports it or THR is written) */
    uint8_t fifo[UART_FIFO_SIZE];
    unsigned head, count;       /* RX FIFO, under lock */
    struct hw_irq irq;
    bool irq_level;             /* level last driven */
};

static bool uart_rx_ready(const struct uart *u)
{
    return u->count != 0;
}

/* Highest-priority pending source, as IIR reports it. */
static uint8_t uart_iir(const struct uart *u)
{
    uint8_t fifo = u->fcr & UART_FCR_EN ? UART_IIR_FIFO : 0;
    if ((u->ier & UART_IER_RDI) && uart_rx_ready(u))
        return fifo | UART_IIR_RDI;
    if ((u->ier & UART_IER_THRI) && u->thr_ip)
        return fifo | UART_IIR_THRI;
    return fifo | UART_IIR_NONE;
}

/* Drive the output line from the current state (lock held). */
static void uart_update__locked(struct uart *u)
{
    bool level = !(uart_iir(u) & UART_IIR_NONE);
    if (level != u->irq_level) {
        u->irq_level = level;
        hw_irq_set(&u->irq, level);
    }
}

static uint8_t uart_read_reg(struct uart *u, unsigned reg)
{
    bool dlab = u->lcr & UART_LCR_DLAB;
    switch (reg) {
    case UART_RBR: {
        if (dlab)
            return u->dll;
        if (!u->count)
            return 0;
        uint8_t c = u->fifo[u->head];
        u->head = (u->head + 1) % UART_FIFO_SIZE;
        u->count--;
        chr_accept_input(u->chr);
        return c;
    }
    case UART_IER:
        return dlab ? u->dlm : u->ier;
    case UART_IIR: {
        uint8_t iir = uart_iir(u);
        /* Reading IIR acknowledges a THR-empty interrupt it reports. */
        if ((iir & 0x0f) == UART_IIR_THRI)
            u->thr_ip = false;
        return iir;
    }
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR:
        return UART_LSR_THRE | UART_LSR_TEMT |
               (uart_rx_ready(u) ? UART_LSR_DR : 0);
    case UART_MSR:
        /* In loopback, MCR's DTR/RTS/OUT1/OUT2 appear as DSR/CTS/RI/DCD. */
        if (u->mcr & UART_MCR_LOOP)
            return (uint8_t)(((u->mcr & 0x01) << 5) | ((u->mcr & 0x02) << 3) |
                             ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
        return UART_MSR_IDLE;
    default:
        return u->scr;
    }
}

static void uart_write_reg(struct uart *u, unsigned reg, uint8_t v)
{
    bool dlab = u->lcr & UART_LCR_DLAB;
    switch (reg) {
    case UART_RBR:
        if (dlab) {
            u->dll = v;
            return;
        }
        /* Loopback would feed RX; Loom's TX always goes to the backend. */
        chr_write(u->chr, &v, 1);
        u->thr_ip = true;       /* transmitted at once: THR empty again */
        return;
    case UART_IER:
        if (dlab) {
            u->dlm = v;
            return;
        }
        /* Enabling THRI while THR is empty raises the interrupt;
         * disabling it drops a pending one. */
        if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
            u->thr_ip = true;
        else if (!(v & UART_IER_THRI))
            u->thr_ip = false;
        u->ier = v & 0x0f;
        return;
    case UART_IIR:              /* FCR */
        u->fcr = v & 0xc9;      /* enable, DMA mode, trigger level */
        if (v & 0x02) {         /* clear RX FIFO */
            u->count = 0;
            chr_accept_input(u->chr);
        }
        return;
    case UART_LCR:
        u->lcr = v;
        return;
    case UART_MCR:
        u->mcr = v & 0x1f;
        return;
    case UART_LSR:
    case UART_MSR:
        return;                 /* read-only */
    default:
        u->scr = v;
        return;
    }
}

static uint64_t uart_mmio_read(void *opaque, uint64_t off, unsigned size)
{
    struct uart *u = opaque;
    pthread_mutex_lock(&u->lock);
    uint8_t v = uart_read_reg(u, off & 7);
    uart_update__locked(u);
    pthread_mutex_unlock(&u->lock);
    return v;
}

static void uart_mmio_write(void *opaque, uint64_t off, uint64_t val,
                            unsigned size)
{
    struct uart *u = opaque;
    pthread_mutex_lock(&u->lock);
    uart_write_reg(u, off & 7, (uint8_t)val);
    uart_update__locked(u);
    pthread_mutex_unlock(&u->lock);
}

static const struct mmio_ops uart_ops = {
    .read = uart_mmio_read, .write = uart_mmio_write,
    .min_size = 1, .max_size = 4,
};

/* chr_frontend.receive: as many bytes as the FIFO has room for. */
static size_t uart_chr_receive(void *opaque, const uint8_t *buf, size_t n)
{
    struct uart *u = opaque;
    size_t k = 0;

    pthread_mutex_lock(&u->lock);
    for (; k < n && u->count < UART_FIFO_SIZE; k++) {
        u->fifo[(u->head + u->count) % UART_FIFO_SIZE] = buf[k];
        u->count++;
    }
    if (k)
        uart_update__locked(u);
    pthread_mutex_unlock(&u->lock);
    return k;
}

bool uart_rx_push(struct uart *u, uint8_t c)
{
    return uart_chr_receive(u, &c, 1) == 1;
}

struct uart *uart_create(struct pmem *pm, uint64_t base, struct chr *chr,
                         struct hw_irq irq)
{
    struct uart *u = calloc(1, sizeof(*u));
    struct chr_frontend fe = { .receive = uart_chr_receive, .opaque = u };
    char err[256];

    if (!u)
        loom_resource_error("uart: out of memory");
    pthread_mutex_init(&u->lock, NULL);
    u->chr = chr;
    u->irq = irq;
    if (pmem_add_mmio(pm, base, 0x100, &uart_ops, u, "uart"))
        loom_fatal("uart: cannot map at 0x%llx", (unsigned long long)base);
    if (chr_attach(chr, &fe, err, sizeof(err)))
        loom_resource_error("%s", err);
    return u;
}

void uart_reset(struct uart *u)
{
    pthread_mutex_lock(&u->lock);
    u->ier = u->lcr = u->mcr = u->scr = u->fcr = u->dll = u->dlm = 0;
    u->thr_ip = false;
    u->head = u->count = 0;             /* the RX FIFO empties, as on QEMU */
    chr_accept_input(u->chr);
    uart_update__locked(u);
    pthread_mutex_unlock(&u->lock);
}
