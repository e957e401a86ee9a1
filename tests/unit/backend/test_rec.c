/*
 * test_rec.c — insn-record codec: random round trips (seeded, seed printed
 * for replay) and row lookup by host offset, including the boundaries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/backend.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define MAXN 512

static void test_roundtrip(void **state)
{
    (void)state;
    static uint64_t d0[MAXN], d1[MAXN];
    static uint32_t end[MAXN];
    static uint8_t buf[MAXN * 32];
    fprintf(stderr, "seed %#llx\n", (unsigned long long)rng);
    for (int iter = 0; iter < 300; iter++) {
        unsigned n = 1 + (unsigned)(next() % MAXN);
        uint64_t pc = next();
        if (iter & 1)
            pc &= 0xffffffffull;             /* typical small pcs too */
        uint64_t start = pc;
        uint32_t off = 0;
        for (unsigned i = 0; i < n; i++) {
            d0[i] = pc;
            d1[i] = (iter % 3 == 0) ? next() : next() % 4;
            off += 1 + (uint32_t)(next() % 200);
            end[i] = off;
            pc += (next() & 1) ? 4 : 2;
            if (next() % 50 == 0)
                pc = next();                 /* big jumps in data0 */
        }
        int len = be_rec_encode(buf, sizeof(buf), start, n, d0, d1, end);
        assert_true(len > 0);
        /* every row is found by its first and last host byte */
        for (unsigned i = 0; i < n; i++) {
            uint64_t data[2];
            uint32_t lo = i ? end[i - 1] : 0;
            assert_int_equal(be_rec_lookup(buf, (size_t)len, start, n, lo,
                                           data), (int)i);
            assert_true(data[0] == d0[i] && data[1] == d1[i]);
            assert_int_equal(be_rec_lookup(buf, (size_t)len, start, n,
                                           end[i] - 1, data), (int)i);
            assert_true(data[0] == d0[i] && data[1] == d1[i]);
        }
        uint64_t data[2];
        assert_int_equal(be_rec_lookup(buf, (size_t)len, start, n, end[n - 1],
                                       data), -1);
        /* truncated input never reads past len */
        assert_int_equal(be_rec_lookup(buf, (size_t)len / 2, start, n,
                                       end[n - 1] - 1, data), -1);
    }
}

static void test_small_and_cap(void **state)
{
    (void)state;
    uint64_t d0[3] = { 0x80000000, 0x80000004, 0x80000002 };
    uint64_t d1[3] = { 0, 1, 0 };
    uint32_t end[3] = { 10, 20, 200 };
    uint8_t buf[64];
    int len = be_rec_encode(buf, sizeof(buf), 0x80000000, 3, d0, d1, end);
    /* row 0: 0,0,10; row 1: 4,1,10; row 2: -2,-1,180 (2-byte sleb) */
    const uint8_t want[] = { 0x00, 0x00, 0x0a, 0x04, 0x01, 0x0a,
                             0x7e, 0x7f, 0xb4, 0x01 };
    assert_int_equal(len, (int)sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
    assert_int_equal(be_rec_encode(buf, 5, 0x80000000, 3, d0, d1, end), -1);
    uint64_t data[2];
    assert_int_equal(be_rec_lookup(buf, (size_t)len, 0x80000000, 3, 15, data), 1);
    assert_true(data[0] == 0x80000004 && data[1] == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_small_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
