/* Many-hart helpers for the stress programs and the smp-scale benchmark
 * (start.S gives up to 32 harts a 16 KiB stack each).
 *
 * Contract: rt_fdt_cpu_count() counts the cpu@N nodes directly under /cpus
 * of the flattened device tree that every hart receives in a1 (0 when the
 * blob is not a valid FDT). Time comes from the CLINT mtime at
 * RT_TICKS_PER_SEC (the virt board's 10 MHz timebase). The barrier is
 * sense-reversing. Waits end on the other harts' progress, never on a
 * clock: mtime follows the host's wall clock, so a deadline in mtime fails
 * a correct run on a slow or loaded host (docs/stress.md, "No deadlines").
 * A lost hart hangs the program; the runner's generous timeout is the hang
 * guard. */
#ifndef LOOM_GUEST_SMP_H
#define LOOM_GUEST_SMP_H

#include "rt.h"

#define RT_SMP_MAX_HARTS 32
#define RT_TICKS_PER_SEC 10000000UL

unsigned rt_fdt_cpu_count(const void *fdt);

static inline uint64_t rt_mtime(void)
{
	return RT_MMIO64(RT_CLINT_MTIME);
}

struct rt_barrier {
	volatile uint32_t count;        /* harts still to arrive this round */
	volatile uint32_t sense;        /* flips when the round completes */
	uint32_t n;
};

/* Call once (one hart) before any hart waits; sense starts at 0. */
void rt_barrier_init(struct rt_barrier *b, unsigned n);
/* *local starts at 0 for every hart and is only touched by its owner. */
void rt_barrier_wait(struct rt_barrier *b, uint32_t *local);

/* Spin until *v >= want; returns *v as read then (callers check it). */
uint64_t rt_wait_ge(volatile uint64_t *v, uint64_t want);

/* xorshift64 step (state must be nonzero). */
static inline uint64_t rt_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

#endif
