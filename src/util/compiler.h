/*
 * compiler.h — small portable-GCC helpers shared by every folder.
 *
 * Atomics vocabulary (project-wide choice, see docs/concurrency.md): C11
 * <stdatomic.h> with explicit memory orders for Loom's own shared fields;
 * loom_rcu_dereference / loom_rcu_assign_pointer (src/rcu/rcu.h: an acquire
 * load and a release store, visible to ThreadSanitizer) for RCU-published
 * pointers; CK's fetch-and-store spinlock through util/spinlock.h for
 * writer locks.  Never two vocabularies on one object.
 */
#ifndef LOOM_UTIL_COMPILER_H
#define LOOM_UTIL_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

#define LOOM_CACHELINE 64
#define CACHE_ALIGNED __attribute__((aligned(LOOM_CACHELINE)))
#define NORETURN __attribute__((noreturn))
#define WARN_UNUSED __attribute__((warn_unused_result))
#define PRINTF_FMT(a, b) __attribute__((format(printf, a, b)))
#define UNUSED __attribute__((unused))

/* Host return address of the current function: what a helper called from
 * generated code passes to the unwinder (DESIGN.md §4.8). */
#define GETPC() ((uintptr_t)__builtin_return_address(0))

#define ROUND_UP(n, a)   (((n) + (a) - 1) & ~((__typeof__(n))(a) - 1))
#define ROUND_DOWN(n, a) ((n) & ~((__typeof__(n))(a) - 1))
#define IS_POW2(n)       ((n) != 0 && ((n) & ((n) - 1)) == 0)

static inline int64_t sextract64(uint64_t v, unsigned pos, unsigned len)
{
    return (int64_t)(v << (64 - len - pos)) >> (64 - len);
}
static inline uint64_t extract64(uint64_t v, unsigned pos, unsigned len)
{
    return (v >> pos) & (~0ULL >> (64 - len));
}
static inline uint32_t extract32(uint32_t v, unsigned pos, unsigned len)
{
    return (v >> pos) & (~0U >> (32 - len));
}
static inline int32_t sextract32(uint32_t v, unsigned pos, unsigned len)
{
    return (int32_t)(v << (32 - len - pos)) >> (32 - len);
}

/* Debug asserts for the numbered invariants of docs/concurrency.md.
 * INV_ASSERT(T3, cond) aborts with "invariant T3 violated: cond (file:line
 * function)" on stderr, the line tests and tests/mutants match on.  Like
 * assert() they are compiled out under NDEBUG and stay on in debug and CI
 * builds (b_ndebug=false). */
#include <assert.h>
#ifdef NDEBUG
#define INV_ASSERT(id, cond) ((void)0)
#else
#include <stdio.h>
#include <stdlib.h>
NORETURN __attribute__((cold)) static inline void
loom_inv_fail(const char *id, const char *cond, const char *file, int line,
              const char *func)
{
    fprintf(stderr, "loom: invariant %s violated: %s (%s:%d %s)\n", id, cond,
            file, line, func);
    abort();
}
#define INV_ASSERT(id, cond) \
    (likely(cond) ? (void)0 : loom_inv_fail(#id, #cond, __FILE__, __LINE__, __func__))
#endif

#endif
