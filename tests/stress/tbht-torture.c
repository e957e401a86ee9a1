/*
 * tbht-torture.c — concurrent torture of the TB hash (src/tbht/tbht.c) with
 * a final audit of the named invariants of docs/concurrency.md:
 *
 *   T2.1 no lost entry: a key whose successful inserts outnumber its
 *        successful removes is present at the end;
 *   T2.2 no phantom: every other key is absent, and the table holds nothing
 *        that was removed or never inserted;
 *   T2.3 lookups are linearizable: every answer has the asked key and was
 *        present at some point during the call (its removal, if any,
 *        completed after the lookup began — tracked with a global clock);
 *   T2.4 twins: concurrent inserts of one key produce exactly one winner
 *        and every loser gets the winner back;
 *   T2.5 a TB is removed at most once;
 *   T2.6 no false miss: a key present for the whole run (every --pinned'th
 *        key is inserted before the threads start and never removed) is
 *        found by every lookup, while the other keys of its chains come
 *        and go (removes move entries inside chains, INV(T4));
 *   T3   publication: a TB found by lookup shows the fields written before
 *        its insert (canary).
 *
 * Threads are registered QSBR readers and announce quiescent states every
 * few operations; removed TBs are freed with loom_rcu_call.  Knobs:
 *   --duration MS  --threads N  --seed S  --update-rate PCT
 *   --resize-rate PCT (per operation)  --keys K  --twin-rounds R
 *   --pinned N (every Nth key is pinned, 0: none; default 8)
 *   --hot N (keys 0..N-1 share one chain; half the operations use them)
 *   --scan-yield PCT: sched_yield() inside lookups' scans (debug builds)
 *   --yield PCT: sched_yield() at that rate between an update's lookup and
 *   its insert/remove, to widen race windows (as urcu's debug-yield does)
 * The seed is printed for replay (thread t uses seed + t); with several
 * threads the interleaving is of course not replayed.  Prints
 * "invariant X: ok|FAILED" lines; exits 1 on any failure.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include "rcu/rcu.h"
#include "tbht/tbht.h"
#include "util/compiler.h"

#define CANARY 0x5eed5eedcafef00dull

struct ttb {
    struct tb tb;               /* first: a struct tb * is a struct ttb * */
    uint64_t key;
    uint64_t canary;            /* key ^ CANARY, written before insert (T3) */
    _Atomic uint64_t removed_at;  /* clock after the successful remove */
    _Atomic int removes;        /* successful removes (T2.5) */
    _Atomic bool lost;          /* insert returned a twin */
    struct rcu_head rcu;
};

struct key_state {
    _Atomic long ins_ok, rem_ok;
};

struct thr {
    pthread_t id;
    int idx;
    uint64_t rng;
    unsigned long lookups, hits, inserts, ins_twin, removes, resizes;
} CACHE_ALIGNED;

enum { F_T21, F_T22, F_T23, F_T24, F_T25, F_T26, F_T3, F_N };
static const char *const fail_name[F_N] = { "T2.1", "T2.2", "T2.3", "T2.4", "T2.5",
                                            "T2.6", "T3" };

/* Test-wide state (a test program: globals are its whole world). */
static struct {
    unsigned duration_ms, n_threads, n_keys, twin_rounds, pinned, n_hot;
    double update_pct, resize_pct, yield_pct;
    uint64_t seed;
    struct tbht *ht;
    struct key_state *keys;
    struct tb **twin_res;           /* [round * n_threads + t] */
    struct ttb **twin_own;
    pthread_barrier_t start, twin;
    pthread_barrier_t ro_a, ro_b, ro_c;   /* T1 lookup-only phase */
    _Atomic bool stop;
    _Atomic uint64_t clock;
    _Atomic unsigned long fails[F_N];
} g = {
    .duration_ms = 2000, .n_threads = 4, .n_keys = 4096, .twin_rounds = 200,
    .update_pct = 20, .resize_pct = 0.01, .pinned = 8,
};

/* T2.6: pinned keys are in the table from before the start to the end. */
static bool pinned(uint64_t key)
{
    if (key < g.n_hot)                  /* half the hot chain stays */
        return g.pinned && key % 2;
    return g.pinned && key < g.n_keys && key % g.pinned == g.pinned - 1;
}

static void fail(int which, const char *what, uint64_t key)
{
    if (atomic_fetch_add(&g.fails[which], 1) < 5)
        fprintf(stderr, "tbht-torture: %s violated: %s (key %" PRIu64 ")\n",
                fail_name[which], what, key);
}

static uint64_t rnd(uint64_t *s)            /* xorshift64* */
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* --hot N: keys 0..N-1 are chosen so that their hashes agree in the low
 * HOT_BITS bits: they share one long chain in any map of up to 2^HOT_BITS
 * buckets, with pinned keys among them (T2.6).  A reader then spends most
 * of a lookup walking that chain while removes move its last entry into
 * holes: a lookup that did not validate its scan with the sequence
 * counter would miss keys that were there all along. */
#define HOT_BITS 16
static uint64_t *hot_phys;          /* [n_hot]: phys of hot key k */

static void key_words(uint64_t key, uint64_t *phys, uint64_t *pc, uint32_t *flags)
{
    if (key < g.n_hot) {
        *phys = hot_phys[key];
        *pc = *phys;
        *flags = 7;
        return;
    }
    *phys = 0x80000000ull + 4 * key;
    *pc = 0xffffffff80000000ull + 4 * key;
    *flags = (uint32_t)(key % 3);
}

static struct ttb *ttb_new(uint64_t key)
{
    struct ttb *x = calloc(1, sizeof(*x));

    if (!x)
        abort();
    key_words(key, &x->tb.phys_pc, &x->tb.pc, &x->tb.flags);
    x->tb.hash = tbht_hash(x->tb.phys_pc, x->tb.pc, x->tb.flags);
    x->key = key;
    x->canary = key ^ CANARY;
    return x;
}

static void ttb_free_rcu(struct rcu_head *h)
{
    free(container_of(h, struct ttb, rcu));
}

static struct ttb *do_lookup(uint64_t key)
{
    uint64_t phys, pc;
    uint32_t flags;
    uint64_t start = atomic_load(&g.clock);     /* seq_cst: see T2.3 */
    struct ttb *x;

    key_words(key, &phys, &pc, &flags);
    x = (struct ttb *)tbht_lookup(g.ht, phys, pc, flags, tbht_hash(phys, pc, flags));
    if (!x)
        return NULL;
    if (x->key != key || x->tb.pc != pc || x->tb.phys_pc != phys || x->tb.flags != flags)
        fail(F_T23, "lookup returned another key", key);
    if (x->canary != (x->key ^ CANARY))
        fail(F_T3, "TB fields not visible after lookup", key);
    uint64_t ra = atomic_load(&x->removed_at);
    /* ra <= start: the remove returned (and ticked the clock) before this
     * lookup read the clock, so the TB was absent for the whole call. */
    if (ra && ra <= start)
        fail(F_T23, "lookup returned a TB removed before it began", key);
    if (atomic_load(&x->lost))
        fail(F_T24, "lookup returned a twin that lost its insert", key);
    return x;
}

/* --scan-yield PCT: tbht_debug_scan_hook yields inside lookups' chain
 * scans at that rate (per slot read), so writers run in the middle of a
 * scan even on a small or loaded host. */
static double scan_yield_pct;
static __thread uint64_t scan_rng = 0x9e3779b97f4a7c15ull;

static void scan_yield(void)
{
    if ((double)(rnd(&scan_rng) & 0xffffff) / 0x1000000 * 100.0 < scan_yield_pct)
        sched_yield();
}

static void maybe_yield(struct thr *t)
{
    if (g.yield_pct > 0 && (double)(rnd(&t->rng) & 0xffffff) / 0x1000000 * 100.0
                           < g.yield_pct)
        sched_yield();
}

static void do_update(struct thr *t, uint64_t key)
{
    struct ttb *x = do_lookup(key);

    maybe_yield(t);

    if (x) {
        if (tbht_remove(g.ht, &x->tb)) {
            if (atomic_fetch_add(&x->removes, 1) != 0)
                fail(F_T25, "TB removed twice", key);
            atomic_fetch_add(&g.keys[key].rem_ok, 1);
            atomic_store(&x->removed_at, atomic_fetch_add(&g.clock, 1) + 1);
            loom_rcu_call(&x->rcu, ttb_free_rcu);
            t->removes++;
        }
        return;
    }
    x = ttb_new(key);
    struct tb *r = tbht_insert(g.ht, &x->tb);
    if (r == &x->tb) {
        atomic_fetch_add(&g.keys[key].ins_ok, 1);
        t->inserts++;
    } else {
        if (((struct ttb *)r)->key != key)
            fail(F_T24, "insert returned a twin with another key", key);
        atomic_store(&x->lost, true);
        loom_rcu_call(&x->rcu, ttb_free_rcu);   /* robust even if it leaked in */
        t->ins_twin++;
    }
}

static void twin_phase(struct thr *t)
{
    for (unsigned r = 0; r < g.twin_rounds; r++) {
        uint64_t key = g.n_keys + r;
        struct ttb *x = ttb_new(key);

        g.twin_own[r * g.n_threads + t->idx] = x;
        loom_rcu_offline();                     /* R2: block offline */
        pthread_barrier_wait(&g.twin);
        loom_rcu_online();
        g.twin_res[r * g.n_threads + t->idx] = tbht_insert(g.ht, &x->tb);
        if (g.twin_res[r * g.n_threads + t->idx] != &x->tb)
            atomic_store(&x->lost, true);
        loom_rcu_quiescent();
    }
}

static void *thr_main(void *arg)
{
    struct thr *t = arg;
    unsigned n = 0;

    loom_rcu_register();
    loom_rcu_offline();
    pthread_barrier_wait(&g.start);
    loom_rcu_online();
    while (!atomic_load_explicit(&g.stop, memory_order_relaxed)) {
        uint64_t r = rnd(&t->rng);
        uint64_t key = (r >> 16) % g.n_keys;
        if (g.n_hot && (r & 0x10000))   /* half the operations: hot keys */
            key = (r >> 17) % g.n_hot;
        double p = (double)(r & 0xffff) / 65536.0 * 100.0;

        if (pinned(key)) {
            t->lookups++;
            if (do_lookup(key))
                t->hits++;
            else
                fail(F_T26, "a key present all along was not found", key);
        } else if (p < g.update_pct || key < g.n_hot) {
            do_update(t, key);          /* hot churn keys: always */
        } else {
            t->lookups++;
            t->hits += do_lookup(key) != NULL;
        }
        if (g.resize_pct > 0 && (double)(rnd(&t->rng) & 0xffffff) / 0x1000000 * 100.0
                                < g.resize_pct) {
            t->resizes += tbht_resize(g.ht, 16 + rnd(&t->rng) % (2 * g.n_keys));
        }
        if ((++n & 31) == 0)
            loom_rcu_quiescent();
    }
    twin_phase(t);
    /* T1 phase: lookups only, while the main thread checksums the table
     * before (between ro_a and ro_b) and after (after ro_c). */
    loom_rcu_offline();
    pthread_barrier_wait(&g.ro_a);
    pthread_barrier_wait(&g.ro_b);
    loom_rcu_online();
    for (unsigned i = 0; i < 20000; i++) {
        uint64_t key = (rnd(&t->rng) >> 16) % (g.n_keys + g.twin_rounds);
        struct ttb *x = do_lookup(key);
        t->lookups++;
        t->hits += x != NULL;
        if (!x && pinned(key))
            fail(F_T26, "a key present all along was not found", key);
        if ((i & 31) == 0)
            loom_rcu_quiescent();
    }
    loom_rcu_offline();
    pthread_barrier_wait(&g.ro_c);
    loom_rcu_online();
    loom_rcu_unregister();
    return NULL;
}

/* ---- final audit (single-threaded) -------------------------------------- */
struct audit {
    unsigned long n;
    unsigned char *seen;
};

static void audit_cb(struct tb *tb, void *arg)
{
    struct audit *a = arg;
    struct ttb *x = (struct ttb *)tb;

    a->n++;
    if (x->key >= g.n_keys + g.twin_rounds) {
        fail(F_T22, "table holds an unknown TB", x->key);
        return;
    }
    if (a->seen[x->key]++)
        fail(F_T24, "two TBs with one key in the table", x->key);
    if (atomic_load(&x->removed_at) || atomic_load(&x->lost))
        fail(F_T22, "table holds a removed or losing TB", x->key);
}

static void free_cb(struct tb *tb, void *arg)
{
    ((struct tb **)arg)[((struct ttb *)tb)->key] = tb;
}

static int audit(void)
{
    struct audit a = { 0, calloc(g.n_keys + g.twin_rounds, 1) };
    long expect = 0;
    int bad = 0;

    for (uint64_t k = 0; k < g.n_keys; k++) {
        long d = atomic_load(&g.keys[k].ins_ok) - atomic_load(&g.keys[k].rem_ok);
        struct ttb *x = do_lookup(k);

        if (d != 0 && d != 1)
            fail(F_T24, "inserts/removes of a key do not alternate", k);
        if (d == 1 && !x)
            fail(F_T21, "inserted key missing", k);
        if (d == 0 && x)
            fail(F_T22, "removed key present", k);
        expect += d;
    }
    for (unsigned r = 0; r < g.twin_rounds; r++) {
        unsigned winners = 0;
        struct tb *w = NULL;

        for (unsigned t = 0; t < g.n_threads; t++) {
            struct tb *res = g.twin_res[r * g.n_threads + t];
            if (res == &g.twin_own[r * g.n_threads + t]->tb) {
                winners++;
                w = res;
            }
        }
        if (winners != 1)
            fail(F_T24, "not exactly one winner", g.n_keys + r);
        for (unsigned t = 0; t < g.n_threads; t++)
            if (g.twin_res[r * g.n_threads + t] != w)
                fail(F_T24, "a loser did not get the winner", g.n_keys + r);
        if (!do_lookup(g.n_keys + r))
            fail(F_T21, "twin winner missing", g.n_keys + r);
        expect++;
    }
    tbht_foreach(g.ht, audit_cb, &a);
    if ((long)a.n != expect || (long)tbht_count(g.ht) != expect)
        fail(F_T22, "entry count differs from the shadow state", (uint64_t)a.n);
    free(a.seen);
    for (int i = 0; i < F_N; i++) {
        unsigned long f = atomic_load(&g.fails[i]);
        printf("invariant %s: %s", fail_name[i], f ? "FAILED" : "ok");
        if (f)
            printf(" (%lu violations)", f);
        printf("\n");
        bad |= f != 0;
    }
    return bad;
}

static void usage(void)
{
    fprintf(stderr, "usage: tbht-torture [--duration MS] [--threads N] [--seed S]\n"
            "  [--update-rate PCT] [--resize-rate PCT] [--keys K] [--twin-rounds R]\n"
            "  [--yield PCT] [--pinned N] [--hot N] [--scan-yield PCT]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    g.seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!v)
            usage();
        if (!strcmp(o, "--duration")) g.duration_ms = strtoul(v, NULL, 0);
        else if (!strcmp(o, "--threads")) g.n_threads = strtoul(v, NULL, 0);
        else if (!strcmp(o, "--seed")) g.seed = strtoull(v, NULL, 0);
        else if (!strcmp(o, "--update-rate")) g.update_pct = strtod(v, NULL);
        else if (!strcmp(o, "--resize-rate")) g.resize_pct = strtod(v, NULL);
        else if (!strcmp(o, "--keys")) g.n_keys = strtoul(v, NULL, 0);
        else if (!strcmp(o, "--twin-rounds")) g.twin_rounds = strtoul(v, NULL, 0);
        else if (!strcmp(o, "--yield")) g.yield_pct = strtod(v, NULL);
        else if (!strcmp(o, "--pinned")) g.pinned = strtoul(v, NULL, 0);
        else if (!strcmp(o, "--hot")) g.n_hot = strtoul(v, NULL, 0);
        else if (!strcmp(o, "--scan-yield")) scan_yield_pct = strtod(v, NULL);
        else usage();
        i++;
    }
    if (!g.n_threads || !g.n_keys || g.n_hot > g.n_keys)
        usage();
    if (scan_yield_pct > 0)
        tbht_debug_scan_hook = scan_yield;
    hot_phys = calloc(g.n_hot + 1, sizeof(*hot_phys));
    /* Hot keys live at 0x1_0000_0000 and up, apart from the others. */
    for (uint64_t c = 0, n = 0; n < g.n_hot; c++) {
        uint64_t phys = 0x100000000ull + 4 * c;
        if ((tbht_hash(phys, phys, 7) & ((1u << HOT_BITS) - 1)) == 0x1234)
            hot_phys[n++] = phys;
    }
    printf("tbht-torture: seed=%" PRIu64 " threads=%u duration=%ums keys=%u "
           "update=%.2f%% resize=%.4f%% twin-rounds=%u yield=%.2f%% pinned=%u hot=%u scan-yield=%.2f%%\n",
           g.seed, g.n_threads, g.duration_ms, g.n_keys, g.update_pct,
           g.resize_pct, g.twin_rounds, g.yield_pct, g.pinned, g.n_hot,
           scan_yield_pct);

    g.ht = tbht_new(16);                        /* tiny: force growth */
    g.keys = calloc(g.n_keys, sizeof(*g.keys));
    g.twin_res = calloc((size_t)g.twin_rounds * g.n_threads, sizeof(*g.twin_res));
    g.twin_own = calloc((size_t)g.twin_rounds * g.n_threads, sizeof(*g.twin_own));
    struct thr *th = aligned_alloc(LOOM_CACHELINE,
                                   ROUND_UP(g.n_threads * sizeof(*th), LOOM_CACHELINE));
    memset(th, 0, g.n_threads * sizeof(*th));
    pthread_barrier_init(&g.start, NULL, g.n_threads + 1);
    pthread_barrier_init(&g.twin, NULL, g.n_threads);
    pthread_barrier_init(&g.ro_a, NULL, g.n_threads + 1);
    pthread_barrier_init(&g.ro_b, NULL, g.n_threads + 1);
    pthread_barrier_init(&g.ro_c, NULL, g.n_threads + 1);
    loom_rcu_register();
    /* Pinned keys, and every hot key: hot chains start interleaved
     * (churn, pinned, churn, ...), so removes move pinned entries too. */
    for (uint64_t k = 0; k < g.n_keys; k++)
        if (pinned(k) || k < g.n_hot) {
            struct ttb *x = ttb_new(k);
            if (tbht_insert(g.ht, &x->tb) != &x->tb)
                abort();
            atomic_store(&g.keys[k].ins_ok, 1);
        }
    loom_rcu_offline();                         /* R2: blocks below */
    for (unsigned t = 0; t < g.n_threads; t++) {
        th[t].idx = (int)t;
        th[t].rng = (g.seed + t) * 0x9e3779b97f4a7c15ull | 1;
        pthread_create(&th[t].id, NULL, thr_main, &th[t]);
    }
    pthread_barrier_wait(&g.start);
    struct timespec ts = { g.duration_ms / 1000, (long)(g.duration_ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
    atomic_store(&g.stop, true);
    /* T1: lookups never write shared memory — the whole table is bit for
     * bit the same after a phase in which every thread only looked up. */
    pthread_barrier_wait(&g.ro_a);
    uint64_t sum_before = tbht_debug_checksum(g.ht);
    pthread_barrier_wait(&g.ro_b);
    pthread_barrier_wait(&g.ro_c);
    uint64_t sum_after = tbht_debug_checksum(g.ht);
    bool t1_bad = sum_before != sum_after;
    unsigned long lk = 0, hits = 0, ins = 0, tw = 0, rem = 0, rs = 0;
    for (unsigned t = 0; t < g.n_threads; t++) {
        pthread_join(th[t].id, NULL);
        lk += th[t].lookups; hits += th[t].hits; ins += th[t].inserts;
        tw += th[t].ins_twin; rem += th[t].removes; rs += th[t].resizes;
    }
    printf("tbht-torture: lookups=%lu hits=%lu inserts=%lu twins=%lu removes=%lu "
           "resizes=%lu buckets=%zu\n", lk, hits, ins, tw, rem, rs, tbht_n_buckets(g.ht));

    loom_rcu_online();
    int bad = audit();
    if (t1_bad) {
        printf("invariant T1: FAILED (table changed during lookups: %016" PRIx64
               " -> %016" PRIx64 ")\n", sum_before, sum_after);
        bad = 1;
    } else {
        printf("invariant T1: ok\n");
    }
    /* free what is left: the table's TBs, then pending RCU frees */
    struct tb **left = calloc(g.n_keys + g.twin_rounds, sizeof(*left));
    tbht_foreach(g.ht, free_cb, left);
    tbht_reset(g.ht);
    for (unsigned r = 0; r < g.twin_rounds; r++)
        for (unsigned t = 0; t < g.n_threads; t++) {
            struct ttb *x = g.twin_own[r * g.n_threads + t];
            if (&x->tb != left[x->key])
                free(x);                        /* losers never went in */
        }
    for (unsigned k = 0; k < g.n_keys + g.twin_rounds; k++)
        free(left[k]);
    loom_rcu_barrier();
    loom_rcu_unregister();
    tbht_destroy(g.ht);
    free(left);
    free(g.keys);
    free(g.twin_res);
    free(g.twin_own);
    free(hot_phys);
    free(th);
    printf("tbht-torture: %s\n", bad ? "FAILED" : "all invariants ok");
    return bad;
}
