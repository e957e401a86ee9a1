/*
 * clint.c — the core-local interruptor (SiFive CLINT layout), see hw.h.
 *
 *   base + 0x0000 + 4n   msip[n]      bit 0 drives MSIP of hart n (32-bit)
 *   base + 0x4000 + 8n   mtimecmp[n]  64-bit, or 32-bit halves
 *   base + 0xbff8        mtime        64-bit or 32-bit halves; read-only
 *                                     here (writes are ignored)
 * mtime counts at 10 MHz from the host's CLOCK_MONOTONIC, from the first
 * clint_create or clint_mtime call.  MTIP of hart n is (mtime >=
 * mtimecmp[n]); mtimecmp resets to all-ones (no interrupt).
 *
 * MTIP is re-evaluated on every mtimecmp write (set or cleared at once) and
 * by a timer thread, which sleeps on a condition variable until the
 * earliest future deadline (CLOCK_MONOTONIC timed wait, no polling) and is
 * woken early by mtimecmp writes.  When a deadline passes it sets MTIP and
 * kicks the hart.  Only the timer thread sets MTIP on expiry; only
 * mtimecmp writes clear it.
 *
 * Sstc: the same timer thread drives each hart's STIP from its stimecmp
 * CSR.  clint_create installs clint_stimecmp_hook as the target's
 * rv_stimecmp_changed (cpu.h): a hart writing stimecmp calls it on its own
 * thread; STIP is set or cleared at once and the timer re-plans.  As for
 * MTIP, only the timer thread sets STIP on expiry, only writes clear it.
 *
 * Concurrency: one mutex per CLINT guards msip[], mtimecmp[], mtip[],
 * stimecmp[] and stip[];
 * MMIO callbacks (any vCPU thread) and the timer thread take it.  While
 * holding it we call rv_set_irq (an atomic RMW on the hart) and vcpu_kick:
 * lock order CLINT lock → vCPU internals; vcpu_kick must never call back
 * into a device.  The clock origin is the one piece of global state
 * (clint_mtime() has no device argument): written once under pthread_once.
 */
#include "hw/hw.h"

#include <string.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "util/error.h"
#include "vcpu/vcpu.h"

#define CLINT_SIZE      0x10000
#define CLINT_MSIP      0x0000
#define CLINT_MTIMECMP  0x4000
#define CLINT_MTIME     0xbff8
#define CLINT_NS_PER_TICK 100           /* 10 MHz */

struct clint {
    pthread_mutex_t lock;
    pthread_cond_t wake;                /* timer thread: deadlines changed */
    unsigned nharts;
    uint64_t *mtimecmp;                 /* under lock */
    bool *mtip;                         /* MTIP level last driven, under lock */
    uint8_t *msip;                      /* under lock */
    uint64_t *stimecmp;                 /* Sstc copies, under lock */
    bool *stip;                         /* STIP level last driven */
    pthread_t timer;
};

static pthread_once_t clint_clock_once = PTHREAD_ONCE_INIT;
static uint64_t clint_origin_ns;        /* written once (pthread_once) */

static uint64_t clint_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void clint_clock_init(void)
{
    clint_origin_ns = clint_now_ns();
}

uint64_t clint_mtime(void)
{
    pthread_once(&clint_clock_once, clint_clock_init);
    return (clint_now_ns() - clint_origin_ns) / CLINT_NS_PER_TICK;
}

/* Drive MTIP of hart i to `level` (lock held). */
static void clint_set_mtip__locked(struct clint *c, unsigned i, bool level)
{
    struct rv_hart *h = vcpu_hart(i);
    c->mtip[i] = level;
    rv_set_irq(h, RV_IRQ_MTI, level);
    if (level)
        vcpu_kick(h);
}

/* Drive STIP of hart i (lock held). */
static void clint_set_stip__locked(struct clint *c, unsigned i, bool level)
{
    struct rv_hart *h = vcpu_hart(i);
    c->stip[i] = level;
    rv_set_irq(h, RV_IRQ_STI, level);
    if (level)
        vcpu_kick(h);
}

static void *clint_timer_thread(void *arg)
{
    struct clint *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        uint64_t now = clint_mtime(), next = UINT64_MAX;
        for (unsigned i = 0; i < c->nharts; i++) {
            if (c->mtip[i] || c->mtimecmp[i] == UINT64_MAX)
                continue;
            if (c->mtimecmp[i] <= now)
                clint_set_mtip__locked(c, i, true);
            else if (c->mtimecmp[i] < next)
                next = c->mtimecmp[i];
        }
        for (unsigned i = 0; i < c->nharts; i++) {
            if (c->stip[i] || c->stimecmp[i] == UINT64_MAX)
                continue;
            if (c->stimecmp[i] <= now)
                clint_set_stip__locked(c, i, true);
            else if (c->stimecmp[i] < next)
                next = c->stimecmp[i];
        }
        /* Deadlines too far to express in nanoseconds count as never. */
        if (next > (UINT64_MAX - clint_origin_ns) / CLINT_NS_PER_TICK / 2) {
            pthread_cond_wait(&c->wake, &c->lock);
            continue;
        }
        uint64_t ns = clint_origin_ns + next * CLINT_NS_PER_TICK;
        struct timespec ts = {
            .tv_sec = (time_t)(ns / 1000000000ull),
            .tv_nsec = (long)(ns % 1000000000ull),
        };
        pthread_cond_timedwait(&c->wake, &c->lock, &ts);
    }
    return NULL;
}

/* mtimecmp[i] changed: MTIP follows at once, the timer re-plans. */
static void clint_cmp_written__locked(struct clint *c, unsigned i)
{
    bool level = clint_mtime() >= c->mtimecmp[i];
    if (level != c->mtip[i] || level)
        clint_set_mtip__locked(c, i, level);
    pthread_cond_signal(&c->wake);
}

/* rv_stimecmp_changed: hart h wrote stimecmp (its own thread). */
static void clint_stimecmp_hook(void *opaque, struct rv_hart *h,
                                uint64_t cmp)
{
    struct clint *c = opaque;
    unsigned i = (unsigned)h->mhartid;

    if (i >= c->nharts)
        return;
    pthread_mutex_lock(&c->lock);
    c->stimecmp[i] = cmp;
    bool level = clint_mtime() >= cmp;
    c->stip[i] = level;
    rv_set_irq(h, RV_IRQ_STI, level);  /* the writer checks irqs next */
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
}

/* Read `size` bytes at byte offset `sub` of a 64-bit register. */
static uint64_t clint_part(uint64_t reg, unsigned sub, unsigned size)
{
    return size == 8 ? reg : (uint32_t)(reg >> (sub * 8));
}

static uint64_t clint_read(void *opaque, uint64_t off, unsigned size)
{
    struct clint *c = opaque;
    uint64_t v = 0;
    pthread_mutex_lock(&c->lock);
    if (off < CLINT_MSIP + 4ull * c->nharts) {
        v = c->msip[off / 4];
    } else if (off >= CLINT_MTIMECMP &&
               off < CLINT_MTIMECMP + 8ull * c->nharts) {
        unsigned i = (off - CLINT_MTIMECMP) / 8;
        v = clint_part(c->mtimecmp[i], off & 7, size);
    } else if (off >= CLINT_MTIME && off < CLINT_MTIME + 8) {
        v = clint_part(clint_mtime(), off & 7, size);
    }
    pthread_mutex_unlock(&c->lock);
    return v;
}

static void clint_write(void *opaque, uint64_t off, uint64_t val,
                        unsigned size)
{
    struct clint *c = opaque;
    pthread_mutex_lock(&c->lock);
    if (off < CLINT_MSIP + 4ull * c->nharts) {
        unsigned i = off / 4;
        struct rv_hart *h = vcpu_hart(i);
        c->msip[i] = val & 1;
        rv_set_irq(h, RV_IRQ_MSI, val & 1);
        if (val & 1)
            vcpu_kick(h);
    } else if (off >= CLINT_MTIMECMP &&
               off < CLINT_MTIMECMP + 8ull * c->nharts) {
        unsigned i = (off - CLINT_MTIMECMP) / 8;
        if (size == 8) {
            c->mtimecmp[i] = val;
        } else {
            unsigned shift = (off & 4) * 8;
            c->mtimecmp[i] = (c->mtimecmp[i] & ~(0xffffffffull << shift)) |
                             ((val & 0xffffffffull) << shift);
        }
        clint_cmp_written__locked(c, i);
    }
    /* mtime and unused offsets: writes ignored. */
    pthread_mutex_unlock(&c->lock);
}

static const struct mmio_ops clint_ops = {
    .read = clint_read, .write = clint_write, .min_size = 4, .max_size = 8,
};

struct clint *clint_create(struct pmem *pm, uint64_t base, unsigned nharts)
{
    if (nharts == 0 || nharts > 4095)
        loom_fatal("clint: bad hart count %u", nharts);
    pthread_once(&clint_clock_once, clint_clock_init);
    struct clint *c = calloc(1, sizeof(*c));
    if (!c)
        loom_fatal("clint: out of memory");
    c->nharts = nharts;
    c->mtimecmp = malloc(nharts * sizeof(*c->mtimecmp));
    c->mtip = calloc(nharts, sizeof(*c->mtip));
    c->msip = calloc(nharts, sizeof(*c->msip));
    c->stimecmp = malloc(nharts * sizeof(*c->stimecmp));
    c->stip = calloc(nharts, sizeof(*c->stip));
    if (!c->mtimecmp || !c->mtip || !c->msip || !c->stimecmp || !c->stip)
        loom_fatal("clint: out of memory");
    for (unsigned i = 0; i < nharts; i++)
        c->mtimecmp[i] = c->stimecmp[i] = UINT64_MAX;

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&c->lock, NULL);

    if (pmem_add_mmio(pm, base, CLINT_SIZE, &clint_ops, c, "clint"))
        loom_fatal("clint: cannot map at 0x%llx", (unsigned long long)base);
    /* Sstc comparators live here too (one CLINT per machine). */
    rv_stimecmp_opaque = c;
    rv_stimecmp_changed = clint_stimecmp_hook;
    int r = pthread_create(&c->timer, NULL, clint_timer_thread, c);
    if (r)          /* a host limit (ulimit -u / -v): exit 2, not abort */
        loom_resource_error("clint: cannot start the timer thread: %s",
                            strerror(r));
    pthread_detach(c->timer);
    return c;
}

void clint_reset(struct clint *c)
{
    pthread_mutex_lock(&c->lock);
    for (unsigned i = 0; i < c->nharts; i++) {
        struct rv_hart *h = vcpu_hart(i);
        c->msip[i] = 0;
        c->mtimecmp[i] = c->stimecmp[i] = UINT64_MAX;
        c->mtip[i] = c->stip[i] = false;
        rv_set_irq(h, RV_IRQ_MSI, false);
        rv_set_irq(h, RV_IRQ_MTI, false);
        rv_set_irq(h, RV_IRQ_STI, false);
    }
    pthread_cond_signal(&c->wake);      /* the timer forgets old deadlines */
    pthread_mutex_unlock(&c->lock);
}
