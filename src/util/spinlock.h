/*
 * spinlock.h — Loom's writer spinlock: Concurrency Kit's fetch-and-store
 * spinlock (DESIGN.md §4.2), with a ThreadSanitizer-visible twin.
 *
 * CK implements unlock as a compiler/CPU fence followed by a plain volatile
 * store (ck_pr inline assembly).  That is a correct release on x86-64, but
 * ThreadSanitizer does not model inline assembly or stand-alone fences, so
 * under -fsanitize=thread every access protected by a CK lock would be
 * reported as a race.  When the compiler builds with TSan
 * (__SANITIZE_THREAD__), this header therefore provides the same lock —
 * test-and-test-and-set, acquire on lock, release on unlock — with C11
 * atomics, which TSan understands.  The machine code is the same on x86-64
 * (xchg to lock, mov to unlock); only the vocabulary differs, and only in
 * the TSan build.  Both are 4 bytes (TB-hash buckets are one cache line).
 */
#ifndef LOOM_UTIL_SPINLOCK_H
#define LOOM_UTIL_SPINLOCK_H

#include <stdbool.h>

#if defined(__SANITIZE_THREAD__)
#include <stdatomic.h>
#include <stdint.h>

typedef struct { _Atomic uint32_t v; } loom_spin_t;
#define LOOM_SPIN_INIT { 0 }

static inline void loom_spin_init(loom_spin_t *l)
{
    atomic_init(&l->v, 0);
}

static inline bool loom_spin_trylock(loom_spin_t *l)
{
    /* PAIRS: with the release store in loom_spin_unlock. */
    return atomic_load_explicit(&l->v, memory_order_relaxed) == 0 &&
           atomic_exchange_explicit(&l->v, 1, memory_order_acquire) == 0;
}

static inline void loom_spin_lock(loom_spin_t *l)
{
    while (!loom_spin_trylock(l))
        while (atomic_load_explicit(&l->v, memory_order_relaxed))
            __builtin_ia32_pause();
}

static inline void loom_spin_unlock(loom_spin_t *l)
{
    /* PAIRS: with the acquire exchange in loom_spin_trylock. */
    atomic_store_explicit(&l->v, 0, memory_order_release);
}

static inline bool loom_spin_locked(loom_spin_t *l)
{
    return atomic_load_explicit(&l->v, memory_order_relaxed) != 0;
}

#else
#include <ck_spinlock.h>

typedef ck_spinlock_fas_t loom_spin_t;
#define LOOM_SPIN_INIT CK_SPINLOCK_FAS_INITIALIZER

/* ck_spinlock_fas_lock: fetch-and-store with acquire semantics (CK's lock
 * fence); ck_spinlock_fas_unlock: CK's unlock fence then a store — the
 * release that pairs with the next locker's acquire. */
static inline void loom_spin_init(loom_spin_t *l) { ck_spinlock_fas_init(l); }
static inline bool loom_spin_trylock(loom_spin_t *l) { return ck_spinlock_fas_trylock(l); }
static inline void loom_spin_lock(loom_spin_t *l) { ck_spinlock_fas_lock(l); }
static inline void loom_spin_unlock(loom_spin_t *l) { ck_spinlock_fas_unlock(l); }
static inline bool loom_spin_locked(loom_spin_t *l) { return ck_spinlock_fas_locked(l); }
#endif

_Static_assert(sizeof(loom_spin_t) == 4, "loom_spin_t must be 4 bytes");

#endif
