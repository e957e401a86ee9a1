/*
 * chaos.c — chaos mode, -accel tcg,thread=multi,chaos=SEED (docs/stress.md
 * "Chaos mode"): seeded perturbation of real parallel runs, to make rare
 * guest interleavings frequent.
 *
 * At a TB boundary (the exec loop, after a trip into guest code) a hart
 * whose retired-instruction count passed its next due point draws one
 * perturbation from its own PRNG (seeded from SEED and the hart index):
 *
 *   delay  spin 100..800 ns (the other harts run on meanwhile)
 *   yield  sched_yield()
 *   exit   the TB just left is not linked to the next one (an early exit
 *          to the loop that chained code would have skipped)
 *   jc     clear the hart's own jump cache
 *   tlb    flush the hart's own TLB and jump cache (vcpu_tlb_flush)
 *   sc     the hart's next SC whose reservation matches fails (allowed by
 *          the ISA; counted by rv_helper_sc when it happens)
 *
 * and its next due point is 1..2*CHAOS_GAP instructions later.  Everything
 * is the hart's own state on the hart's own thread at a safe point, so the
 * owner-only rules hold (V4 for TLB and jump cache; the SC request is
 * owner-only too, cpu.h).
 *
 * Chained code rarely comes back to the loop (a loop of one TB never
 * does), so a kicker thread makes the boundaries: every CHAOS_POLL_NS it
 * kicks each hart whose published instruction count moved since its last
 * kick (the count is published at each boundary, so a kick not yet taken,
 * or a hart halted in wfi, is not kicked again).  So every kick is
 * followed by guest progress, whatever the host's speed; and the
 * perturbations themselves are paced in instructions (CHAOS_GAP), so a
 * slow host gets fewer of them per second, never a guest that stops
 * progressing.  On a fast host the poll period is what limits the rate.
 *
 * Not replayable: the PRNG sequence per hart is fixed by the seed, but
 * where the boundaries fall depends on the host's thread timing.  The seed
 * is printed at start and the counts per kind at exit, so a failing run
 * says what it was perturbed with.  Off: vcpu_chaos_on is false and the
 * exec loop pays one predictable branch (no generated code changes; the
 * SC helper tests a field of its own hart).
 */
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include "rcu/rcu.h"
#include "util/error.h"
#include "vcpu/vcpu_internal.h"

/* Mean instructions between perturbations of one hart (at most about one
 * per thousand guest instructions: enough to hit a window of a few
 * instructions often, few enough that the guest keeps most of its speed),
 * and the kicker's period (50 us: 20k wake-ups a second, a small share of
 * one host core). */
#define CHAOS_GAP 1000
#define CHAOS_POLL_NS 50000

bool vcpu_chaos_on;
static uint64_t chaos_seed;

static const char *const chaos_names[VCPU_CHAOS_N] = {
    "delay", "yield", "exit", "jc", "tlb", "sc",
};

static uint64_t ch_rand(uint64_t *s)          /* xorshift64* */
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

/* splitmix64: spreads (seed, index) into independent nonzero states. */
static uint64_t ch_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Owner-only counter: a relaxed load and store (one writer). */
static void ch_count(struct vcpu_chaos *c, int kind, uint64_t val)
{
    atomic_store_explicit(&c->count[kind], val, memory_order_relaxed);
}

static void ch_inc(struct vcpu_chaos *c, int kind)
{
    ch_count(c, kind, atomic_load_explicit(&c->count[kind],
                                           memory_order_relaxed) + 1);
}

bool vcpu_chaos_tb(struct vcpu *v)
{
    struct rv_hart *h = &v->hart;
    struct vcpu_chaos *c = &v->chaos;

    /* Published for the kicker (relaxed: it only needs to see the count
     * grow eventually; it orders nothing on it). */
    atomic_store_explicit(&v->storm_progress, h->insn_count,
                          memory_order_relaxed);
    /* The SC helper counts on this thread; copy for the report. */
    ch_count(c, VCPU_CHAOS_SC, h->sc_spurious);
    /* A reset zeroes nothing here, but insn_count only grows. */
    if (h->insn_count < c->next_at)
        return false;
    uint64_t r = ch_rand(&c->rng);
    c->next_at = h->insn_count + 1 + (r >> 8) % (2 * CHAOS_GAP);
    int kind = (int)(r % VCPU_CHAOS_N);
    switch (kind) {
    case VCPU_CHAOS_DELAY: {
        uint64_t end = now_ns() + 100 + (r >> 32) % 700;
        while (now_ns() < end)
            __builtin_ia32_pause();
        break;
    }
    case VCPU_CHAOS_YIELD:
        sched_yield();
        break;
    case VCPU_CHAOS_EXIT:
        break;                       /* the caller drops `last` */
    case VCPU_CHAOS_JC:
        /* INV(V4): the owner writes its jump cache (at a safe point). */
        INV_ASSERT(V4, vcpu_is_owner(v));
        jc_clear(&v->jc);
        break;
    case VCPU_CHAOS_TLB:
        vcpu_tlb_flush(h);           /* asserts V4 itself */
        break;
    case VCPU_CHAOS_SC:
        /* Counted when an SC consumes it (rv_helper_sc). */
        h->sc_fail_next = true;
        return false;
    }
    ch_inc(c, kind);
    return kind != VCPU_CHAOS_DELAY && kind != VCPU_CHAOS_YIELD;
}

static void *ch_kicker(void *arg)
{
    (void)arg;
    loom_rcu_register();
    loom_rcu_offline();                   /* holds no RCU pointer */
    for (;;) {
        for (unsigned i = 0; i < vcpu_count(); i++) {
            struct vcpu *v = vcpu_of(vcpu_hart(i));
            uint64_t p = atomic_load_explicit(&v->storm_progress,
                                              memory_order_relaxed);
            if (p != v->chaos.kicked_at) {
                v->chaos.kicked_at = p;
                vcpu_kick(&v->hart);
                atomic_store_explicit(&v->chaos.kicks,
                    atomic_load_explicit(&v->chaos.kicks,
                                         memory_order_relaxed) + 1,
                    memory_order_relaxed);
            }
        }
        struct timespec ts = { 0, CHAOS_POLL_NS };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void ch_report(void)
{
    uint64_t sum[VCPU_CHAOS_N] = { 0 }, kicks = 0;

    for (unsigned i = 0; i < vcpu_count(); i++) {
        struct vcpu_chaos *c = &vcpu_of(vcpu_hart(i))->chaos;
        for (int k = 0; k < VCPU_CHAOS_N; k++)
            sum[k] += atomic_load_explicit(&c->count[k], memory_order_relaxed);
        kicks += atomic_load_explicit(&c->kicks, memory_order_relaxed);
    }
    fprintf(stderr, "chaos: seed=%llu", (unsigned long long)chaos_seed);
    for (int k = 0; k < VCPU_CHAOS_N; k++)
        fprintf(stderr, " %s=%llu", chaos_names[k], (unsigned long long)sum[k]);
    fprintf(stderr, " kicks=%llu\n", (unsigned long long)kicks);
}

static bool chaos_wanted;

void vcpu_chaos_configure(bool on, uint64_t seed)
{
    chaos_wanted = on;
    chaos_seed = seed;
}

void vcpu_chaos_start(void)
{
    if (!chaos_wanted)
        return;
    for (unsigned i = 0; i < vcpu_count(); i++) {
        struct vcpu_chaos *c = &vcpu_of(vcpu_hart(i))->chaos;
        c->rng = ch_mix(chaos_seed ^ ch_mix(i + 1)) | 1;
        c->next_at = 1 + ch_rand(&c->rng) % (2 * CHAOS_GAP);
    }
    fprintf(stderr, "chaos: seed=%llu (not replayable: real threads)\n",
            (unsigned long long)chaos_seed);
    loom_at_exit(ch_report);
    /* Written before the vCPU threads are created (pthread_create orders
     * it before everything they do); read-only afterwards. */
    vcpu_chaos_on = true;
    pthread_t t;
    if (pthread_create(&t, NULL, ch_kicker, NULL))
        loom_fatal("cannot start the chaos kicker thread");
    pthread_detach(t);
}
