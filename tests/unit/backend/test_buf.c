/*
 * test_buf.c — the code buffer: be_find_block over many blocks and
 * regions, -ENOSPC and full flush on a 1 MiB buffer, be_discard_last,
 * -E2BIG, and concurrent generation + lookup from several threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/backend.h"

struct fenv { uint64_t g[4]; };

static void init(size_t size, unsigned threads)
{
    struct be_config cfg = { .code_size = size, .max_threads = threads,
                             .owner_size = 40,
                             .mem = { .tlb_bits = 4, .entry_shift = 5,
                                      .page_bits = 12 } };
    assert_int_equal(be_init(&cfg), 0);
}

static struct ir_ctx *new_ctx(void)
{
    struct ir_ctx *c = malloc(sizeof(*c));
    ir_ctx_init(c);
    ir_global(c, IR_I64, offsetof(struct fenv, g[0]), "g0");
    ir_global(c, IR_I64, offsetof(struct fenv, g[1]), "g1");
    return c;
}

/* g0 = g0 + 1 + 2 + ... + n (n adds: block size grows with n); returns
 * the sum added. */
static uint64_t build(struct ir_ctx *c, unsigned n, uint64_t pc)
{
    ir_reset(c);
    uint64_t sum = 0;
    for (unsigned i = 1; i <= n; i++) {
        ir_insn_start(c, pc + 4 * i, 0);
        ir_binop(c, IR_ADD, IR_I64, 2, 2, ir_const64(c, i));
        sum += i;
    }
    ir_exit_tb(c, IR_EXIT_NOCHAIN);
    return sum;
}

static void test_many_blocks(void **state)
{
    (void)state;
    init(16u << 20, 4);
    struct ir_ctx *c = new_ctx();
    enum { N = 3000 };
    static struct be_block *blk[N];
    for (unsigned i = 0; i < N; i++) {
        build(c, 1 + i % 37, 0x1000 * i);
        assert_int_equal(be_gen_code(c, &blk[i]), 0);
        if (i)
            assert_true(blk[i]->code > blk[i - 1]->code);
    }
    for (unsigned i = 0; i < N; i++) {
        struct be_block *b = blk[i];
        assert_ptr_equal(be_find_block((uintptr_t)b->code), b);
        assert_ptr_equal(be_find_block((uintptr_t)b->code + b->code_size / 2), b);
        assert_ptr_equal(be_find_block((uintptr_t)b->code + b->code_size - 1), b);
        /* the header and the records are not code */
        assert_null(be_find_block((uintptr_t)b->code + b->code_size));
        assert_null(be_find_block((uintptr_t)b + 8));
        uint64_t data[2];
        int k = be_block_unwind(b, (uintptr_t)b->code + b->code_size, data);
        assert_int_equal(k, (int)(1 + i % 37) - 1);
        assert_true(data[0] == 0x1000 * i + 4 * (1 + i % 37));
    }
    int local;
    assert_null(be_find_block((uintptr_t)&local));
    assert_null(be_find_block(0));
    struct fenv env = { { 0 } };
    uint64_t want = build(c, 5, 0);
    assert_true(be_exec(&env, blk[4]->code) == (uintptr_t)be_block_owner(blk[4]));
    assert_true(env.g[0] == want);
    free(c);
}

static void test_enospc_flush_discard(void **state)
{
    (void)state;
    init(1u << 20, 1);
    struct ir_ctx *c = new_ctx();
    struct be_block *first = NULL, *b = NULL;
    unsigned n = 0, flushes = be_flush_count();
    int r;
    build(c, 200, 0);
    while ((r = be_gen_code(c, &b)) == 0) {
        if (!first)
            first = b;
        n++;
        assert_true(n < 100000);
    }
    assert_int_equal(r, -ENOSPC);
    assert_true(n > 50);          /* ~1 MiB of ~2-3 KiB blocks, several regions */
    assert_non_null(first);
    assert_ptr_equal(be_find_block((uintptr_t)first->code), first);
    assert_int_equal(be_gen_code(c, &b), -ENOSPC);   /* stays full */

    be_flush_all();
    assert_int_equal(be_flush_count(), flushes + 1);
    assert_null(be_find_block((uintptr_t)first->code));
    assert_int_equal(be_gen_code(c, &b), 0);
    assert_ptr_equal(b, first);   /* region 0 again, from its start */
    struct fenv env = { { 0 } };
    uint64_t want = build(c, 200, 0);
    be_exec(&env, b->code);
    assert_true(env.g[0] == want);

    /* discard: the next block takes the same place */
    struct be_block *b2, *b3;
    build(c, 3, 0x40);
    assert_int_equal(be_gen_code(c, &b2), 0);
    be_discard_last(b2);
    assert_null(be_find_block((uintptr_t)b2->code));
    build(c, 7, 0x80);
    assert_int_equal(be_gen_code(c, &b3), 0);
    assert_ptr_equal(b3, b2);
    assert_ptr_equal(be_find_block((uintptr_t)b3->code + 1), b3);
    free(c);
}

static void test_e2big(void **state)
{
    (void)state;
    init(4u << 20, 1);
    struct ir_ctx *c = new_ctx();
    ir_reset(c);
    ir_insn_start(c, 0, 0);
    for (unsigned i = 0; i < 3000; i++)   /* ~40 bytes each: > 64 KiB */
        ir_binop(c, IR_DIV, IR_I64, 2, 2, 3);
    ir_exit_tb(c, IR_EXIT_NOCHAIN);
    assert_false(c->overflow);
    struct be_block *b;
    assert_int_equal(be_gen_code(c, &b), -E2BIG);
    /* the buffer is still usable afterwards */
    build(c, 10, 0);
    assert_int_equal(be_gen_code(c, &b), 0);
    /* a tiny buffer with many threads still initialises */
    free(c);
    init(1u << 20, 8);
}

/* ---- threads: concurrent generation, execution and lookup ---------------- */

enum { NT = 4, PER = 400 };
static struct be_block *_Atomic published[NT * PER];
static atomic_int done_writers;

static void *writer(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    struct ir_ctx *c = new_ctx();
    struct fenv env = { { 0 } };
    for (unsigned i = 0; i < PER; i++) {
        uint64_t sum = build(c, 1 + (i * 7 + id) % 50, (uint64_t)id << 32 | i);
        struct be_block *b;
        if (be_gen_code(c, &b) != 0)
            abort();
        env.g[0] = 0;
        if (be_exec(&env, b->code) != (uintptr_t)be_block_owner(b) ||
            env.g[0] != sum || be_find_block((uintptr_t)b->code) != b)
            abort();
        atomic_store_explicit(&published[id * PER + i], b, memory_order_release);
    }
    free(c);
    atomic_fetch_add(&done_writers, 1);
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    unsigned long checks = 0, x = 12345;
    while (atomic_load(&done_writers) < NT || checks < 10000) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        unsigned k = (unsigned)(x >> 33) % (NT * PER);
        struct be_block *b = atomic_load_explicit(&published[k],
                                                  memory_order_acquire);
        if (!b)
            continue;
        uintptr_t pc = (uintptr_t)b->code + (x >> 7) % b->code_size;
        if (be_find_block(pc) != b)
            abort();
        uint64_t data[2];
        if (be_block_unwind(b, pc + 1, data) < 0 || (data[0] >> 32) != k / PER)
            abort();
        checks++;
    }
    return (void *)checks;
}

static void test_threads(void **state)
{
    (void)state;
    init(32u << 20, NT);
    pthread_t w[NT], r[2];
    for (unsigned i = 0; i < 2; i++)
        pthread_create(&r[i], NULL, reader, NULL);
    for (unsigned i = 0; i < NT; i++)
        pthread_create(&w[i], NULL, writer, (void *)(uintptr_t)i);
    for (unsigned i = 0; i < NT; i++)
        pthread_join(w[i], NULL);
    for (unsigned i = 0; i < 2; i++) {
        void *n;
        pthread_join(r[i], &n);
        assert_true((uintptr_t)n >= 10000);
    }
    for (unsigned i = 0; i < NT * PER; i++) {
        struct be_block *b = published[i];
        assert_ptr_equal(be_find_block((uintptr_t)b->code), b);
    }
}

/* ---- goto_tb retargeted while another thread runs through it ------------ */

static struct be_block *pa, *pb;
static atomic_bool patch_stop;

static void *patcher(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&patch_stop, memory_order_relaxed)) {
        be_patch_jump(pa, 0, pb->code);
        be_reset_jump(pa, 0);
    }
    return NULL;
}

static void test_patch_while_running(void **state)
{
    (void)state;
    init(4u << 20, 2);
    struct ir_ctx *c = new_ctx();
    ir_reset(c);
    ir_binop(c, IR_ADD, IR_I64, 3, 3, ir_const64(c, 1));   /* g1++ */
    ir_exit_tb(c, IR_EXIT_NOCHAIN);
    assert_int_equal(be_gen_code(c, &pb), 0);
    ir_reset(c);
    ir_binop(c, IR_ADD, IR_I64, 2, 2, ir_const64(c, 1));   /* g0++ */
    ir_goto_tb(c, 0);
    ir_exit_tb(c, IR_EXIT_SLOT0);
    assert_int_equal(be_gen_code(c, &pa), 0);

    pthread_t t;
    atomic_store(&patch_stop, false);
    pthread_create(&t, NULL, patcher, NULL);
    struct fenv env = { { 0 } };
    uintptr_t ra = (uintptr_t)be_block_owner(pa) | IR_EXIT_SLOT0;
    uintptr_t rb = (uintptr_t)be_block_owner(pb);
    unsigned long na = 0, nb = 0, n = 200000;
    for (unsigned long i = 0; i < n; i++) {
        uintptr_t r = be_exec(&env, pa->code);
        if (r == ra)
            na++;
        else if (r == rb)
            nb++;
        else
            fail_msg("bad exit %#lx", (unsigned long)r);
    }
    atomic_store(&patch_stop, true);
    pthread_join(t, NULL);
    assert_true(env.g[0] == n && env.g[1] == nb && na + nb == n);
    fprintf(stderr, "patched path taken %lu of %lu times\n", nb, n);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_blocks),
        cmocka_unit_test(test_enospc_flush_discard),
        cmocka_unit_test(test_e2big),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_patch_while_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
