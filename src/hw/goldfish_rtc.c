/*
 * goldfish_rtc.c — Goldfish real-time clock ("google,goldfish-rtc"), see
 * hw.h.  What Linux's rtc-goldfish driver and QEMU's model agree on:
 *
 *   0x00 TIME_LOW        read: ns since the epoch, low half; latches the
 *                        high half for the next TIME_HIGH read.
 *                        write: sets the low half of the time
 *   0x04 TIME_HIGH       read: the latched high half; write: sets it
 *   0x08 ALARM_LOW       read: alarm low half; write: arms the alarm at
 *                        (ALARM_HIGH << 32) | value
 *   0x0c ALARM_HIGH      high half of the alarm (write it first)
 *   0x10 IRQ_ENABLED     bit 0: the alarm interrupt reaches the line
 *   0x14 CLEAR_ALARM     write: disarm
 *   0x18 ALARM_STATUS    read: 1 while armed
 *   0x1c CLEAR_INTERRUPT write: drop the pending interrupt
 * The line is (interrupt pending && IRQ_ENABLED).  An alarm at or before
 * the current time fires at once.
 *
 * Time is CLOCK_REALTIME plus an offset that time writes adjust (the host
 * clock is never changed).  A timer thread sleeps on a CLOCK_MONOTONIC
 * condition variable until the armed alarm is due (no polling).
 *
 * Concurrency: one mutex guards all state; MMIO callbacks and the timer
 * thread take it and drive the line under it (lock order: RTC → PLIC).
 */
#include "hw/hw.h"

#include <string.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "util/error.h"

enum {
    RTC_TIME_LOW = 0x00, RTC_TIME_HIGH = 0x04, RTC_ALARM_LOW = 0x08,
    RTC_ALARM_HIGH = 0x0c, RTC_IRQ_ENABLED = 0x10, RTC_CLEAR_ALARM = 0x14,
    RTC_ALARM_STATUS = 0x18, RTC_CLEAR_INTERRUPT = 0x1c,
};

struct goldfish_rtc {
    pthread_mutex_t lock;
    pthread_cond_t wake;            /* timer thread: alarm changed */
    int64_t offset_ns;              /* guest time − host realtime */
    uint32_t time_high;             /* latched by TIME_LOW reads */
    uint64_t alarm;
    bool armed, irq_enabled, irq_pending, level;
    struct hw_irq irq;
    pthread_t timer;
};

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rtc_now__locked(const struct goldfish_rtc *r)
{
    return clock_ns(CLOCK_REALTIME) + (uint64_t)r->offset_ns;
}

static void rtc_update__locked(struct goldfish_rtc *r)
{
    bool level = r->irq_pending && r->irq_enabled;
    if (level != r->level) {
        r->level = level;
        hw_irq_set(&r->irq, level);
    }
}

/* Fire the alarm if it is due; true if it is still armed in the future. */
static bool rtc_check__locked(struct goldfish_rtc *r)
{
    if (!r->armed)
        return false;
    if (rtc_now__locked(r) < r->alarm)
        return true;
    r->armed = false;
    r->irq_pending = true;
    rtc_update__locked(r);
    return false;
}

static void *rtc_timer_thread(void *arg)
{
    struct goldfish_rtc *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        if (!rtc_check__locked(r)) {
            pthread_cond_wait(&r->wake, &r->lock);
            continue;
        }
        /* Sleep on the monotonic clock for the distance to the alarm. */
        uint64_t wait = r->alarm - rtc_now__locked(r);
        uint64_t ns = clock_ns(CLOCK_MONOTONIC);
        ns = wait > UINT64_MAX / 4 ? UINT64_MAX / 4 : ns + wait;
        struct timespec ts = {
            .tv_sec = (time_t)(ns / 1000000000ull),
            .tv_nsec = (long)(ns % 1000000000ull),
        };
        pthread_cond_timedwait(&r->wake, &r->lock, &ts);
    }
    return NULL;
}

/* The guest sets the time: move the offset so that now reads `t`. */
static void rtc_set_time__locked(struct goldfish_rtc *r, uint64_t t)
{
    r->offset_ns += (int64_t)(t - rtc_now__locked(r));
    pthread_cond_signal(&r->wake);
}

static uint64_t rtc_read(void *opaque, uint64_t off, unsigned size)
{
    struct goldfish_rtc *r = opaque;
    uint64_t v = 0, now;

    pthread_mutex_lock(&r->lock);
    switch (off) {
    case RTC_TIME_LOW:
        now = rtc_now__locked(r);
        r->time_high = (uint32_t)(now >> 32);
        v = (uint32_t)now;
        break;
    case RTC_TIME_HIGH:     v = r->time_high; break;
    case RTC_ALARM_LOW:     v = (uint32_t)r->alarm; break;
    case RTC_ALARM_HIGH:    v = (uint32_t)(r->alarm >> 32); break;
    case RTC_IRQ_ENABLED:   v = r->irq_enabled; break;
    case RTC_ALARM_STATUS:  v = r->armed; break;
    default:                break;
    }
    pthread_mutex_unlock(&r->lock);
    return v;
}

static void rtc_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct goldfish_rtc *r = opaque;
    uint32_t v = (uint32_t)val;
    uint64_t now;

    pthread_mutex_lock(&r->lock);
    switch (off) {
    case RTC_TIME_LOW:
        now = rtc_now__locked(r);
        rtc_set_time__locked(r, (now & ~0xffffffffull) | v);
        break;
    case RTC_TIME_HIGH:
        now = rtc_now__locked(r);
        rtc_set_time__locked(r, (now & 0xffffffffull) | (uint64_t)v << 32);
        break;
    case RTC_ALARM_LOW:
        r->alarm = (r->alarm & ~0xffffffffull) | v;
        r->armed = true;
        rtc_check__locked(r);
        pthread_cond_signal(&r->wake);
        break;
    case RTC_ALARM_HIGH:
        r->alarm = (r->alarm & 0xffffffffull) | (uint64_t)v << 32;
        break;
    case RTC_IRQ_ENABLED:
        r->irq_enabled = v & 1;
        rtc_update__locked(r);
        break;
    case RTC_CLEAR_ALARM:
        r->armed = false;
        break;
    case RTC_CLEAR_INTERRUPT:
        r->irq_pending = false;
        rtc_update__locked(r);
        break;
    default:
        break;
    }
    pthread_mutex_unlock(&r->lock);
}

static const struct mmio_ops rtc_ops = {
    .read = rtc_read, .write = rtc_write, .min_size = 4, .max_size = 4,
};

struct goldfish_rtc *goldfish_rtc_create(struct pmem *pm, uint64_t base,
                                         struct hw_irq irq)
{
    struct goldfish_rtc *r = calloc(1, sizeof(*r));
    if (!r)
        loom_fatal("goldfish_rtc: out of memory");
    r->irq = irq;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&r->lock, NULL);
    if (pmem_add_mmio(pm, base, 0x1000, &rtc_ops, r, "goldfish_rtc"))
        loom_fatal("goldfish_rtc: cannot map at 0x%llx",
                   (unsigned long long)base);
    int e = pthread_create(&r->timer, NULL, rtc_timer_thread, r);
    if (e)          /* a host limit (ulimit -u / -v): exit 2, not abort */
        loom_resource_error("goldfish_rtc: cannot start the timer thread: %s",
                            strerror(e));
    pthread_detach(r->timer);
    return r;
}

void goldfish_rtc_reset(struct goldfish_rtc *r)
{
    pthread_mutex_lock(&r->lock);
    /* The clock keeps running (offset_ns stays): only the alarm and the
     * interrupt state return to power-on. */
    r->time_high = 0;
    r->alarm = 0;
    r->armed = r->irq_enabled = r->irq_pending = false;
    rtc_update__locked(r);
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
}
