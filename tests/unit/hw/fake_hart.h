/* fake_hart.h — stand-ins for the vCPU layer the devices call into: each
 * fake hart records its interrupt-pending bits and how often it was kicked.
 * Include once per test executable. */
#ifndef LOOM_TEST_FAKE_HART_H
#define LOOM_TEST_FAKE_HART_H

#include <stdbool.h>
#include <stdint.h>
#include "target/riscv/cpu.h"
#include "util/compiler.h"
#include "vcpu/vcpu.h"

#define FAKE_HARTS 4
static struct fake_hart {
    uint64_t mip;
    unsigned kicks;
} fake_harts[FAKE_HARTS];

struct rv_hart *vcpu_hart(unsigned i)
{
    return (struct rv_hart *)&fake_harts[i];
}

void vcpu_kick(struct rv_hart *h)
{
    ((struct fake_hart *)h)->kicks++;
}

void rv_set_irq(struct rv_hart *h, enum rv_irq irq, bool level)
{
    struct fake_hart *f = (struct fake_hart *)h;
    if (level)
        f->mip |= 1ull << irq;
    else
        f->mip &= ~(1ull << irq);
}

static UNUSED void fake_harts_reset(void)
{
    for (unsigned i = 0; i < FAKE_HARTS; i++)
        fake_harts[i] = (struct fake_hart){ 0 };
}

/* A fake interrupt line: its level and how many times it changed.  A
 * device thread (RTC alarm) may drive it while the test reads it, so the
 * level is stored with release and read with fake_line_level (acquire). */
struct fake_line {
    bool level;
    unsigned edges;
};

static UNUSED void fake_line_set(void *opaque, unsigned n, bool level)
{
    struct fake_line *l = opaque;
    (void)n;
    if (level != __atomic_load_n(&l->level, __ATOMIC_RELAXED))
        __atomic_fetch_add(&l->edges, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&l->level, level, __ATOMIC_RELEASE);
}

static UNUSED bool fake_line_level(const struct fake_line *l)
{
    return __atomic_load_n(&l->level, __ATOMIC_ACQUIRE);
}

#endif
