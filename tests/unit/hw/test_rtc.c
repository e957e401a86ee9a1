/* test_rtc.c — the Goldfish RTC: time read with the low-half latch, time
 * set by the guest, alarms (past: at once; future: from the timer thread),
 * the interrupt line and its enable/clear registers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "hw/hw.h"
#include "fake_hart.h"

#define BASE 0x101000ull
enum { TIME_LOW = 0x00, TIME_HIGH = 0x04, ALARM_LOW = 0x08,
       ALARM_HIGH = 0x0c, IRQ_ENABLED = 0x10, CLEAR_ALARM = 0x14,
       ALARM_STATUS = 0x18, CLEAR_INTERRUPT = 0x1c };

struct fix {
    struct pmem *pm;
    struct fake_line line;      /* written under the RTC lock */
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    f->pm = pmem_new();
    assert_non_null(f->pm);
    goldfish_rtc_create(f->pm, BASE, (struct hw_irq){
        .set = fake_line_set, .opaque = &f->line, .n = 11 });
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);               /* the timer thread keeps the map alive */
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

static uint64_t guest_time(struct fix *f)
{
    uint64_t lo = rd(f, TIME_LOW);
    return lo | (uint64_t)rd(f, TIME_HIGH) << 32;
}

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool line(struct fix *f)
{
    return fake_line_level(&f->line);
}

static void test_time(void **state)
{
    struct fix *f = *state;
    uint64_t before = host_ns(), t = guest_time(f), after = host_ns();
    assert_true(t >= before && t <= after);
    /* The guest sets a time: later reads continue from it. */
    uint64_t set = 0x123456789abcdef0ull;
    wr(f, TIME_HIGH, (uint32_t)(set >> 32));
    wr(f, TIME_LOW, (uint32_t)set);
    t = guest_time(f);
    assert_true(t >= set && t < set + 1000000000ull);
    uint64_t t2 = guest_time(f);
    assert_true(t2 >= t);
}

static void test_alarm_past(void **state)
{
    struct fix *f = *state;
    uint64_t now = guest_time(f) - 1000;

    wr(f, ALARM_HIGH, (uint32_t)(now >> 32));
    wr(f, ALARM_LOW, (uint32_t)now);
    assert_int_equal(rd(f, ALARM_LOW), (uint32_t)now);
    assert_int_equal(rd(f, ALARM_HIGH), (uint32_t)(now >> 32));
    assert_int_equal(rd(f, ALARM_STATUS), 0);   /* fired at once */
    assert_false(line(f));                      /* IRQ not enabled */
    wr(f, IRQ_ENABLED, 1);
    assert_int_equal(rd(f, IRQ_ENABLED), 1);
    assert_true(line(f));
    wr(f, CLEAR_INTERRUPT, 1);
    assert_false(line(f));
}

static void test_alarm_future(void **state)
{
    struct fix *f = *state;
    uint64_t at = guest_time(f) + 20 * 1000000ull;  /* 20 ms */

    wr(f, IRQ_ENABLED, 1);
    wr(f, ALARM_HIGH, (uint32_t)(at >> 32));
    wr(f, ALARM_LOW, (uint32_t)at);
    assert_int_equal(rd(f, ALARM_STATUS), 1);
    assert_false(line(f));
    /* No deadline: the alarm thread may be late on a loaded host (a lost
     * alarm hangs; meson's timeout is the hang guard). */
    while (!line(f)) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    assert_true(guest_time(f) >= at);
    assert_int_equal(rd(f, ALARM_STATUS), 0);
    wr(f, CLEAR_INTERRUPT, 1);
    assert_false(line(f));

    /* Disarmed before it is due: it never fires. */
    at = guest_time(f) + 10 * 1000000ull;
    wr(f, ALARM_HIGH, (uint32_t)(at >> 32));
    wr(f, ALARM_LOW, (uint32_t)at);
    wr(f, CLEAR_ALARM, 1);
    assert_int_equal(rd(f, ALARM_STATUS), 0);
    struct timespec ts = { 0, 30 * 1000000 };
    nanosleep(&ts, NULL);
    assert_false(line(f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alarm_past, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alarm_future, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
