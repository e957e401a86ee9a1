/*
 * test_tbht.c — single-threaded semantics of the TB hash (src/tbht/tbht.c)
 * and sanity of tbht_hash's distribution.  Concurrency is the job of
 * tests/stress/tbht-torture.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "rcu/rcu.h"
#include "tbht/tbht.h"

static struct tb *mk_tb(uint64_t phys_pc, uint64_t pc, uint32_t flags)
{
    struct tb *tb = calloc(1, sizeof(*tb));

    assert_non_null(tb);
    tb->phys_pc = phys_pc;
    tb->pc = pc;
    tb->flags = flags;
    tb->hash = tbht_hash(phys_pc, pc, flags);
    return tb;
}

static struct tb *look(struct tbht *ht, uint64_t phys_pc, uint64_t pc, uint32_t flags)
{
    return tbht_lookup(ht, phys_pc, pc, flags, tbht_hash(phys_pc, pc, flags));
}

static int setup(void **state)
{
    loom_rcu_register();
    *state = tbht_new(16);
    return 0;
}

static int teardown(void **state)
{
    tbht_destroy(*state);
    loom_rcu_barrier();         /* run pending map frees (leak check) */
    loom_rcu_unregister();
    return 0;
}

/* T2 (no false miss): a lookup racing with a remove that moves the chain's
 * last entry into the removed one's hole (INV(T4)) must still find it.
 * The interleaving is forced with tbht_debug_scan_hook: after the reader
 * read slot 0 (a), the "other thread" removes a, so p moves from slot 1 to
 * slot 0 and the reader sees slot 1 empty.  Only the sequence re-check
 * (retry) finds p. */
static struct tbht *race_ht;
static struct tb *race_victim;
static unsigned race_calls;

static void race_hook(void)
{
    if (race_calls++ == 0)
        assert_true(tbht_remove(race_ht, race_victim));
}

static void test_lookup_retries_on_move(void **state)
{
    struct tbht *ht = *state;
    struct tb *a = NULL, *p = NULL;
    uint32_t want = tbht_hash(0x90000000, 0x90000000, 0) & 0xffff;

    /* two keys in one chain for any map up to 2^16 buckets */
    for (uint64_t c = 1; !p; c++) {
        uint64_t pa = 0x90000000 + 4 * c;
        if ((tbht_hash(pa, pa, 0) & 0xffff) == want)
            p = mk_tb(pa, pa, 0);
    }
    a = mk_tb(0x90000000, 0x90000000, 0);
    assert_ptr_equal(tbht_insert(ht, a), a);     /* slot 0 */
    assert_ptr_equal(tbht_insert(ht, p), p);     /* slot 1, the last */
    race_ht = ht;
    race_victim = a;
    race_calls = 0;
    tbht_debug_scan_hook = race_hook;
    struct tb *got = look(ht, p->phys_pc, p->pc, p->flags);
    tbht_debug_scan_hook = NULL;
#ifndef NDEBUG
    assert_true(race_calls > 1);                 /* the hook ran */
#endif
    assert_ptr_equal(got, p);
    assert_true(tbht_remove(ht, p));
    free(a);
    free(p);
}

static void test_insert_lookup(void **state)
{
    struct tbht *ht = *state;
    struct tb *a = mk_tb(0x80000000, 0xffffffff80000000ull, 3);

    assert_null(look(ht, a->phys_pc, a->pc, a->flags));
    assert_ptr_equal(tbht_insert(ht, a), a);
    assert_ptr_equal(look(ht, a->phys_pc, a->pc, a->flags), a);
    /* each key word matters */
    assert_null(look(ht, a->phys_pc + 4, a->pc, a->flags));
    assert_null(look(ht, a->phys_pc, a->pc + 4, a->flags));
    assert_null(look(ht, a->phys_pc, a->pc, a->flags ^ 1));
    assert_int_equal(tbht_count(ht), 1);
    assert_true(tbht_remove(ht, a));
    free(a);
}

static void test_twin(void **state)
{
    struct tbht *ht = *state;
    struct tb *a = mk_tb(0x1000, 0x1000, 0), *b = mk_tb(0x1000, 0x1000, 0);

    assert_ptr_equal(tbht_insert(ht, a), a);
    assert_ptr_equal(tbht_insert(ht, b), a);    /* first insert wins */
    assert_int_equal(tbht_count(ht), 1);
    assert_false(tbht_remove(ht, b));           /* b never went in */
    assert_ptr_equal(look(ht, 0x1000, 0x1000, 0), a);
    assert_true(tbht_remove(ht, a));
    assert_false(tbht_remove(ht, a));
    assert_null(look(ht, 0x1000, 0x1000, 0));
    free(a);
    free(b);
}

/* Force long chains through a tiny table: removes from the middle must keep
 * every other entry reachable (compaction). */
static void test_remove_compacts(void **state)
{
    struct tbht *ht = *state;
    enum { N = 64 };
    struct tb *t[N];

    for (int i = 0; i < N; i++) {
        t[i] = mk_tb(0x2000 + 4 * i, 0x2000 + 4 * i, 0);
        assert_ptr_equal(tbht_insert(ht, t[i]), t[i]);
    }
    for (int i = 0; i < N; i += 3)
        assert_true(tbht_remove(ht, t[i]));
    for (int i = 0; i < N; i++) {
        struct tb *r = look(ht, t[i]->phys_pc, t[i]->pc, 0);
        if (i % 3 == 0)
            assert_null(r);
        else
            assert_ptr_equal(r, t[i]);
    }
    assert_int_equal(tbht_count(ht), N - (N + 2) / 3);
    for (int i = 0; i < N; i++) {
        if (i % 3)
            assert_true(tbht_remove(ht, t[i]));
        free(t[i]);
    }
    assert_int_equal(tbht_count(ht), 0);
}

static void test_autogrow_and_resize(void **state)
{
    struct tbht *ht = *state;
    enum { N = 2000 };
    struct tb **t = calloc(N, sizeof(*t));
    size_t before = tbht_n_buckets(ht);

    for (int i = 0; i < N; i++) {
        t[i] = mk_tb(0x80000000 + 4 * i, 0x80000000 + 4 * i, i & 1);
        assert_ptr_equal(tbht_insert(ht, t[i]), t[i]);
    }
    assert_true(tbht_n_buckets(ht) > before);   /* grew by itself */
    assert_int_equal(tbht_count(ht), N);
    assert_true(tbht_resize(ht, 16));           /* explicit shrink */
    assert_int_equal(tbht_n_buckets(ht), 4);
    assert_false(tbht_resize(ht, 16));
    for (int i = 0; i < N; i++)
        assert_ptr_equal(look(ht, t[i]->phys_pc, t[i]->pc, t[i]->flags), t[i]);
    assert_true(tbht_resize(ht, 4 * N));
    for (int i = 0; i < N; i++)
        assert_ptr_equal(look(ht, t[i]->phys_pc, t[i]->pc, t[i]->flags), t[i]);
    loom_rcu_quiescent();
    tbht_reset(ht);
    assert_int_equal(tbht_count(ht), 0);
    assert_int_equal(tbht_n_buckets(ht), 4);
    for (int i = 0; i < N; i++) {
        assert_null(look(ht, t[i]->phys_pc, t[i]->pc, t[i]->flags));
        free(t[i]);
    }
    free(t);
}

static void count_cb(struct tb *tb, void *arg)
{
    uint64_t *sum = arg;

    sum[0]++;
    sum[1] += tb->pc;
}

static void test_foreach(void **state)
{
    struct tbht *ht = *state;
    struct tb *t[10];
    uint64_t sum[2] = { 0, 0 };

    for (int i = 0; i < 10; i++) {
        t[i] = mk_tb(i, i + 1, 0);
        tbht_insert(ht, t[i]);
    }
    tbht_foreach(ht, count_cb, sum);
    assert_int_equal(sum[0], 10);
    assert_int_equal(sum[1], 55);
    tbht_reset(ht);
    for (int i = 0; i < 10; i++)
        free(t[i]);
}

/* Flipping any one input bit flips about half of the 32 output bits. */
static void test_hash_avalanche(void **state)
{
    uint64_t seed = 0x1234567;
    double total = 0;
    int n = 0;

    (void)state;
    for (int k = 0; k < 200; k++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t pp = seed >> 3, pc = seed * 31;
        uint32_t fl = (uint32_t)(seed >> 40);
        uint32_t h = tbht_hash(pp, pc, fl);

        for (int b = 0; b < 64; b++) {
            total += __builtin_popcount(h ^ tbht_hash(pp ^ (1ull << b), pc, fl));
            total += __builtin_popcount(h ^ tbht_hash(pp, pc ^ (1ull << b), fl));
            n += 2;
        }
        for (int b = 0; b < 32; b++) {
            total += __builtin_popcount(h ^ tbht_hash(pp, pc, fl ^ (1u << b)));
            n++;
        }
    }
    assert_true(total / n > 15.0 && total / n < 17.0);
}

/* TB-shaped keys (4-byte aligned pcs, phys == virt or a fixed offset, few
 * flag values) spread evenly over a power-of-two table: chi-square test. */
static void test_hash_distribution(void **state)
{
    enum { NB = 1024, N = 64 * NB };
    static unsigned cnt[NB];

    (void)state;
    for (int pass = 0; pass < 2; pass++) {
        double chi = 0, exp = (double)N / NB;

        for (int i = 0; i < NB; i++)
            cnt[i] = 0;
        for (int i = 0; i < N; i++) {
            uint64_t pc = 0xffffffff80000000ull + 4ull * (i / 4);
            uint64_t phys = pass ? 0x80000000ull + 4ull * (i / 4) : pc;
            uint32_t h = tbht_hash(phys, pc, i & 3);
            /* low bits index the table; high bits must be spread too */
            cnt[pass ? (h >> 22) : (h & (NB - 1))]++;
        }
        for (int i = 0; i < NB; i++)
            chi += (cnt[i] - exp) * (cnt[i] - exp) / exp;
        /* 1023 degrees of freedom: mean 1023, sd ~45; 1250 is > 5 sd. */
        assert_true(chi < 1250.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_insert_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_twin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_retries_on_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_compacts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_autogrow_and_resize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreach, setup, teardown),
        cmocka_unit_test(test_hash_avalanche),
        cmocka_unit_test(test_hash_distribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
