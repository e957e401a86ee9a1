/*
 * tbht-bench.c — throughput of Loom's TB hash against two baselines, in one
 * run and on the same keys, hash and object allocation:
 *   tbht   src/tbht (per-bucket spinlocks, seqlock readers, RCU resize);
 *   lfht   liburcu's cds_lfht, QSBR flavor (lock-free, auto-resize);
 *   ck_hs  Concurrency Kit's ck_hs in SPMC mode behind one writer mutex
 *          (ck_hs allows a single writer with concurrent readers).
 * Each thread does qht-bench-style operations on random keys: with
 * probability update% it toggles the key (remove if found, else insert),
 * otherwise it looks it up.  Half the keys are present at the start.
 * Removed objects are freed after a grace period (loom_rcu_call); threads
 * are QSBR readers and announce a quiescent state every 32 operations.
 *
 * Knobs: --duration MS (per cell)  --threads T (runs 1,2,4..T)  --keys K
 *        --rates LIST (update percentages, default 0,1,10,50)
 * Output: one row per (update%, threads) with Mops/s per table and
 * tbht / best baseline.  Informational only: never fails on timing.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <ck_hs.h>
#include "rcu/rcu.h"
#include <urcu/rculfhash.h>
#include "tbht/tbht.h"
#include "util/compiler.h"

struct bobj {
    struct tb tb;                   /* key + hash, used by every table */
    struct cds_lfht_node node;
    struct rcu_head rcu;
};

struct impl {
    const char *name;
    void *(*create)(size_t keys);
    void (*destroy)(void *t);                   /* single-threaded */
    bool (*lookup)(void *t, uint64_t key);
    void (*update)(void *t, uint64_t key);
};

static void key_words(uint64_t key, uint64_t *phys, uint64_t *pc, uint32_t *flags)
{
    *phys = 0x80000000ull + 4 * key;
    *pc = 0xffffffff80000000ull + 4 * key;
    *flags = (uint32_t)(key & 1);
}

static struct bobj *bobj_new(uint64_t key)
{
    struct bobj *o = calloc(1, sizeof(*o));

    if (!o)
        abort();
    key_words(key, &o->tb.phys_pc, &o->tb.pc, &o->tb.flags);
    o->tb.hash = tbht_hash(o->tb.phys_pc, o->tb.pc, o->tb.flags);
    cds_lfht_node_init(&o->node);
    return o;
}

static void bobj_free_rcu(struct rcu_head *h)
{
    free(container_of(h, struct bobj, rcu));
}

static bool key_eq(const struct tb *a, const struct tb *b)
{
    return a->phys_pc == b->phys_pc && a->pc == b->pc && a->flags == b->flags;
}

/* ---- tbht ---------------------------------------------------------------- */
static void *t_create(size_t keys) { return tbht_new(1024); }

static struct tb *t_find(void *t, uint64_t key)
{
    uint64_t phys, pc;
    uint32_t flags;

    key_words(key, &phys, &pc, &flags);
    return tbht_lookup(t, phys, pc, flags, tbht_hash(phys, pc, flags));
}

static bool t_lookup(void *t, uint64_t key) { return t_find(t, key) != NULL; }

static void t_update(void *t, uint64_t key)
{
    struct tb *tb = t_find(t, key);

    if (tb) {
        if (tbht_remove(t, tb))
            loom_rcu_call(&((struct bobj *)tb)->rcu, bobj_free_rcu);
        return;
    }
    struct bobj *o = bobj_new(key);
    if (tbht_insert(t, &o->tb) != &o->tb)
        free(o);                                /* never published */
}

static void t_collect(struct tb *tb, void *arg)
{
    struct bobj ***p = arg;

    *(*p)++ = (struct bobj *)tb;
}

static void t_destroy(void *t)
{
    size_t n = tbht_count(t);
    struct bobj **v = calloc(n + 1, sizeof(*v)), **p = v;

    tbht_foreach(t, t_collect, &p);
    tbht_reset(t);
    for (struct bobj **q = v; q < p; q++)
        free(*q);
    free(v);
    loom_rcu_barrier();
    tbht_destroy(t);
}

/* ---- cds_lfht (QSBR) ----------------------------------------------------- */
static int l_match(struct cds_lfht_node *node, const void *key)
{
    return key_eq(&container_of(node, struct bobj, node)->tb, key);
}

static void *l_create(size_t keys)
{
    return cds_lfht_new(1024, 1024, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
}

static struct cds_lfht_node *l_find(void *t, uint64_t key)
{
    struct tb k;
    struct cds_lfht_iter it;

    key_words(key, &k.phys_pc, &k.pc, &k.flags);
    cds_lfht_lookup(t, tbht_hash(k.phys_pc, k.pc, k.flags), l_match, &k, &it);
    return cds_lfht_iter_get_node(&it);
}

static bool l_lookup(void *t, uint64_t key) { return l_find(t, key) != NULL; }

static void l_update(void *t, uint64_t key)
{
    struct cds_lfht_node *n = l_find(t, key);

    if (n) {
        if (cds_lfht_del(t, n) == 0)
            loom_rcu_call(&container_of(n, struct bobj, node)->rcu, bobj_free_rcu);
        return;
    }
    struct bobj *o = bobj_new(key);
    if (cds_lfht_add_unique(t, o->tb.hash, l_match, &o->tb, &o->node) != &o->node)
        free(o);
}

static void l_destroy(void *t)
{
    struct cds_lfht_iter it;
    struct cds_lfht_node *n;

    cds_lfht_for_each(t, &it, n) {
        if (cds_lfht_del(t, n) == 0)
            loom_rcu_call(&container_of(n, struct bobj, node)->rcu, bobj_free_rcu);
    }
    loom_rcu_barrier();
    /* The resize worker may be inside synchronize_rcu: waiting for it
     * while online would wait for ourselves (R3). */
    loom_rcu_offline();
    if (cds_lfht_destroy(t, NULL))
        fprintf(stderr, "tbht-bench: cds_lfht_destroy failed\n");
    loom_rcu_online();
}

/* ---- ck_hs behind a writer mutex ----------------------------------------- */
struct ckt {
    ck_hs_t hs;
    pthread_mutex_t wlock;
};

/* ck_hs frees its old arrays with defer=true: readers may still use them,
 * so defer through RCU.  Each block carries an rcu_head in front. */
struct ck_blk {
    struct rcu_head rcu;
    max_align_t data[];
};

static void *ck_m(size_t n)
{
    struct ck_blk *b = malloc(sizeof(*b) + n);

    return b ? b->data : NULL;
}

static void ck_blk_free_rcu(struct rcu_head *h)
{
    free(container_of(h, struct ck_blk, rcu));
}

static void ck_f(void *p, size_t n, bool defer)
{
    struct ck_blk *b = container_of((max_align_t *)p, struct ck_blk, data[0]);

    if (defer)
        loom_rcu_call(&b->rcu, ck_blk_free_rcu);
    else
        free(b);
}

static void *ck_r(void *p, size_t old, size_t n, bool defer)
{
    void *q = ck_m(n);

    if (q) {
        memcpy(q, p, old < n ? old : n);
        ck_f(p, old, defer);
    }
    return q;
}

static struct ck_malloc ck_alloc = { ck_m, ck_r, ck_f };

static unsigned long c_hash(const void *o, unsigned long seed)
{
    return ((const struct tb *)o)->hash;
}

static bool c_cmp(const void *a, const void *b) { return key_eq(a, b); }

static void *c_create(size_t keys)
{
    struct ckt *c = calloc(1, sizeof(*c));

    if (!c || !ck_hs_init(&c->hs, CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT, c_hash, c_cmp,
                          &ck_alloc, 1024, 6602834))
        abort();
    pthread_mutex_init(&c->wlock, NULL);
    return c;
}

static void *c_find(struct ckt *c, uint64_t key)
{
    struct tb k;

    key_words(key, &k.phys_pc, &k.pc, &k.flags);
    k.hash = tbht_hash(k.phys_pc, k.pc, k.flags);
    return ck_hs_get(&c->hs, k.hash, &k);
}

static bool c_lookup(void *t, uint64_t key) { return c_find(t, key) != NULL; }

static void c_update(void *t, uint64_t key)
{
    struct ckt *c = t;
    struct bobj *o, *n = NULL;

    pthread_mutex_lock(&c->wlock);
    o = c_find(c, key);
    if (o) {
        ck_hs_remove(&c->hs, o->tb.hash, o);
    } else {
        n = bobj_new(key);
        if (!ck_hs_put(&c->hs, n->tb.hash, n))
            abort();
    }
    pthread_mutex_unlock(&c->wlock);
    if (o)
        loom_rcu_call(&o->rcu, bobj_free_rcu);
}

static void c_destroy(void *t)
{
    struct ckt *c = t;
    ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
    void *o;

    while (ck_hs_next(&c->hs, &it, &o))
        free(o);
    loom_rcu_barrier();
    ck_hs_destroy(&c->hs);
    loom_rcu_barrier();
    pthread_mutex_destroy(&c->wlock);
    free(c);
}

static const struct impl impls[] = {
    { "tbht", t_create, t_destroy, t_lookup, t_update },
    { "lfht", l_create, l_destroy, l_lookup, l_update },
    { "ck_hs", c_create, c_destroy, c_lookup, c_update },
};

/* ---- driver -------------------------------------------------------------- */
struct worker {
    pthread_t id;
    uint64_t rng;
    unsigned long ops;
    const struct impl *im;
    void *t;
} CACHE_ALIGNED;

static struct {
    unsigned duration_ms, max_threads;
    uint64_t n_keys;
    unsigned update_pct;
    pthread_barrier_t start;
    _Atomic bool stop;
} B = { .duration_ms = 300, .n_keys = 1 << 16 };

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    unsigned long ops = 0;
    uint64_t thresh = (uint64_t)B.update_pct * 0x10000 / 100;

    loom_rcu_register();
    loom_rcu_offline();
    pthread_barrier_wait(&B.start);
    loom_rcu_online();
    while (!atomic_load_explicit(&B.stop, memory_order_relaxed)) {
        for (int i = 0; i < 32; i++) {
            uint64_t r = rnd(&w->rng);
            uint64_t key = (r >> 16) % B.n_keys;

            if ((r & 0xffff) < thresh)
                w->im->update(w->t, key);
            else
                (void)w->im->lookup(w->t, key);
        }
        ops += 32;
        loom_rcu_quiescent();
    }
    w->ops = ops;
    loom_rcu_unregister();
    return NULL;
}

static double run_cell(const struct impl *im, unsigned n_threads)
{
    void *t = im->create(B.n_keys);
    struct worker *w = aligned_alloc(LOOM_CACHELINE, ROUND_UP(n_threads * sizeof(*w),
                                                               LOOM_CACHELINE));
    uint64_t seed = 42;
    struct timespec t0, t1;
    unsigned long ops = 0;

    for (uint64_t k = 0; k < B.n_keys; k++)         /* about half present */
        if (rnd(&seed) & 1)
            im->update(t, k);
    memset(w, 0, n_threads * sizeof(*w));
    atomic_store(&B.stop, false);
    pthread_barrier_init(&B.start, NULL, n_threads + 1);
    for (unsigned i = 0; i < n_threads; i++) {
        w[i].rng = 0x9e3779b97f4a7c15ull * (i + 1);
        w[i].im = im;
        w[i].t = t;
        pthread_create(&w[i].id, NULL, worker_main, &w[i]);
    }
    loom_rcu_offline();                         /* main sleeps: not a reader */
    pthread_barrier_wait(&B.start);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct timespec d = { B.duration_ms / 1000, (long)(B.duration_ms % 1000) * 1000000 };
    nanosleep(&d, NULL);
    atomic_store(&B.stop, true);
    for (unsigned i = 0; i < n_threads; i++) {
        pthread_join(w[i].id, NULL);
        ops += w[i].ops;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    loom_rcu_online();
    pthread_barrier_destroy(&B.start);
    im->destroy(t);
    free(w);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    return ops / s;
}

int main(int argc, char **argv)
{
    const char *rates = "0,1,10,50";
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    B.max_threads = ncpu > 0 ? (unsigned)ncpu : 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--duration")) B.duration_ms = strtoul(argv[i + 1], NULL, 0);
        else if (!strcmp(argv[i], "--threads")) B.max_threads = strtoul(argv[i + 1], NULL, 0);
        else if (!strcmp(argv[i], "--keys")) B.n_keys = strtoull(argv[i + 1], NULL, 0);
        else if (!strcmp(argv[i], "--rates")) rates = argv[i + 1];
        else {
            fprintf(stderr, "usage: tbht-bench [--duration MS] [--threads T] "
                    "[--keys K] [--rates 0,1,10,50]\n");
            return 2;
        }
    }
    if (argc % 2 == 0 || !B.max_threads || !B.n_keys) {
        fprintf(stderr, "tbht-bench: bad arguments\n");
        return 2;
    }
    loom_rcu_register();
    printf("tbht-bench: %u ms per cell, %" PRIu64 " keys (half present), Mops/s\n",
           B.duration_ms, B.n_keys);
    printf("%7s %7s %10s %10s %10s %14s\n", "update%", "threads", "tbht", "lfht",
           "ck_hs", "tbht/best-base");
    for (const char *r = rates; *r;) {
        char *end;
        B.update_pct = strtoul(r, &end, 10);
        for (unsigned n = 1;; n = n * 2 > B.max_threads && n < B.max_threads
                                   ? B.max_threads : n * 2) {
            double v[ARRAY_SIZE(impls)];

            for (size_t i = 0; i < ARRAY_SIZE(impls); i++)
                v[i] = run_cell(&impls[i], n) / 1e6;
            double best = v[1] > v[2] ? v[1] : v[2];
            printf("%7u %7u %10.2f %10.2f %10.2f %14.2f\n", B.update_pct, n,
                   v[0], v[1], v[2], best > 0 ? v[0] / best : 0.0);
            fflush(stdout);
            if (n >= B.max_threads)
                break;
        }
        r = *end == ',' ? end + 1 : end;
    }
    loom_rcu_unregister();
    return 0;
}
