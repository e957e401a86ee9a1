/* test_plic.c — the PLIC through its MMIO registers, with fake harts:
 * gateway (level, claim, complete), priorities and thresholds, enables per
 * context, and MEIP/SEIP delivery to the right hart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hw/hw.h"
#include "fake_hart.h"

#define BASE 0xc000000ull
#define MEIP (1ull << RV_IRQ_MEI)
#define SEIP (1ull << RV_IRQ_SEI)

struct fix {
    struct pmem *pm;
    struct plic *p;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    fake_harts_reset();
    f->pm = pmem_new();
    assert_non_null(f->pm);
    f->p = plic_create(f->pm, BASE, FAKE_HARTS, NULL, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    pmem_free(f->pm);
    free(f);
    return 0;
}

static uint32_t rd(struct fix *f, uint64_t off)
{
    uint64_t v;
    assert_true(pmem_read(f->pm, BASE + off, 4, &v));
    return (uint32_t)v;
}

static void wr(struct fix *f, uint64_t off, uint32_t v)
{
    assert_true(pmem_write(f->pm, BASE + off, 4, v));
}

static void prio(struct fix *f, unsigned s, uint32_t v) { wr(f, 4 * s, v); }
static void enable(struct fix *f, unsigned ctx, unsigned s)
{
    uint64_t off = 0x2000 + 0x80 * ctx + 4 * (s / 32);
    wr(f, off, rd(f, off) | 1u << (s % 32));
}
static void threshold(struct fix *f, unsigned ctx, uint32_t v)
{
    wr(f, 0x200000 + 0x1000 * ctx, v);
}
static uint32_t claim(struct fix *f, unsigned ctx)
{
    return rd(f, 0x200004 + 0x1000 * ctx);
}
static void complete(struct fix *f, unsigned ctx, uint32_t s)
{
    wr(f, 0x200004 + 0x1000 * ctx, s);
}

static void test_reset_and_registers(void **state)
{
    struct fix *f = *state;
    uint64_t v;

    for (unsigned c = 0; c < 2 * FAKE_HARTS; c++)
        assert_int_equal(claim(f, c), 0);
    assert_int_equal(rd(f, 4 * 10), 0);
    prio(f, 10, 0xff);
    assert_int_equal(rd(f, 4 * 10), PLIC_NUM_PRIO);   /* 3 bits */
    prio(f, 0, 5);
    assert_int_equal(rd(f, 0), 0);                    /* no source 0 */
    wr(f, 0x2000, 0xffffffff);
    assert_int_equal(rd(f, 0x2000), 0xfffffffe);      /* enable bit 0 */
    wr(f, 0x2008, 0xffffffff);
    assert_int_equal(rd(f, 0x2008), 0xffffffff);      /* sources 64..95 */
    wr(f, 0x200c, 0xffffffff);
    assert_int_equal(rd(f, 0x200c), 0);               /* past the last */
    threshold(f, 1, 9);
    assert_int_equal(rd(f, 0x201000), 1);             /* 9 & 7 */
    /* A context past the harts reads 0 and ignores writes. */
    threshold(f, 2 * FAKE_HARTS, 3);
    assert_int_equal(rd(f, 0x200000 + 0x1000 * 2 * FAKE_HARTS), 0);
    /* Only 32-bit accesses. */
    assert_false(pmem_read(f->pm, BASE, 8, &v));
    assert_false(pmem_read(f->pm, BASE, 1, &v));
    for (unsigned h = 0; h < FAKE_HARTS; h++)
        assert_int_equal(fake_harts[h].mip, 0);
}

static void test_claim_complete_level(void **state)
{
    struct fix *f = *state;

    prio(f, 10, 1);
    plic_set_irq(f->p, 10, true);
    assert_int_equal(rd(f, 0x1000), 1u << 10);        /* pending */
    assert_int_equal(fake_harts[0].mip, 0);           /* not enabled */
    enable(f, 0, 10);
    assert_int_equal(fake_harts[0].mip, MEIP);
    assert_true(fake_harts[0].kicks >= 1);
    for (unsigned h = 1; h < FAKE_HARTS; h++)
        assert_int_equal(fake_harts[h].mip, 0);

    assert_int_equal(claim(f, 0), 10);
    assert_int_equal(rd(f, 0x1000), 0);
    assert_int_equal(fake_harts[0].mip, 0);
    assert_int_equal(claim(f, 0), 0);                 /* nothing left */
    /* Still asserted while claimed: not pending until completion. */
    plic_set_irq(f->p, 10, true);
    assert_int_equal(rd(f, 0x1000), 0);
    complete(f, 0, 10);
    assert_int_equal(rd(f, 0x1000), 1u << 10);        /* level still high */
    assert_int_equal(fake_harts[0].mip, MEIP);
    /* The line drops: the forwarded request stays until claimed. */
    plic_set_irq(f->p, 10, false);
    assert_int_equal(rd(f, 0x1000), 1u << 10);
    assert_int_equal(fake_harts[0].mip, MEIP);
    assert_int_equal(claim(f, 0), 10);
    complete(f, 0, 10);                               /* line low: done */
    assert_int_equal(rd(f, 0x1000), 0);
    assert_int_equal(fake_harts[0].mip, 0);
    assert_int_equal(claim(f, 0), 0);

    /* Claim, drop the line, complete: nothing comes back. */
    plic_set_irq(f->p, 10, true);
    assert_int_equal(claim(f, 0), 10);
    plic_set_irq(f->p, 10, false);
    complete(f, 0, 10);
    assert_int_equal(rd(f, 0x1000), 0);
    assert_int_equal(fake_harts[0].mip, 0);
}

static void test_priority_order(void **state)
{
    struct fix *f = *state;
    const unsigned srcs[] = { 5, 11, 40, 70 };
    const uint32_t prios[] = { 2, 3, 3, 1 };

    for (unsigned i = 0; i < 4; i++) {
        prio(f, srcs[i], prios[i]);
        enable(f, 2, srcs[i]);                       /* hart 1, M */
        plic_set_irq(f->p, srcs[i], true);
    }
    assert_int_equal(fake_harts[1].mip, MEIP);
    /* Highest priority first, lowest id on ties. */
    assert_int_equal(claim(f, 2), 11);
    assert_int_equal(claim(f, 2), 40);
    assert_int_equal(claim(f, 2), 5);
    assert_int_equal(claim(f, 2), 70);
    assert_int_equal(claim(f, 2), 0);
    assert_int_equal(fake_harts[1].mip, 0);
    complete(f, 2, 40);
    assert_int_equal(claim(f, 2), 40);               /* still high */
}

static void test_threshold_and_zero_priority(void **state)
{
    struct fix *f = *state;

    enable(f, 0, 7);
    plic_set_irq(f->p, 7, true);
    assert_int_equal(fake_harts[0].mip, 0);          /* priority 0: never */
    assert_int_equal(claim(f, 0), 0);
    prio(f, 7, 2);
    assert_int_equal(fake_harts[0].mip, MEIP);
    threshold(f, 0, 2);                              /* needs > 2 */
    assert_int_equal(fake_harts[0].mip, 0);
    assert_int_equal(claim(f, 0), 0);
    threshold(f, 0, 1);
    assert_int_equal(fake_harts[0].mip, MEIP);
    assert_int_equal(claim(f, 0), 7);
}

static void test_contexts(void **state)
{
    struct fix *f = *state;

    prio(f, 10, 1);
    enable(f, 3, 10);                                /* hart 1, S */
    enable(f, 6, 10);                                /* hart 3, M */
    plic_set_irq(f->p, 10, true);
    assert_int_equal(fake_harts[1].mip, SEIP);
    assert_int_equal(fake_harts[3].mip, MEIP);
    assert_int_equal(fake_harts[0].mip | fake_harts[2].mip, 0);
    /* One context claims it: the other loses it too. */
    assert_int_equal(claim(f, 3), 10);
    assert_int_equal(fake_harts[1].mip, 0);
    assert_int_equal(fake_harts[3].mip, 0);
    assert_int_equal(claim(f, 6), 0);
    /* Completion from a context that has it disabled is ignored. */
    complete(f, 0, 10);
    assert_int_equal(fake_harts[3].mip, 0);
    complete(f, 3, 10);
    assert_int_equal(fake_harts[1].mip, SEIP);
    assert_int_equal(fake_harts[3].mip, MEIP);
    /* Out-of-range sources are ignored. */
    plic_set_irq(f->p, 0, true);
    plic_set_irq(f->p, PLIC_NUM_SOURCES, true);
    assert_int_equal(rd(f, 0x1000) & 1, 0);
}

static void test_hw_irq_line(void **state)
{
    struct fix *f = *state;
    struct hw_irq l = plic_irq(f->p, 33);

    prio(f, 33, 4);
    enable(f, 1, 33);                                /* hart 0, S */
    hw_irq_set(&l, true);
    assert_int_equal(rd(f, 0x1004), 1u << 1);
    assert_int_equal(fake_harts[0].mip, SEIP);
    hw_irq_set(&l, false);
    assert_int_equal(claim(f, 1), 33);
    assert_int_equal(fake_harts[0].mip, 0);
    complete(f, 1, 33);
    assert_int_equal(fake_harts[0].mip, 0);
}

/* Concurrency: device threads raise and lower their lines while a handler
 * thread claims and completes through MMIO, as a hart would.  Each device
 * raises its line, waits to be served, lowers it (the handler's "clear the
 * device" step) and repeats; the handler completes only after the line is
 * low.  Audit: every raise is claimed exactly once, a claim never returns a
 * source that is not raised or is already in service, and afterwards
 * nothing is pending and MEIP is low. */
#define STRESS_SRC   8
#define STRESS_ITERS 2000

struct stress {
    struct fix *f;
    atomic_uint served[STRESS_SRC + 1];     /* handler: claims of s */
    atomic_uint lowered[STRESS_SRC + 1];    /* device: lowers after serve */
    atomic_bool raised[STRESS_SRC + 1];
    atomic_uint bad;
};

struct stress_dev {
    struct stress *st;
    unsigned src;
};

static void *stress_device(void *arg)
{
    struct stress_dev *d = arg;
    struct stress *st = d->st;
    for (unsigned i = 0; i < STRESS_ITERS; i++) {
        atomic_store(&st->raised[d->src], true);
        plic_set_irq(st->f->p, d->src, true);
        while (atomic_load(&st->served[d->src]) == i)
            sched_yield();
        atomic_store(&st->raised[d->src], false);
        plic_set_irq(st->f->p, d->src, false);
        atomic_store(&st->lowered[d->src], i + 1);
    }
    return NULL;
}

static void *stress_handler(void *arg)
{
    struct stress *st = arg;
    unsigned total = 0;
    while (total < STRESS_SRC * STRESS_ITERS) {
        uint32_t s = claim(st->f, 0);
        if (s == 0) {
            sched_yield();
            continue;
        }
        if (s > STRESS_SRC || !atomic_load(&st->raised[s]) ||
            atomic_load(&st->lowered[s]) != atomic_load(&st->served[s]))
            atomic_fetch_add(&st->bad, 1);
        unsigned n = atomic_fetch_add(&st->served[s], 1) + 1;
        while (atomic_load(&st->lowered[s]) != n)
            sched_yield();
        complete(st->f, 0, s);
        total++;
    }
    return NULL;
}

static void test_concurrent_sources(void **state)
{
    static struct stress st;
    struct stress_dev devs[STRESS_SRC];
    pthread_t dev_t[STRESS_SRC], handler;

    memset(&st, 0, sizeof(st));
    st.f = *state;
    for (unsigned s = 1; s <= STRESS_SRC; s++) {
        prio(st.f, s, 1 + s % PLIC_NUM_PRIO);
        enable(st.f, 0, s);
    }
    assert_int_equal(pthread_create(&handler, NULL, stress_handler, &st), 0);
    for (unsigned i = 0; i < STRESS_SRC; i++) {
        devs[i] = (struct stress_dev){ .st = &st, .src = i + 1 };
        assert_int_equal(pthread_create(&dev_t[i], NULL, stress_device,
                                        &devs[i]), 0);
    }
    for (unsigned i = 0; i < STRESS_SRC; i++)
        pthread_join(dev_t[i], NULL);
    pthread_join(handler, NULL);

    assert_int_equal(atomic_load(&st.bad), 0);
    for (unsigned s = 1; s <= STRESS_SRC; s++)
        assert_int_equal(atomic_load(&st.served[s]), STRESS_ITERS);
    assert_int_equal(rd(st.f, 0x1000), 0);
    assert_int_equal(claim(st.f, 0), 0);
    assert_int_equal(fake_harts[0].mip, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_and_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_complete_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threshold_and_zero_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contexts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hw_irq_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_sources, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
