/*
 * tbht.c — the shared TB hash table: (phys_pc, pc, flags) → struct tb.
 *
 * Design follows the idea of QEMU's qht (itself after CLHT, David et al.,
 * "Asynchronized Concurrency", ASPLOS'15): cache-line buckets holding full
 * hashes, per-bucket writer locks, lock-free readers validated by a
 * sequence counter, and RCU to swap whole maps on resize.
 *
 * Assumptions
 *   - Every caller of lookup/insert/remove/count/resize is a registered,
 *     online QSBR reader (src/rcu) and does not pass a quiescent state during
 *     the call; the map it loaded stays allocated until then (R1).
 *   - A TB's key and hash are written before tbht_insert and never change
 *     while it is in the table; TB memory is not reused until every reader
 *     that may hold it has passed a quiescent state (TBs are only reclaimed
 *     by a full flush, in exclusive context).
 *   - NULL is never stored; a NULL pointer slot marks the end of a chain.
 *
 * Features (which operations may run concurrently with which)
 *   - lookup   ‖ everything.  Never writes shared memory, takes no lock (T1).
 *   - insert, remove ‖ each other on any bucket (serialised per head bucket)
 *     and ‖ resize/reset (they retry on the new map, T6).
 *   - resize, reset ‖ lookup/insert/remove; resizers serialise on
 *     resize_lock.
 *   - count    ‖ everything (approximate).
 *   - foreach  needs the table quiescent (no writers); fn must not modify it.
 *
 * Bucket layout (one 64-byte cache line, asserted at build time, T7)
 *     lock (4) | seq (4) | hashes[4] (16) | ptrs[4] (32) | next (8)
 *   Only the head bucket's lock and seq are used: they cover the whole
 *   overflow chain.  Entries of a chain are compact (T4): the valid pointers
 *   form a prefix in chain order, so scans stop at the first NULL and
 *   remove moves the chain's last entry into the hole.  Overflow buckets are
 *   never freed before their map is (readers may be walking them).
 *
 * Reader protocol (seqlock): load head->seq (acquire); if odd, a writer is
 *   active → slow path.  Scan the chain with acquire loads of every hash,
 *   pointer and next.  Reload seq: equal → the scan saw one consistent state;
 *   else retry.  No fences: because every data load is an acquire, the seq
 *   reload cannot move before them; because every data store in a write
 *   section is a release store that follows the odd seq store, a reader that
 *   sees any new datum also sees seq changed.  (All of it is plain MOV on
 *   x86-64, and every edge is visible to ThreadSanitizer.)
 *
 * Writer protocol: lock the head (CK fetch-and-store spinlock),
 *   check the map is not stale (T6), seq++ (odd), release stores, seq++
 *   (even, release), unlock (release).
 *
 * Resize protocol (tbht_do_resize__locked, resize_lock held)
 *   1. allocate and fill nothing yet in a private new map;
 *   2. lock every head bucket of the old map, in index order;
 *   3. copy every entry (hash kept, never recomputed) into the new map;
 *   4. set old->stale, then publish the new map with a release store
 *      (loom_rcu_assign_pointer) — LP(resize);
 *   5. unlock the old buckets: a writer that was waiting sees stale, drops
 *      the lock, waits on resize_lock and retries on the new map;
 *   6. free the old map with loom_rcu_call: readers still scanning it see a
 *      frozen, consistent snapshot until their next quiescent state.
 *   Growth is automatic: when the overflow buckets of a map exceed
 *   n_buckets/8, the inserter that crossed the line try-locks resize_lock
 *   and doubles the map (never shrinks; reset returns to the initial size).
 *
 * Lock order: resize_lock → head bucket locks in increasing index order.
 *   Outside a resize a thread holds at most one bucket lock and never waits
 *   for resize_lock while holding one.
 *
 * Progress: lookup takes no lock and writes nothing; it retries when a
 *   writer changed the same chain during the scan, and spins while a writer
 *   is inside its write section (a handful of stores) — so a writer
 *   preempted mid-section delays readers of that one chain (as in any
 *   seqlock).  Insert/remove block (spinlock) only against writers of the
 *   same chain or a resize; resize blocks.
 *
 * Atomics vocabulary: C11 <stdatomic.h> on every field of the table and on
 *   the sequence counter, loom_rcu_dereference/assign on ht->map, and CK's
 *   fetch-and-store spinlock for writers through util/spinlock.h, which
 *   substitutes an equivalent C11 lock only in ThreadSanitizer builds (CK's
 *   fence-plus-volatile-store unlock is invisible to TSan).  The sequence
 *   counter is our own rather than ck_sequence for the same reason: its
 *   write-end is a fence plus a store.
 *
 * Invariants (docs/concurrency.md): T1 readers write nothing; T2 the table
 *   is a linearizable set keyed by (phys_pc, pc, flags), first insert wins;
 *   T3 publication; T4 compact chains; T5 stored hash == tb->hash; T6 no
 *   write to a stale map; T7 bucket = one cache line.  Checked by
 *   tests/stress/tbht-torture.c (T2.1–T2.5) and INV_ASSERT below.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "rcu/rcu.h"
#include "tbht/tbht.h"
#include "util/error.h"
#include "util/compiler.h"
#include "util/spinlock.h"

#define TBHT_ENTRIES 4
/* Grow when overflow buckets exceed n_buckets / TBHT_GROW_DIV. */
#define TBHT_GROW_DIV 8
#define TBHT_MIN_BUCKETS 4

struct tbht_bucket {
    loom_spin_t lock;                   /* head only: writers' lock */
    _Atomic uint32_t seq;               /* head only: odd while writing */
    _Atomic uint32_t hashes[TBHT_ENTRIES];
    struct tb *_Atomic ptrs[TBHT_ENTRIES];
    struct tbht_bucket *_Atomic next;   /* overflow chain */
} CACHE_ALIGNED;

/* INV(T7): a bucket is exactly one cache line. */
_Static_assert(sizeof(struct tbht_bucket) == LOOM_CACHELINE,
               "tbht bucket must be one cache line");

struct tbht_map {
    struct rcu_head rcu;
    size_t n_buckets;                   /* power of two, immutable */
    size_t grow_threshold;              /* immutable */
    _Atomic size_t n_added;             /* overflow buckets, relaxed */
    _Atomic bool stale;                 /* written under all bucket locks */
    struct tbht_bucket *buckets;        /* immutable pointer */
};

struct tbht {
    /* Written only under resize_lock with loom_rcu_assign_pointer; read
     * with loom_rcu_dereference. */
    struct tbht_map *map;
    pthread_mutex_t resize_lock;
    size_t init_buckets;                /* immutable */
    /* Resizes that copied the table (stats): written under resize_lock,
     * read relaxed by anyone. */
    _Atomic unsigned long resizes;
};

/* ---- hash ---------------------------------------------------------------
 * tbht_hash: Loom's own 3-word mix.  Each word is multiplied by an odd
 * constant (spreads low bits upward), xored into the accumulator, rotated
 * (brings the high product bits back down) and multiplied again.  The
 * finaliser is an xorshift-multiply avalanche; the result folds the two
 * 32-bit halves so the table index (low bits) depends on every input bit.
 * The constants are random odd 64-bit numbers; tests/unit/tbht checks
 * avalanche (≈16 of 32 bits flip per input bit) and bucket spread on
 * TB-shaped keys. */
#define TBHT_K1 0x86dc283cf0480ff9ull
#define TBHT_K2 0xc7eaa0992cb6916dull
#define TBHT_K3 0xca118783593942a5ull

static inline uint64_t tbht_rotl(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t tbht_lane(uint64_t acc, uint64_t v)
{
    acc ^= v * TBHT_K1;
    acc = tbht_rotl(acc, 29);
    return acc * TBHT_K2;
}

uint32_t tbht_hash(uint64_t phys_pc, uint64_t pc, uint32_t flags)
{
    uint64_t h = TBHT_K3;

    h = tbht_lane(h, phys_pc);
    h = tbht_lane(h, pc);
    h = tbht_lane(h, flags);
    h ^= h >> 31;
    h *= TBHT_K3;
    h ^= h >> 29;
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

/* ---- locks --------------------------------------------------------------
 * The writer lock is CK's fetch-and-store spinlock (util/spinlock.h; a
 * C11 twin under ThreadSanitizer, see there).  Buckets come from calloc:
 * an all-zero loom_spin_t is unlocked in both variants. */
static inline void tbht_cpu_relax(void)
{
    __builtin_ia32_pause();
}

static void tbht_lock(struct tbht_bucket *head)
{
    loom_spin_lock(&head->lock);     /* acquire: pairs with tbht_unlock */
}

static void tbht_unlock(struct tbht_bucket *head)
{
    loom_spin_unlock(&head->lock);   /* release: pairs with tbht_lock */
}

static void tbht_write_begin(struct tbht_bucket *head)
{
    uint32_t s = atomic_load_explicit(&head->seq, memory_order_relaxed);

    /* Relaxed is enough: every data store of the section is a release
     * store, which orders this odd value before it (see file header). */
    atomic_store_explicit(&head->seq, s + 1, memory_order_relaxed);
}

static void tbht_write_end(struct tbht_bucket *head)
{
    uint32_t s = atomic_load_explicit(&head->seq, memory_order_relaxed);

    /* PAIRS: with the acquire load of seq in tbht_lookup. */
    atomic_store_explicit(&head->seq, s + 1, memory_order_release);
}

/* ---- maps --------------------------------------------------------------- */
static size_t tbht_pow2ceil(size_t n)
{
    size_t p = 1;

    while (p < n)
        p <<= 1;
    return p;
}

static struct tbht_bucket *tbht_bucket_alloc(size_t n)
{
    struct tbht_bucket *b = aligned_alloc(LOOM_CACHELINE, n * sizeof(*b));

    if (!b)
        loom_resource_error("out of memory for the TB hash table");
    memset(b, 0, n * sizeof(*b));
    return b;
}

static struct tbht_map *tbht_map_new(size_t n_buckets)
{
    struct tbht_map *map = calloc(1, sizeof(*map));

    if (!map)
        loom_resource_error("out of memory for the TB hash table");
    map->n_buckets = n_buckets;
    map->grow_threshold = n_buckets / TBHT_GROW_DIV ? n_buckets / TBHT_GROW_DIV : 1;
    map->buckets = tbht_bucket_alloc(n_buckets);
    return map;
}

static void tbht_map_free(struct tbht_map *map)
{
    for (size_t i = 0; i < map->n_buckets; i++) {
        struct tbht_bucket *b = atomic_load_explicit(&map->buckets[i].next,
                                                     memory_order_relaxed);
        while (b) {
            struct tbht_bucket *n = atomic_load_explicit(&b->next,
                                                         memory_order_relaxed);
            free(b);
            b = n;
        }
    }
    free(map->buckets);
    free(map);
}

static void tbht_map_free_rcu(struct rcu_head *head)
{
    struct tbht_map *map = container_of(head, struct tbht_map, rcu);
    /* INV(R1): only a replaced map is handed to RCU: it was marked stale
     * under all its bucket locks before the new map was published, so no
     * reader that starts after the grace period can reach it. */
    INV_ASSERT(R1, atomic_load_explicit(&map->stale, memory_order_relaxed));
    tbht_map_free(map);
}

static inline struct tbht_bucket *tbht_head(struct tbht_map *map, uint32_t hash)
{
    return &map->buckets[hash & (map->n_buckets - 1)];
}

static inline bool tbht_key_eq(const struct tb *tb, uint64_t phys_pc,
                               uint64_t pc, uint32_t flags)
{
    return tb->phys_pc == phys_pc && tb->pc == pc && tb->flags == flags;
}

/* Debug check of a chain, head lock held: INV(T4) compact, INV(T5) hash. */
static void tbht_check_chain__locked(struct tbht_bucket *head)
{
#ifndef NDEBUG
    bool ended = false;

    for (struct tbht_bucket *b = head; b;
         b = atomic_load_explicit(&b->next, memory_order_relaxed)) {
        for (int i = 0; i < TBHT_ENTRIES; i++) {
            struct tb *p = atomic_load_explicit(&b->ptrs[i], memory_order_relaxed);
            INV_ASSERT(T4, !(ended && p));
            if (!p) {
                ended = true;
                continue;
            }
            INV_ASSERT(T5, atomic_load_explicit(&b->hashes[i], memory_order_relaxed)
                           == p->hash);
        }
    }
#else
    (void)head;
#endif
}

/* ---- lookup ------------------------------------------------------------- */
/* Written only before any lookup runs (tbht.h): a plain global. */
void (*tbht_debug_scan_hook)(void);

static struct tb *tbht_scan(struct tbht_bucket *head, uint64_t phys_pc,
                            uint64_t pc, uint32_t flags, uint32_t hash)
{
    for (struct tbht_bucket *b = head; b;
         /* PAIRS: with the release store linking a new overflow bucket. */
         b = atomic_load_explicit(&b->next, memory_order_acquire)) {
        for (int i = 0; i < TBHT_ENTRIES; i++) {
            /* PAIRS: with the release stores of hashes/ptrs in write
             * sections; the acquire on ptrs also gives INV(T3): the TB's
             * fields are visible once its pointer is. */
            uint32_t h = atomic_load_explicit(&b->hashes[i], memory_order_acquire);
            struct tb *p = atomic_load_explicit(&b->ptrs[i], memory_order_acquire);

#ifndef NDEBUG
            if (unlikely(tbht_debug_scan_hook))
                tbht_debug_scan_hook();  /* tests: a forced interleaving */
#endif
            if (!p)
                return NULL;            /* INV(T4): end of the chain */
            if (h == hash && tbht_key_eq(p, phys_pc, pc, flags))
                return p;
        }
    }
    return NULL;
}

static __attribute__((noinline)) struct tb *
tbht_lookup__slowpath(struct tbht_bucket *head, uint64_t phys_pc, uint64_t pc,
                      uint32_t flags, uint32_t hash)
{
    for (;;) {
        /* PAIRS: with the release store in tbht_write_end. */
        uint32_t s = atomic_load_explicit(&head->seq, memory_order_acquire);
        struct tb *tb;

        if (s & 1) {
            tbht_cpu_relax();
            continue;
        }
        tb = tbht_scan(head, phys_pc, pc, flags, hash);
        /* Ordered after the scan by its acquire loads (file header). */
        if (atomic_load_explicit(&head->seq, memory_order_relaxed) == s)
            return tb;
    }
}

struct tb *tbht_lookup(struct tbht *ht, uint64_t phys_pc, uint64_t pc,
                       uint32_t flags, uint32_t hash)
{
    /* INV(R4). PAIRS: with loom_rcu_assign_pointer in tbht_do_resize__locked. */
    struct tbht_map *map = loom_rcu_dereference(ht->map);
    struct tbht_bucket *head = tbht_head(map, hash);
    /* PAIRS: with the release store in tbht_write_end. */
    uint32_t s = atomic_load_explicit(&head->seq, memory_order_acquire);

    /* INV(T1): nothing below stores to shared memory. */
    if (likely(!(s & 1))) {
        struct tb *tb = tbht_scan(head, phys_pc, pc, flags, hash);

        /* LP(lookup): the seq reload that validates the scan. */
        if (likely(atomic_load_explicit(&head->seq, memory_order_relaxed) == s))
            return tb;
    }
    return tbht_lookup__slowpath(head, phys_pc, pc, flags, hash);
}

/* ---- writers ------------------------------------------------------------ */

/* Lock the head bucket for hash in the current map; returns it and the map.
 * INV(T6): the returned head belongs to a map that is not stale, and stays
 * so while the lock is held (resize needs this lock to mark it). */
static struct tbht_bucket *tbht_lock_head(struct tbht *ht, uint32_t hash,
                                          struct tbht_map **mapp)
{
    for (;;) {
        struct tbht_map *map = loom_rcu_dereference(ht->map);
        struct tbht_bucket *head = tbht_head(map, hash);

        tbht_lock(head);
        /* Relaxed: stale is written under this lock (acquired above). */
        if (likely(!atomic_load_explicit(&map->stale, memory_order_relaxed))) {
            *mapp = map;
            return head;
        }
        tbht_unlock(head);
        /* A resize is publishing a new map: wait for it to finish. */
        pthread_mutex_lock(&ht->resize_lock);
        pthread_mutex_unlock(&ht->resize_lock);
    }
}

/* Insert into a chain, head lock held.  Returns the twin or tb; sets
 * *added when an overflow bucket was allocated. */
static struct tb *tbht_insert__locked(struct tbht_bucket *head, struct tb *tb,
                                      bool *added)
{
    struct tbht_bucket *b = head, *last = head;

    *added = false;
    for (; b; last = b, b = atomic_load_explicit(&b->next, memory_order_relaxed)) {
        for (int i = 0; i < TBHT_ENTRIES; i++) {
            struct tb *p = atomic_load_explicit(&b->ptrs[i], memory_order_relaxed);

            if (!p) {
                /* INV(T4): first free slot is the end; no twin beyond. */
                tbht_write_begin(head);
                /* PAIRS: with the acquire loads in tbht_scan. */
                atomic_store_explicit(&b->hashes[i], tb->hash, memory_order_release);
                /* LP(insert): this release store makes tb reachable;
                 * INV(T3): tb was fully written before it. */
                atomic_store_explicit(&b->ptrs[i], tb, memory_order_release);
                tbht_write_end(head);
                return tb;
            }
            if (atomic_load_explicit(&b->hashes[i], memory_order_relaxed) == tb->hash
                && tbht_key_eq(p, tb->phys_pc, tb->pc, tb->flags))
                return p;               /* LP(insert fails): twin found */
        }
    }
    /* Chain full: a private bucket, filled before it is linked. */
    b = tbht_bucket_alloc(1);
    atomic_store_explicit(&b->hashes[0], tb->hash, memory_order_relaxed);
    atomic_store_explicit(&b->ptrs[0], tb, memory_order_relaxed);
    tbht_write_begin(head);
    /* LP(insert): the release store linking the bucket (INV(T3)).
     * PAIRS: with the acquire load of next in tbht_scan. */
    atomic_store_explicit(&last->next, b, memory_order_release);
    tbht_write_end(head);
    *added = true;
    return tb;
}

static void tbht_grow_maybe(struct tbht *ht, struct tbht_map *map);

struct tb *tbht_insert(struct tbht *ht, struct tb *tb)
{
    struct tbht_map *map;
    struct tbht_bucket *head;
    struct tb *ret;
    bool added;

    INV_ASSERT(T5, tb->hash == tbht_hash(tb->phys_pc, tb->pc, tb->flags));
    head = tbht_lock_head(ht, tb->hash, &map);
    ret = tbht_insert__locked(head, tb, &added);
    tbht_check_chain__locked(head);
    tbht_unlock(head);
    if (added && atomic_fetch_add_explicit(&map->n_added, 1, memory_order_relaxed)
                 + 1 > map->grow_threshold)
        tbht_grow_maybe(ht, map);
    return ret;
}

bool tbht_remove(struct tbht *ht, struct tb *tb)
{
    struct tbht_map *map;
    struct tbht_bucket *head = tbht_lock_head(ht, tb->hash, &map);
    struct tbht_bucket *hole_b = NULL, *last_b = NULL;
    int hole_i = -1, last_i = -1;

    for (struct tbht_bucket *b = head; b;
         b = atomic_load_explicit(&b->next, memory_order_relaxed)) {
        for (int i = 0; i < TBHT_ENTRIES; i++) {
            struct tb *p = atomic_load_explicit(&b->ptrs[i], memory_order_relaxed);

            if (!p)
                goto scanned;
            if (p == tb) {
                hole_b = b;
                hole_i = i;
            }
            last_b = b;
            last_i = i;
        }
    }
scanned:
    if (!hole_b) {
        tbht_unlock(head);
        return false;
    }
    tbht_write_begin(head);
    if (hole_b != last_b || hole_i != last_i) {
        /* INV(T4): keep the chain compact by moving the last entry in. */
        uint32_t h = atomic_load_explicit(&last_b->hashes[last_i], memory_order_relaxed);
        struct tb *p = atomic_load_explicit(&last_b->ptrs[last_i], memory_order_relaxed);

        /* PAIRS: with the acquire loads in tbht_scan. */
        atomic_store_explicit(&hole_b->hashes[hole_i], h, memory_order_release);
        /* LP(remove) when moving: tb is overwritten here. */
        atomic_store_explicit(&hole_b->ptrs[hole_i], p, memory_order_release);
    }
    /* LP(remove) otherwise.  PAIRS: with the acquire loads in tbht_scan. */
    atomic_store_explicit(&last_b->ptrs[last_i], NULL, memory_order_release);
    atomic_store_explicit(&last_b->hashes[last_i], 0, memory_order_release);
    tbht_write_end(head);
    tbht_check_chain__locked(head);
    tbht_unlock(head);
    return true;
}

/* ---- resize / reset ----------------------------------------------------- */

/* Private insert into an unpublished map: no locks, no seq. */
static void tbht_map_add_private(struct tbht_map *map, uint32_t hash, struct tb *tb)
{
    struct tbht_bucket *b = tbht_head(map, hash), *last = b;

    for (; b; last = b, b = atomic_load_explicit(&b->next, memory_order_relaxed)) {
        for (int i = 0; i < TBHT_ENTRIES; i++) {
            if (!atomic_load_explicit(&b->ptrs[i], memory_order_relaxed)) {
                atomic_store_explicit(&b->hashes[i], hash, memory_order_relaxed);
                atomic_store_explicit(&b->ptrs[i], tb, memory_order_relaxed);
                return;
            }
        }
    }
    b = tbht_bucket_alloc(1);
    atomic_store_explicit(&b->hashes[0], hash, memory_order_relaxed);
    atomic_store_explicit(&b->ptrs[0], tb, memory_order_relaxed);
    atomic_store_explicit(&last->next, b, memory_order_relaxed);
    atomic_fetch_add_explicit(&map->n_added, 1, memory_order_relaxed);
}

/* Replace the map by one of n_buckets, copying entries if copy.
 * Caller holds resize_lock and is an online RCU reader. */
static void tbht_do_resize__locked(struct tbht *ht, size_t n_buckets, bool copy)
{
    /* resize_lock serialises all writers of ht->map: a plain load would do,
     * the dereference keeps one vocabulary on the field. */
    struct tbht_map *old = loom_rcu_dereference(ht->map);
    struct tbht_map *new = tbht_map_new(n_buckets);

    for (size_t i = 0; i < old->n_buckets; i++)
        tbht_lock(&old->buckets[i]);            /* lock order: index order */
    if (copy) {
        atomic_store_explicit(&ht->resizes, atomic_load_explicit(&ht->resizes,
                              memory_order_relaxed) + 1, memory_order_relaxed);
        for (size_t i = 0; i < old->n_buckets; i++) {
            for (struct tbht_bucket *b = &old->buckets[i]; b;
                 b = atomic_load_explicit(&b->next, memory_order_relaxed)) {
                for (int j = 0; j < TBHT_ENTRIES; j++) {
                    struct tb *p = atomic_load_explicit(&b->ptrs[j],
                                                        memory_order_relaxed);
                    if (!p)
                        break;
                    tbht_map_add_private(new,
                        atomic_load_explicit(&b->hashes[j], memory_order_relaxed), p);
                }
            }
        }
    }
    /* INV(T6): read by writers under the bucket locks we hold. */
    atomic_store_explicit(&old->stale, true, memory_order_relaxed);
    /* LP(resize).  PAIRS: with loom_rcu_dereference in lookup/lock_head;
     * the release publishes the new map's contents (INV(R4)). */
    loom_rcu_assign_pointer(ht->map, new);
    for (size_t i = 0; i < old->n_buckets; i++)
        tbht_unlock(&old->buckets[i]);
    /* INV(R1): readers may still scan old until their quiescent state. */
    loom_rcu_call(&old->rcu, tbht_map_free_rcu);
}

static void tbht_grow_maybe(struct tbht *ht, struct tbht_map *map)
{
    if (pthread_mutex_trylock(&ht->resize_lock))
        return;                         /* someone else is resizing */
    if (loom_rcu_dereference(ht->map) == map)
        tbht_do_resize__locked(ht, map->n_buckets * 2, true);
    pthread_mutex_unlock(&ht->resize_lock);
}

static size_t tbht_buckets_for(size_t n_elems)
{
    size_t n = tbht_pow2ceil((n_elems + TBHT_ENTRIES - 1) / TBHT_ENTRIES);

    return n < TBHT_MIN_BUCKETS ? TBHT_MIN_BUCKETS : n;
}

unsigned long tbht_resize_count(struct tbht *ht)
{
    return atomic_load_explicit(&ht->resizes, memory_order_relaxed);
}

bool tbht_resize(struct tbht *ht, size_t n_elems)
{
    size_t n = tbht_buckets_for(n_elems);
    bool done = false;

    pthread_mutex_lock(&ht->resize_lock);
    if (loom_rcu_dereference(ht->map)->n_buckets != n) {
        tbht_do_resize__locked(ht, n, true);
        done = true;
    }
    pthread_mutex_unlock(&ht->resize_lock);
    return done;
}

void tbht_reset(struct tbht *ht)
{
    pthread_mutex_lock(&ht->resize_lock);
    tbht_do_resize__locked(ht, ht->init_buckets, false);
    pthread_mutex_unlock(&ht->resize_lock);
}

/* ---- life cycle and iteration ------------------------------------------- */
struct tbht *tbht_new(size_t n_elems)
{
    struct tbht *ht = calloc(1, sizeof(*ht));

    if (!ht)
        loom_resource_error("out of memory for the TB hash table");
    pthread_mutex_init(&ht->resize_lock, NULL);
    ht->init_buckets = tbht_buckets_for(n_elems);
    ht->map = tbht_map_new(ht->init_buckets);
    return ht;
}

void tbht_destroy(struct tbht *ht)
{
    if (!ht)
        return;
    tbht_map_free(ht->map);
    pthread_mutex_destroy(&ht->resize_lock);
    free(ht);
}

uint64_t tbht_debug_checksum(struct tbht *ht)
{
    /* FNV-1a over every head and overflow bucket of the current map, in
     * chain order (tests: T1, lookups write nothing). */
    struct tbht_map *map = loom_rcu_dereference(ht->map);
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < map->n_buckets; i++) {
        for (struct tbht_bucket *b = &map->buckets[i]; b;
             b = atomic_load_explicit(&b->next, memory_order_acquire)) {
            /* Read through atomics: other threads may be looking up. */
            uint64_t words[2 * TBHT_ENTRIES + 2];
            unsigned n = 0;
            words[n++] = atomic_load_explicit(&b->seq, memory_order_relaxed);
            words[n++] = (uint64_t)loom_spin_locked(&b->lock);
            for (unsigned e = 0; e < TBHT_ENTRIES; e++) {
                words[n++] = atomic_load_explicit(&b->hashes[e], memory_order_relaxed);
                words[n++] = (uintptr_t)atomic_load_explicit(&b->ptrs[e],
                                                             memory_order_relaxed);
            }
            for (unsigned w = 0; w < n; w++)
                for (unsigned k = 0; k < 8; k++) {
                    h ^= (words[w] >> (8 * k)) & 0xff;
                    h *= 0x100000001b3ull;
                }
        }
    }
    return h;
}

size_t tbht_n_buckets(struct tbht *ht)
{
    return loom_rcu_dereference(ht->map)->n_buckets;
}

size_t tbht_count(struct tbht *ht)
{
    struct tbht_map *map = loom_rcu_dereference(ht->map);
    size_t n = 0;

    for (size_t i = 0; i < map->n_buckets; i++) {
        for (struct tbht_bucket *b = &map->buckets[i]; b;
             b = atomic_load_explicit(&b->next, memory_order_acquire)) {
            for (int j = 0; j < TBHT_ENTRIES; j++)
                n += atomic_load_explicit(&b->ptrs[j], memory_order_relaxed) != NULL;
        }
    }
    return n;
}

void tbht_foreach(struct tbht *ht, void (*fn)(struct tb *tb, void *arg), void *arg)
{
    struct tbht_map *map;

    pthread_mutex_lock(&ht->resize_lock);       /* no map swap meanwhile */
    map = loom_rcu_dereference(ht->map);
    for (size_t i = 0; i < map->n_buckets; i++) {
        for (struct tbht_bucket *b = &map->buckets[i]; b;
             b = atomic_load_explicit(&b->next, memory_order_acquire)) {
            for (int j = 0; j < TBHT_ENTRIES; j++) {
                struct tb *p = atomic_load_explicit(&b->ptrs[j], memory_order_acquire);
                if (!p)
                    break;
                fn(p, arg);
            }
        }
    }
    pthread_mutex_unlock(&ht->resize_lock);
}
