/*
 * storm.c — a stress driver for the vCPU layer, enabled by the environment
 * variable LOOM_STORM (tests/stress only; never set in normal use):
 *
 *   LOOM_STORM="full=US,tlb=US,page=US,excl=US,kick=US,seed=N,jcyield=PCT,pace=N"
 *
 * A host thread then, every US microseconds for each listed action,
 * requests a full code-buffer flush on a random hart (async work that
 * sets flush_requested), flushes every hart's TLB and jump cache (async
 * work), flushes one random page on a random hart, runs an empty exclusive
 * section, or kicks a random hart — while the guest runs.  The invariants
 * V1 (no guest code inside an exclusive section), V2 (a flush leaves
 * nothing reachable), V4 (TLB/jump-cache writes only by their owner or in
 * exclusive context) and V5 (work runs on its target) are asserted on
 * every one of these events, and the guest's own checks (exact totals,
 * expected output) must still pass.
 *
 * Pacing by progress, not only by time: an action fires when its period
 * has passed AND the harts together retired at least `pace` instructions
 * (default 20000) since it last fired.  Kicks are exempt: a kick makes its
 * hart leave chained code and publish its count (each hart's exact
 * insn_count, copied by its own thread after every trip into guest code).
 * A period
 * alone is a host-speed dependency: on a slow host (ThreadSanitizer, many
 * harts on two loaded cores) a full flush every 2 ms can come faster than
 * the guest retranslates its loop, and the run crawls or never ends.  With
 * the gate, every action is followed by guest progress, so a run ends
 * after a number of storm events bounded by its work, whatever the host;
 * on a fast host the period is what limits the rate, as before.
 * At power-off a line
 * "storm: seed=S full=N tlb=N page=N excl=N kick=N" reports what ran.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rcu/rcu.h"
#include "util/error.h"
#include "vcpu/vcpu_internal.h"

enum { ST_FULL, ST_TLB, ST_PAGE, ST_EXCL, ST_KICK, ST_N };
static const char *const st_names[ST_N] = { "full", "tlb", "page", "excl", "kick" };

static uint64_t st_period_us[ST_N];
static uint64_t st_pace = 20000;
bool vcpu_storm_on;             /* set before the vCPU threads start */
/* Storm work of each kind queued to each hart and not yet run: the storm
 * never queues more of a kind while one is outstanding (so up to three
 * items wait on a hart at once, which exercises the FIFO order, V5), so a slow host (ThreadSanitizer, many
 * harts on few cores) gets a slower storm instead of an ever-growing work
 * queue that starves the guest. */
static _Atomic unsigned st_outstanding[ST_N][VCPU_MAX];
static uint64_t st_seed = 1;
static _Atomic uint64_t st_count[ST_N];

static uint64_t st_rand(uint64_t *s)          /* xorshift64* */
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void work_request_flush(struct rv_hart *h, void *arg)
{
    (void)arg;
    vcpu_of(h)->flush_requested = true;
    atomic_fetch_sub(&st_outstanding[ST_FULL][vcpu_of(h)->index], 1);
}

static void work_flush_tlb(struct rv_hart *h, void *arg)
{
    (void)arg;
    vcpu_tlb_flush(h);
    atomic_fetch_sub(&st_outstanding[ST_TLB][vcpu_of(h)->index], 1);
}

static void work_flush_page(struct rv_hart *h, void *arg)
{
    vcpu_tlb_flush_page(h, (uint64_t)(uintptr_t)arg);
    atomic_fetch_sub(&st_outstanding[ST_PAGE][vcpu_of(h)->index], 1);
}

/* Queue fn on h unless storm work of this kind for h is outstanding. */
static bool st_queue(int what, struct rv_hart *h, vcpu_work_fn fn, void *arg)
{
    unsigned i = vcpu_of(h)->index;
    if (atomic_load(&st_outstanding[what][i]))
        return false;
    atomic_fetch_add(&st_outstanding[what][i], 1);
    vcpu_async_run(h, fn, arg);
    return true;
}

static void st_report(void)
{
    fprintf(stderr, "storm: seed=%llu", (unsigned long long)st_seed);
    for (int i = 0; i < ST_N; i++)
        fprintf(stderr, " %s=%llu", st_names[i],
                (unsigned long long)atomic_load(&st_count[i]));
    fputc('\n', stderr);
}

static void st_do(int what, uint64_t *rng)
{
    unsigned n = vcpu_count();
    struct rv_hart *h = vcpu_hart((unsigned)(st_rand(rng) % n));
    bool done = true;
    switch (what) {
    case ST_FULL: done = st_queue(ST_FULL, h, work_request_flush, NULL); break;
    case ST_TLB:
        done = false;
        for (unsigned i = 0; i < n; i++)
            done |= st_queue(ST_TLB, vcpu_hart(i), work_flush_tlb, NULL);
        break;
    case ST_PAGE: {
        /* a page of the first 1 MiB of RAM, where test programs live */
        uint64_t va = 0x80000000ull + (st_rand(rng) % 256) * TLB_PAGE_SIZE;
        done = st_queue(ST_PAGE, h, work_flush_page, (void *)(uintptr_t)va);
        break;
    }
    case ST_EXCL:
        loom_rcu_online();
        vcpu_start_exclusive();           /* asserts V1 */
        vcpu_end_exclusive();
        loom_rcu_offline();
        break;
    case ST_KICK: vcpu_kick(h); break;
    }
    if (done)
        atomic_fetch_add(&st_count[what], 1);
}

/* Instructions the harts have retired, as last published by each. */
static uint64_t st_progress(void)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < vcpu_count(); i++)
        sum += atomic_load_explicit(&vcpu_of(vcpu_hart(i))->storm_progress,
                                    memory_order_relaxed);
    return sum;
}

static void *st_thread(void *arg)
{
    (void)arg;
    uint64_t rng = st_seed | 1, next[ST_N], since[ST_N], t = now_us();
    loom_rcu_register();
    loom_rcu_offline();                   /* holds no RCU pointer */
    for (int i = 0; i < ST_N; i++) {
        next[i] = t + st_period_us[i];
        since[i] = 0;
    }
    for (;;) {
        uint64_t soonest = UINT64_MAX;
        for (int i = 0; i < ST_N; i++) {
            if (!st_period_us[i])
                continue;
            /* Due by time; held back until the guest progressed (a reset
             * that zeroed the counts starts the measure again). */
            uint64_t p = st_progress();
            if (p < since[i])
                since[i] = p;
            if (now_us() >= next[i] &&
                (i == ST_KICK || p - since[i] >= st_pace)) {
                st_do(i, &rng);
                next[i] = now_us() + st_period_us[i];
                since[i] = st_progress();
            }
            if (next[i] < soonest)
                soonest = next[i];
        }
        /* An action due but waiting for progress: look again in 200 us
         * (no busy wait: the storm thread must not take the guest's CPU). */
        uint64_t t2 = now_us(), us = soonest > t2 ? soonest - t2 : 200;
        struct timespec ts = { (time_t)(us / 1000000u),
                               (long)(us % 1000000u) * 1000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* jcyield=PCT: the exec loop yields with that probability between its
 * last `invalid` check of a TB and storing it in the jump cache, so an
 * invalidation (and its remote jump-cache clear, I4) often completes in
 * between and leaves an invalid TB in the cache: the state J1's re-check
 * on every hit exists for. */
unsigned vcpu_storm_jc_yield;

void vcpu_storm_yield(void)
{
    static __thread uint64_t rng;
    if (!rng)
        rng = (uint64_t)(uintptr_t)&rng | 1;
    /* Spin about a microsecond (as long as another hart's trapped code
     * write takes), then let others run. */
    if (st_rand(&rng) % 100 < vcpu_storm_jc_yield) {
        for (volatile int i = 0; i < 1000; i++)
            ;
        sched_yield();
    }
}

void vcpu_storm_start(void)
{
    const char *spec = getenv("LOOM_STORM");
    if (!spec || !*spec)
        return;
    char *copy = strdup(spec), *save = NULL;
    bool any = false;
    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        char *end;
        unsigned long long v = eq ? strtoull(eq + 1, &end, 0) : 0;
        if (!eq || *end || eq == tok)
            loom_user_error("LOOM_STORM: bad item '%s' (want name=number)", tok);
        *eq = 0;
        if (!strcmp(tok, "seed")) {
            st_seed = v;
            continue;
        }
        if (!strcmp(tok, "pace")) {
            st_pace = v;
            continue;
        }
        if (!strcmp(tok, "jcyield")) {
            if (v > 100)
                loom_user_error("LOOM_STORM: jcyield=%llu is not a percentage", v);
            vcpu_storm_jc_yield = (unsigned)v;
            continue;
        }
        int i;
        for (i = 0; i < ST_N && strcmp(tok, st_names[i]); i++)
            ;
        if (i == ST_N)
            loom_user_error("LOOM_STORM: unknown action '%s'", tok);
        st_period_us[i] = v;
        any |= v != 0;
    }
    free(copy);
    if (!any)
        return;
    loom_at_exit(st_report);
    vcpu_storm_on = true;
    pthread_t t;
    if (pthread_create(&t, NULL, st_thread, NULL))
        loom_fatal("cannot start the LOOM_STORM thread");
    pthread_detach(t);
}
