/*
 * test_jc.c — the per-vCPU jump cache (src/tbht/jc.h, jc.c): set/get,
 * whole flush, and page flush clearing the page and the page before it
 * (INV(J3)) while keeping other pages; the independent debug checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "tbht/jc.h"

#define PB 12

static void test_set_get_clear(void **state)
{
    struct jc *c = calloc(1, sizeof(*c));
    struct tb a = { .pc = 0x80001000 }, b = { .pc = 0x80002004 };

    (void)state;
    assert_null(jc_get(c, a.pc));
    jc_set(c, a.pc, &a);
    jc_set(c, b.pc, &b);
    assert_ptr_equal(jc_get(c, a.pc), &a);
    assert_ptr_equal(jc_get(c, b.pc), &b);
    jc_clear(c);
    assert_null(jc_get(c, a.pc));
    assert_null(jc_get(c, b.pc));
    free(c);
}

static void test_index_spreads_pages(void **state)
{
    (void)state;
    /* the same offset on neighbouring pages lands in different slots */
    assert_int_not_equal(jc_index(0x80000100), jc_index(0x80001100));
    assert_true(jc_index(~0ull) < JC_SIZE);
}

static void test_clear_page(void **state)
{
    struct jc *c = calloc(1, sizeof(*c));
    enum { NP = 4, PER = 8 };
    static struct tb t[NP][PER];
    uint64_t base = 0x80000000;

    (void)state;
    for (int p = 0; p < NP; p++)
        for (int i = 0; i < PER; i++) {
            t[p][i].pc = base + ((uint64_t)p << PB) + 0x200 * i + 4 * p;
            jc_set(c, t[p][i].pc, &t[p][i]);
        }
    for (int p = 0; p < NP; p++)
        for (int i = 0; i < PER; i++)
            assert_ptr_equal(jc_get(c, t[p][i].pc), &t[p][i]);
    /* flush page 2 (any address in it): pages 1 and 2 go, 0 and 3 stay */
    jc_clear_page(c, base + (2ull << PB) + 0x123, PB);
    for (int p = 0; p < NP; p++)
        for (int i = 0; i < PER; i++) {
            if (p == 1 || p == 2)
                assert_null(jc_get(c, t[p][i].pc));
            else
                assert_ptr_equal(jc_get(c, t[p][i].pc), &t[p][i]);
        }
    /* page 0: the page before it does not exist below the first page */
    jc_clear_page(c, 0, PB);
    jc_clear_page(c, base, PB);
    for (int i = 0; i < PER; i++) {
        assert_null(jc_get(c, t[0][i].pc));
        assert_ptr_equal(jc_get(c, t[3][i].pc), &t[3][i]);
    }
    free(c);
}

/* The independent J3/J4 checks (jc_check_page_clear, jc_check_empty) see
 * a TB by its byte range: one that starts on the page before and runs
 * into the flushed page counts, one that ends before it does not. */
static void test_checks(void **state)
{
    struct jc *c = calloc(1, sizeof(*c));
    uint64_t base = 0x80000000;
    struct tb cross = { .pc = base + (1u << PB) - 8, .size = 16 };
    struct tb inside = { .pc = base + (1u << PB) - 32, .size = 16 };

    (void)state;
    assert_true(jc_check_empty(c));
    jc_set(c, inside.pc, &inside);
    assert_false(jc_check_empty(c));
    assert_true(jc_check_page_clear(c, base + (1u << PB), PB));
    assert_false(jc_check_page_clear(c, base, PB));
    jc_set(c, cross.pc, &cross);
    assert_false(jc_check_page_clear(c, base + (1u << PB) + 0x40, PB));
    jc_clear_page(c, base + (1u << PB) + 0x40, PB);
    assert_true(jc_check_page_clear(c, base + (1u << PB), PB));
    assert_true(jc_check_page_clear(c, base, PB));
    assert_true(jc_check_empty(c));
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_get_clear),
        cmocka_unit_test(test_index_spreads_pages),
        cmocka_unit_test(test_clear_page),
        cmocka_unit_test(test_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
