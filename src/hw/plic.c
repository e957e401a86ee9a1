/*
 * plic.c — the platform-level interrupt controller, see hw.h.
 *
 * Register map (32-bit accesses; the SiFive layout QEMU virt uses):
 *   0x000000 + 4s          priority of source s (0..7; source 0: reads 0)
 *   0x001000 + 4w          pending bits, sources 32w..32w+31 (read-only)
 *   0x002000 + 0x80c + 4w  enable bits of context c
 *   0x200000 + 0x1000c     priority threshold of context c (0..7)
 *   0x200004 + 0x1000c     claim (read) / complete (write) of context c
 * Unimplemented offsets read 0 and ignore writes.
 *
 * Gateway (level-triggered sources, as the PLIC spec describes): a line
 * that is high while its source is not claimed makes it pending; a claim
 * clears pending and marks it claimed; completing it (when enabled for
 * that context) unclaims it, and a line still high makes it pending again.
 * A line going low does not withdraw a pending request (QEMU 7.2 agrees):
 * the handler then finds its device idle and completes.
 *
 * Context c's output is high when some source is pending, enabled for c,
 * not claimed and has priority above c's threshold.  Claim returns the one
 * of highest priority (lowest id on ties) and 0 when none qualifies.
 *
 * Concurrency: one mutex guards all state; MMIO callbacks and devices'
 * plic_set_irq (called with their own lock held) take it.  Outputs are
 * re-evaluated under it and delivered to out() only when they change;
 * out() (rv_set_irq + vcpu_kick) must not call back into a device.
 */
#include "hw/hw.h"

#include <pthread.h>
#include <stdlib.h>
#include "util/error.h"
#include "vcpu/vcpu.h"

#define PLIC_WORDS       ((PLIC_NUM_SOURCES + 31) / 32)
#define PLIC_PRIORITY    0x000000
#define PLIC_PENDING     0x001000
#define PLIC_ENABLE      0x002000
#define PLIC_ENABLE_STRIDE 0x80
#define PLIC_CONTEXT     0x200000
#define PLIC_CONTEXT_STRIDE 0x1000

struct plic_ctx {
    uint32_t enable[PLIC_WORDS];
    uint32_t threshold;
    bool out;                           /* level last delivered */
};

struct plic {
    pthread_mutex_t lock;
    unsigned nctx;
    plic_out_fn out;
    void *opaque;
    uint32_t priority[PLIC_NUM_SOURCES];
    uint32_t level[PLIC_WORDS];         /* input lines */
    uint32_t pending[PLIC_WORDS];
    uint32_t claimed[PLIC_WORDS];
    struct plic_ctx *ctx;
};

static bool bit(const uint32_t *w, unsigned s)
{
    return (w[s / 32] >> (s % 32)) & 1;
}

static void set_bit(uint32_t *w, unsigned s, bool v)
{
    if (v)
        w[s / 32] |= 1u << (s % 32);
    else
        w[s / 32] &= ~(1u << (s % 32));
}

/* Default output: the external interrupt of hart ctx/2 in M or S mode. */
static void plic_hart_out(void *opaque, unsigned ctx, bool level)
{
    struct rv_hart *h = vcpu_hart(ctx / 2);
    rv_set_irq(h, ctx & 1 ? RV_IRQ_SEI : RV_IRQ_MEI, level);
    if (level)
        vcpu_kick(h);
}

/* Best claimable source for context c (0: none). */
static unsigned plic_best__locked(const struct plic *p, unsigned c)
{
    const struct plic_ctx *x = &p->ctx[c];
    uint32_t best_prio = x->threshold;
    unsigned best = 0;

    for (unsigned w = 0; w < PLIC_WORDS; w++) {
        uint32_t m = p->pending[w] & ~p->claimed[w] & x->enable[w];
        while (m) {
            unsigned s = 32 * w + (unsigned)__builtin_ctz(m);
            m &= m - 1;
            if (p->priority[s] > best_prio) {
                best_prio = p->priority[s];
                best = s;
            }
        }
    }
    return best;
}

static void plic_update__locked(struct plic *p)
{
    for (unsigned c = 0; c < p->nctx; c++) {
        bool level = plic_best__locked(p, c) != 0;
        if (level != p->ctx[c].out) {
            p->ctx[c].out = level;
            p->out(p->opaque, c, level);
        }
    }
}

void plic_set_irq(struct plic *p, unsigned src, bool level)
{
    if (src == 0 || src >= PLIC_NUM_SOURCES)
        return;
    pthread_mutex_lock(&p->lock);
    set_bit(p->level, src, level);
    if (level && !bit(p->claimed, src))
        set_bit(p->pending, src, true);
    plic_update__locked(p);
    pthread_mutex_unlock(&p->lock);
}

static void plic_irq_set(void *opaque, unsigned n, bool level)
{
    plic_set_irq(opaque, n, level);
}

struct hw_irq plic_irq(struct plic *p, unsigned src)
{
    return (struct hw_irq){ .set = plic_irq_set, .opaque = p, .n = src };
}

static uint32_t plic_claim__locked(struct plic *p, unsigned c)
{
    unsigned s = plic_best__locked(p, c);
    if (s) {
        set_bit(p->pending, s, false);
        set_bit(p->claimed, s, true);
        plic_update__locked(p);
    }
    return s;
}

static void plic_complete__locked(struct plic *p, unsigned c, uint32_t s)
{
    if (s == 0 || s >= PLIC_NUM_SOURCES || !bit(p->ctx[c].enable, s))
        return;                         /* ignored, as the spec says */
    set_bit(p->claimed, s, false);
    if (bit(p->level, s))
        set_bit(p->pending, s, true);
    plic_update__locked(p);
}

static uint64_t plic_read(void *opaque, uint64_t off, unsigned size)
{
    struct plic *p = opaque;
    uint32_t v = 0;

    pthread_mutex_lock(&p->lock);
    if (off < PLIC_PENDING) {
        if (off / 4 < PLIC_NUM_SOURCES)
            v = p->priority[off / 4];
    } else if (off < PLIC_ENABLE) {
        if ((off - PLIC_PENDING) / 4 < PLIC_WORDS)
            v = p->pending[(off - PLIC_PENDING) / 4];
    } else if (off < PLIC_CONTEXT) {
        unsigned c = (off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE;
        unsigned w = (off - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4;
        if (c < p->nctx && w < PLIC_WORDS)
            v = p->ctx[c].enable[w];
    } else {
        unsigned c = (off - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE;
        unsigned r = (off - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE;
        if (c < p->nctx && r == 0)
            v = p->ctx[c].threshold;
        else if (c < p->nctx && r == 4)
            v = plic_claim__locked(p, c);
    }
    pthread_mutex_unlock(&p->lock);
    return v;
}

static void plic_write(void *opaque, uint64_t off, uint64_t val,
                       unsigned size)
{
    struct plic *p = opaque;
    uint32_t v = (uint32_t)val;

    pthread_mutex_lock(&p->lock);
    if (off < PLIC_PENDING) {
        unsigned s = off / 4;
        if (s != 0 && s < PLIC_NUM_SOURCES) {
            p->priority[s] = v & PLIC_NUM_PRIO;
            plic_update__locked(p);
        }
    } else if (off < PLIC_ENABLE) {
        /* pending bits are read-only */
    } else if (off < PLIC_CONTEXT) {
        unsigned c = (off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE;
        unsigned w = (off - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4;
        if (c < p->nctx && w < PLIC_WORDS) {
            /* Source 0 does not exist; nor do ids past the last. */
            if (w == 0)
                v &= ~1u;
            if (w == PLIC_WORDS - 1 && PLIC_NUM_SOURCES % 32)
                v &= (1u << (PLIC_NUM_SOURCES % 32)) - 1;
            p->ctx[c].enable[w] = v;
            plic_update__locked(p);
        }
    } else {
        unsigned c = (off - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE;
        unsigned r = (off - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE;
        if (c < p->nctx && r == 0) {
            p->ctx[c].threshold = v & PLIC_NUM_PRIO;
            plic_update__locked(p);
        } else if (c < p->nctx && r == 4) {
            plic_complete__locked(p, c, v);
        }
    }
    pthread_mutex_unlock(&p->lock);
}

static const struct mmio_ops plic_ops = {
    .read = plic_read, .write = plic_write, .min_size = 4, .max_size = 4,
};

struct plic *plic_create(struct pmem *pm, uint64_t base, unsigned nharts,
                         plic_out_fn out, void *opaque)
{
    if (nharts == 0 || 2 * nharts > (PLIC_SIZE - PLIC_CONTEXT) /
                                    PLIC_CONTEXT_STRIDE)
        loom_fatal("plic: bad hart count %u", nharts);
    struct plic *p = calloc(1, sizeof(*p));
    if (!p)
        loom_fatal("plic: out of memory");
    p->nctx = 2 * nharts;
    p->ctx = calloc(p->nctx, sizeof(*p->ctx));
    if (!p->ctx)
        loom_fatal("plic: out of memory");
    p->out = out ? out : plic_hart_out;
    p->opaque = opaque;
    pthread_mutex_init(&p->lock, NULL);
    if (pmem_add_mmio(pm, base, PLIC_SIZE, &plic_ops, p, "plic"))
        loom_fatal("plic: cannot map at 0x%llx", (unsigned long long)base);
    return p;
}

void plic_reset(struct plic *p)
{
    pthread_mutex_lock(&p->lock);
    for (unsigned s = 0; s < PLIC_NUM_SOURCES; s++)
        p->priority[s] = 0;
    for (unsigned w = 0; w < PLIC_WORDS; w++) {
        p->claimed[w] = 0;
        /* A line still high stays pending, as after power-on. */
        p->pending[w] = p->level[w];
    }
    for (unsigned c = 0; c < p->nctx; c++) {
        struct plic_ctx *x = &p->ctx[c];
        for (unsigned w = 0; w < PLIC_WORDS; w++)
            x->enable[w] = 0;
        x->threshold = 0;
        /* Drive every output low, whatever was last delivered: the harts'
         * pending bits were cleared by the machine reset too. */
        x->out = false;
        p->out(p->opaque, c, false);
    }
    pthread_mutex_unlock(&p->lock);
}
