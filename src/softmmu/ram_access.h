/*
 * ram_access.h — how C code touches guest RAM.
 *
 * Guest RAM is shared by every hart by design: harts race on it exactly as
 * the guest program does (a hart rewriting code another hart translates, a
 * lock word spun on by several harts).  Generated code accesses it with
 * plain x86 moves; C code — slow paths, the translator's instruction fetch,
 * MMIO-less device models — must not use plain C accesses, which would be
 * data races (undefined behaviour in C11, and reported by ThreadSanitizer).
 * These accessors use relaxed atomics instead: the same mov instructions on
 * x86-64, and no ordering beyond what the guest's own fences request (those
 * are emitted separately, DESIGN.md §4.10).
 *
 * Aligned 1/2/4/8-byte accesses are single-copy atomic, as RVWMO requires
 * for aligned accesses; misaligned ones are performed byte by byte (RVWMO
 * gives misaligned accesses no atomicity guarantee).
 */
#ifndef LOOM_SOFTMMU_RAM_ACCESS_H
#define LOOM_SOFTMMU_RAM_ACCESS_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t ram_ld(const void *p, unsigned size)
{
    uintptr_t a = (uintptr_t)p;
    if ((a & (size - 1)) == 0) {
        switch (size) {
        case 1: return __atomic_load_n((const uint8_t *)p, __ATOMIC_RELAXED);
        case 2: return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
        case 4: return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
        case 8: return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
        }
    }
    uint64_t v = 0;                     /* little-endian, byte by byte */
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)__atomic_load_n((const uint8_t *)p + i,
                                       __ATOMIC_RELAXED) << (8 * i);
    return v;
}

static inline void ram_st(void *p, unsigned size, uint64_t v)
{
    uintptr_t a = (uintptr_t)p;
    if ((a & (size - 1)) == 0) {
        switch (size) {
        case 1: __atomic_store_n((uint8_t *)p, (uint8_t)v, __ATOMIC_RELAXED); return;
        case 2: __atomic_store_n((uint16_t *)p, (uint16_t)v, __ATOMIC_RELAXED); return;
        case 4: __atomic_store_n((uint32_t *)p, (uint32_t)v, __ATOMIC_RELAXED); return;
        case 8: __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED); return;
        }
    }
    for (unsigned i = 0; i < size; i++)
        __atomic_store_n((uint8_t *)p + i, (uint8_t)(v >> (8 * i)),
                         __ATOMIC_RELAXED);
}

/* Byte copies between guest RAM and host buffers. */
static inline void ram_read(void *dst, const void *ram, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)dst)[i] = __atomic_load_n((const uint8_t *)ram + i,
                                              __ATOMIC_RELAXED);
}

static inline void ram_write(void *ram, const void *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        __atomic_store_n((uint8_t *)ram + i, ((const uint8_t *)src)[i],
                         __ATOMIC_RELAXED);
}

#endif
