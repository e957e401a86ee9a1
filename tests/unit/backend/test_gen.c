/*
 * test_gen.c — end to end: IR built with the ir_* builders, compiled by
 * be_gen_code, run with be_exec on a fake env, results checked against
 * ir_fold / ir_cond_eval (the IR's reference semantics).
 *
 * The fake env has I64 globals g[], I32 globals w[], a result array, and a
 * softmmu TLB laid out per be_softmmu_layout (16 entries of 32 bytes per
 * mmu index, 2 indexes) whose slow-path helpers record their arguments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../death.h"

#include "backend/backend.h"
#include "translate/ir_helper.h"
#include "translate/translator.h"

#define NG 8
#define NRES 64
#define TLB_BITS 4
#define PAGE 4096u

struct tlb_entry { uint64_t cmp_read, cmp_write; uintptr_t addend; uint64_t pad; };

struct fenv {
    uint64_t g[NG];
    uint32_t w[4];
    uint64_t res[NRES];
    uint64_t ptr;                        /* for goto_ptr */
    uint64_t cnt;                        /* for add_env */
    uint32_t cnt32;
    struct tlb_entry tlb[2][1 << TLB_BITS];
};

static struct fenv env;
static struct ir_ctx *ctx;
static ir_temp G[NG], W[4];
static _Alignas(4096) uint8_t ram[2 * PAGE];
#define RAM_VA 0x80000000ull

/* ---- slow-path helpers --------------------------------------------------- */

struct slow_call { int n; void *env; uint64_t addr, val; unsigned mmu, size;
                   uintptr_t ra; };
static struct slow_call slow;

static uint64_t slow_value(uint64_t addr, unsigned size)
{
    uint64_t v = 0xf1e2d3c4b5a69788ull ^ (addr * 0x10001);
    return size == 3 ? v : v & ((1ull << (8 << size)) - 1);
}

#define LD(sz) static uint64_t ld##sz(void *e, uint64_t a, unsigned m,        \
                                      uintptr_t ra)                          \
    { slow = (struct slow_call){ slow.n + 1, e, a, 0, m, sz, ra };           \
      return slow_value(a, sz); }
#define ST(sz) static void st##sz(void *e, uint64_t a, uint64_t v, unsigned m, \
                                  uintptr_t ra)                              \
    { slow = (struct slow_call){ slow.n + 1, e, a, v, m, sz, ra }; }
LD(0) LD(1) LD(2) LD(3)
ST(0) ST(1) ST(2) ST(3)

static void tlb_map(unsigned mmu, uint64_t va, uint8_t *host)
{
    struct tlb_entry *e = &env.tlb[mmu][(va / PAGE) & ((1 << TLB_BITS) - 1)];
    e->cmp_read = e->cmp_write = va;
    e->addend = (uintptr_t)host - va;
}

static int setup(void **state)
{
    (void)state;
    struct be_config cfg = {
        .code_size = 64u << 20, .max_threads = 2, .owner_size = 24,
        .mem = {
            .tlb_offset = offsetof(struct fenv, tlb), .tlb_bits = TLB_BITS,
            .entry_shift = 5, .page_bits = 12,
            .cmp_read_off = 0, .cmp_write_off = 8, .addend_off = 16,
            .ld_slow = { ld0, ld1, ld2, ld3 }, .st_slow = { st0, st1, st2, st3 },
        },
    };
    assert_int_equal(be_init(&cfg), 0);
    ctx = malloc(sizeof(*ctx));
    ir_ctx_init(ctx);
    for (int i = 0; i < NG; i++)
        G[i] = ir_global(ctx, IR_I64, offsetof(struct fenv, g[i]), "g");
    for (int i = 0; i < 4; i++)
        W[i] = ir_global(ctx, IR_I32, offsetof(struct fenv, w[i]), "w");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ctx);
    return 0;
}

/* ---- building and running ---------------------------------------------- */

static void begin(void)
{
    ir_reset(ctx);
    ir_insn_start(ctx, 0x1000, 0);
}

static void store_res(ir_temp t, unsigned i)
{
    ir_st_env(ctx, t, IR_MO_64, (int32_t)offsetof(struct fenv, res[i]));
}

static struct be_block *gen(void)
{
    struct be_block *b = NULL;
    assert_false(ctx->overflow);
    assert_int_equal(be_gen_code(ctx, &b), 0);
    assert_non_null(b);
    return b;
}

static struct be_block *finish(void)
{
    ir_exit_tb(ctx, IR_EXIT_NOCHAIN);
    return gen();
}

static uintptr_t run(struct be_block *b)
{
    return be_exec(&env, b->code);
}

static const uint64_t vals[] = {
    0, 1, 2, 3, 7, 0x7f, 0x80, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
    0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
    0xffffffffffffffffull, 0xfffffffffffffffeull, 0xffffffff80000000ull,
    0x123456789abcdef0ull, 0xfedcba9876543210ull, 31, 32, 33, 63, 64, 65,
    0xffffffff00000001ull,
};
#define NVALS ARRAY_SIZE(vals)

/* ---- binary ops ------------------------------------------------------------ */

static void check_binop(enum ir_opc opc, enum ir_type ty)
{
    /* Block 1: registers.  res[0] = g0 op g1 (fresh temp); res[1] = in
     * place into global g2 (g2 = g2 op g1, g2 preloaded with g0); res[2]
     * = a op a. */
    begin();
    ir_temp a = ir_temp_new(ctx, ty), c = ir_temp_new(ctx, ty),
            d = ir_temp_new(ctx, ty), e = ir_temp_new(ctx, ty);
    ir_mov(ctx, ty, a, G[0]);
    ir_mov(ctx, ty, c, G[1]);
    ir_binop(ctx, opc, ty, d, a, c);
    store_res(d, 0);
    ir_binop(ctx, opc, ty, G[2], G[2], G[1]);
    ir_binop(ctx, opc, ty, e, a, a);
    store_res(e, 2);
    struct be_block *rr = finish();

    for (size_t i = 0; i < NVALS; i++) {
        for (size_t j = 0; j < NVALS; j++) {
            uint64_t want, want2, want3;
            assert_true(ir_fold(opc, ty, vals[i], vals[j], &want));
            ir_fold(opc, ty, vals[i], vals[i], &want3);
            env.g[0] = env.g[2] = vals[i];
            env.g[1] = vals[j];
            memset(env.res, 0xa5, sizeof(env.res));
            run(rr);
            want2 = want;
            if (env.res[0] != want || env.g[2] != want2 || env.res[2] != want3) {
                fprintf(stderr, "%s.%s(%#llx, %#llx) = %#llx / %#llx / %#llx,"
                        " want %#llx / %#llx\n", ir_opc_name(opc),
                        ty == IR_I32 ? "i32" : "i64",
                        (unsigned long long)vals[i], (unsigned long long)vals[j],
                        (unsigned long long)env.res[0],
                        (unsigned long long)env.g[2],
                        (unsigned long long)env.res[2],
                        (unsigned long long)want, (unsigned long long)want3);
                fail();
            }
        }
    }

    /* Block 2: constants.  res[2j] = g0 op vals[j], res[2j+1] = vals[j] op g0. */
    begin();
    a = ir_temp_new(ctx, ty);
    ir_mov(ctx, ty, a, G[0]);
    for (size_t j = 0; j < NVALS; j++) {
        ir_temp k = ir_const(ctx, ty, vals[j]);
        ir_temp r1 = ir_temp_new(ctx, ty), r2 = ir_temp_new(ctx, ty);
        ir_binop(ctx, opc, ty, r1, a, k);
        store_res(r1, 2 * j);
        ir_binop(ctx, opc, ty, r2, k, a);
        store_res(r2, 2 * j + 1);
    }
    struct be_block *rc = finish();
    for (size_t i = 0; i < NVALS; i++) {
        env.g[0] = vals[i];
        run(rc);
        for (size_t j = 0; j < NVALS; j++) {
            uint64_t w1, w2;
            ir_fold(opc, ty, vals[i], vals[j], &w1);
            ir_fold(opc, ty, vals[j], vals[i], &w2);
            if (env.res[2 * j] != w1 || env.res[2 * j + 1] != w2) {
                fprintf(stderr, "%s.%s const: (%#llx, %#llx) = %#llx / %#llx,"
                        " want %#llx / %#llx\n", ir_opc_name(opc),
                        ty == IR_I32 ? "i32" : "i64",
                        (unsigned long long)vals[i], (unsigned long long)vals[j],
                        (unsigned long long)env.res[2 * j],
                        (unsigned long long)env.res[2 * j + 1],
                        (unsigned long long)w1, (unsigned long long)w2);
                fail();
            }
        }
    }
}

/* The foldable ops of a shape (MOV aside), in table order. */
static unsigned fold_ops(enum ir_shape shape, enum ir_opc *out)
{
    unsigned n = 0;
    for (unsigned o = 0; o < IR_OPC_COUNT; o++)
        if (ir_def(o)->shape == shape && ir_op_has(o, IR_OPF_FOLD) &&
            o != IR_MOV)
            out[n++] = (enum ir_opc)o;
    return n;
}

static void test_binops(void **state)
{
    (void)state;
    enum ir_opc ops[IR_OPC_COUNT];
    unsigned n = fold_ops(IR_SHAPE_O1_I2, ops);
    assert_true(n >= 14);   /* ADD .. REMU at least */
    for (unsigned i = 0; i < n; i++) {
        check_binop(ops[i], IR_I32);
        check_binop(ops[i], IR_I64);
    }
}

/* ---- unary ops, mov ---------------------------------------------------------- */

static void test_unops(void **state)
{
    (void)state;
    enum ir_opc ops[IR_OPC_COUNT];
    unsigned nops = fold_ops(IR_SHAPE_O1_I1, ops);
    assert_true(nops >= 8);   /* NEG, NOT, EXT8S .. EXT32U at least */
    for (int ty = IR_I32; ty <= IR_I64; ty++) {
        begin();
        ir_temp a = ir_temp_new(ctx, (enum ir_type)ty);
        ir_mov(ctx, (enum ir_type)ty, a, G[0]);
        unsigned n = 0;
        for (unsigned k = 0; k < nops; k++) {
            enum ir_opc opc = ops[k];
            ir_temp d = ir_temp_new(ctx, (enum ir_type)ty);
            ir_unop(ctx, opc, (enum ir_type)ty, d, a);
            store_res(d, n++);
        }
        ir_temp m = ir_temp_new(ctx, (enum ir_type)ty);
        ir_mov(ctx, (enum ir_type)ty, m, G[0]);   /* I32 mov truncates */
        store_res(m, n++);
        ir_unop(ctx, IR_NOT, (enum ir_type)ty, G[1], G[1]);   /* in place */
        struct be_block *b = finish();
        for (size_t i = 0; i < NVALS; i++) {
            env.g[0] = vals[i];
            env.g[1] = vals[i];
            run(b);
            n = 0;
            for (unsigned k = 0; k < nops; k++) {
                enum ir_opc opc = ops[k];
                uint64_t want;
                ir_fold(opc, (enum ir_type)ty, vals[i], 0, &want);
                if (env.res[n] != want) {
                    fprintf(stderr, "%s.%d(%#llx) = %#llx want %#llx\n",
                            ir_opc_name(opc), ty,
                            (unsigned long long)vals[i],
                            (unsigned long long)env.res[n],
                            (unsigned long long)want);
                    fail();
                }
                n++;
            }
            uint64_t want;
            ir_fold(IR_MOV, (enum ir_type)ty, vals[i], 0, &want);
            assert_true(env.res[n] == want);
            ir_fold(IR_NOT, (enum ir_type)ty, vals[i], 0, &want);
            assert_true(env.g[1] == want);
        }
    }
}

/* ---- conditions ---------------------------------------------------------------- */

static void test_setcond_movcond(void **state)
{
    (void)state;
    for (int ty = IR_I32; ty <= IR_I64; ty++) {
        enum ir_type t = (enum ir_type)ty;
        begin();
        ir_temp a = ir_temp_new(ctx, t), c = ir_temp_new(ctx, t);
        ir_mov(ctx, t, a, G[0]);
        ir_mov(ctx, t, c, G[1]);
        ir_temp k0 = ir_const(ctx, t, 0), k5 = ir_const(ctx, t, 5);
        for (int cond = IR_EQ; cond <= IR_GTU; cond++) {
            ir_temp d1 = ir_temp_new(ctx, t), d2 = ir_temp_new(ctx, t),
                    d3 = ir_temp_new(ctx, t), d4 = ir_temp_new(ctx, t);
            ir_setcond(ctx, t, (enum ir_cond)cond, d1, a, c);
            store_res(d1, 5 * cond);
            ir_setcond(ctx, t, (enum ir_cond)cond, d2, a, k0);
            store_res(d2, 5 * cond + 1);
            ir_setcond(ctx, t, (enum ir_cond)cond, d3, k5, c);
            store_res(d3, 5 * cond + 2);
            ir_movcond(ctx, t, (enum ir_cond)cond, d4, a, c, G[2], G[3]);
            store_res(d4, 5 * cond + 3);
            ir_temp d5 = ir_temp_new(ctx, t);
            ir_movcond(ctx, t, (enum ir_cond)cond, d5, a, k5, a, c);
            store_res(d5, 5 * cond + 4);
        }
        struct be_block *b = finish();
        for (size_t i = 0; i < NVALS; i++) {
            for (size_t j = 0; j < NVALS; j += 3) {
                env.g[0] = vals[i];
                env.g[1] = vals[j];
                env.g[2] = 0x1111111122222222ull;
                env.g[3] = 0x3333333344444444ull;
                run(b);
                for (int cond = IR_EQ; cond <= IR_GTU; cond++) {
                    enum ir_cond cc = (enum ir_cond)cond;
                    bool c1 = ir_cond_eval(cc, t, vals[i], vals[j]);
                    uint64_t m = t == IR_I32 ? 0xffffffffull : ~0ull;
                    assert_int_equal(env.res[5 * cond], c1);
                    assert_int_equal(env.res[5 * cond + 1],
                                     ir_cond_eval(cc, t, vals[i], 0));
                    assert_int_equal(env.res[5 * cond + 2],
                                     ir_cond_eval(cc, t, 5, vals[j]));
                    assert_true(env.res[5 * cond + 3] ==
                                ((c1 ? env.g[2] : env.g[3]) & m));
                    bool c5 = ir_cond_eval(cc, t, vals[i], 5);
                    assert_true(env.res[5 * cond + 4] ==
                                ((c5 ? vals[i] : vals[j]) & m));
                }
            }
        }
    }
}

/* ---- control flow, locals --------------------------------------------------------- */

static void test_branches_locals(void **state)
{
    (void)state;
    /* acc = 0; for (i = 0; i < g0; i++) { acc += i * g1; if (i & 1) acc ^= 1; }
     * with LOCAL i, acc and NORMAL temps inside each basic block. */
    begin();
    ir_temp i = ir_temp_local(ctx, IR_I64), acc = ir_temp_local(ctx, IR_I64);
    ir_label top = ir_label_new(ctx), skip = ir_label_new(ctx),
             out = ir_label_new(ctx);
    ir_mov(ctx, IR_I64, i, ir_const64(ctx, 0));
    ir_mov(ctx, IR_I64, acc, ir_const64(ctx, 0));
    ir_set_label(ctx, top);
    ir_brcond(ctx, IR_I64, IR_GEU, i, G[0], out);
    ir_temp p = ir_temp_new(ctx, IR_I64);
    ir_binop(ctx, IR_MUL, IR_I64, p, i, G[1]);
    ir_binop(ctx, IR_ADD, IR_I64, acc, acc, p);
    ir_temp odd = ir_temp_new(ctx, IR_I64);
    ir_binop(ctx, IR_AND, IR_I64, odd, i, ir_const64(ctx, 1));
    ir_brcond(ctx, IR_I64, IR_EQ, odd, ir_const64(ctx, 0), skip);
    ir_binop(ctx, IR_XOR, IR_I64, acc, acc, ir_const64(ctx, 1));
    ir_set_label(ctx, skip);
    ir_binop(ctx, IR_ADD, IR_I64, i, i, ir_const64(ctx, 1));
    ir_br(ctx, top);
    ir_set_label(ctx, out);
    store_res(acc, 0);
    ir_mov(ctx, IR_I64, G[2], i);
    struct be_block *b = finish();
    for (uint64_t n = 0; n < 20; n++) {
        env.g[0] = n;
        env.g[1] = 3;
        run(b);
        uint64_t want = 0;
        for (uint64_t k = 0; k < n; k++) {
            want += k * 3;
            if (k & 1)
                want ^= 1;
        }
        assert_true(env.res[0] == want);
        assert_true(env.g[2] == n);
    }
}

/* ---- register pressure ----------------------------------------------------------- */

static uint64_t h_mix(uint64_t a, uint64_t b) { return a * 31 + b; }
static const struct ir_helper h_mix_info =
    IR_HELPER_INIT(h_mix, "mix", 0, i64, i64, i64);

static void test_pressure(void **state)
{
    (void)state;
    enum { N = 40 };
    begin();
    ir_temp t[N];
    for (int k = 0; k < N; k++) {
        t[k] = ir_temp_new(ctx, IR_I64);
        ir_binop(ctx, IR_ADD, IR_I64, t[k], G[k % 4],
                 ir_const64(ctx, (uint64_t)k * 0x10001));
        if (k % 3 == 0)
            ir_binop(ctx, IR_MUL, IR_I64, G[k % 4], G[k % 4], ir_const64(ctx, 3));
    }
    /* a helper call in the middle: all N live temps must survive it */
    ir_temp h = ir_temp_new(ctx, IR_I64);
    ir_call_helper(ctx, &h_mix_info, h, t[0], t[N - 1]);
    ir_temp sum = ir_temp_new(ctx, IR_I64);
    ir_mov(ctx, IR_I64, sum, h);
    for (int k = N - 1; k >= 0; k--) {
        ir_temp s2 = ir_temp_new(ctx, IR_I64);
        ir_binop(ctx, IR_MUL, IR_I64, s2, sum, ir_const64(ctx, 7));
        ir_binop(ctx, IR_XOR, IR_I64, sum, s2, t[k]);
    }
    store_res(sum, 0);
    struct be_block *b = finish();

    uint64_t g0[4] = { 5, 0x1234, 0xffffffffffff0000ull, 99 };
    memcpy(env.g, g0, sizeof(g0));
    run(b);
    uint64_t g[4], tv[N];
    memcpy(g, g0, sizeof(g));
    for (int k = 0; k < N; k++) {
        tv[k] = g[k % 4] + (uint64_t)k * 0x10001;
        if (k % 3 == 0)
            g[k % 4] *= 3;
    }
    uint64_t s = h_mix(tv[0], tv[N - 1]);
    for (int k = N - 1; k >= 0; k--)
        s = (s * 7) ^ tv[k];
    assert_true(env.res[0] == s);
    for (int k = 0; k < 4; k++)
        assert_true(env.g[k] == g[k]);
}

/* ---- helper calls -------------------------------------------------------------------- */

static uintptr_t h_ra;
static uint64_t h_seen_g0;

static uint64_t h6(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                   uint64_t f)
{
    h_ra = (uintptr_t)__builtin_return_address(0);
    h_seen_g0 = env.g[0];     /* globals are synced before the call */
    env.g[1] = 77;            /* and reloaded after it */
    return a + 2 * b + 3 * c + 5 * d + 7 * e + 11 * f;
}

static uint64_t h_env(uint64_t e, uint64_t a, uint64_t b, uint64_t c,
                      uint64_t d, uint64_t f)
{
    return (e == (uintptr_t)&env) ? a ^ (b << 8) ^ (c << 16) ^ (d << 24) ^ (f << 32)
                                  : 0xdead;
}

static const struct ir_helper h6_info =
    IR_HELPER_INIT(h6, "h6", 0, i64, i64, i64, i64, i64, i64, i64);
static const struct ir_helper h_env_ro_info = IR_HELPER_INIT(h_env, "h_env",
    IR_CALL_READ_ONLY, i64, env, i64, i64, i64, i64, i64);
/* the same function, its result declared 32-bit (truncated by the call) */
static const struct ir_helper h_env_ng32_info = IR_HELPER_INIT(h_env, "h_env",
    IR_CALL_NO_GLOBALS, i32, env, i64, i64, i64, i64, i64);

static void test_calls(void **state)
{
    (void)state;
    begin();
    ir_insn_start(ctx, 0x1004, 7);
    ir_temp x = ir_temp_new(ctx, IR_I64), y = ir_temp_new(ctx, IR_I64),
            r = ir_temp_new(ctx, IR_I64), r2 = ir_temp_new(ctx, IR_I64),
            r3 = ir_temp_new(ctx, IR_I32);
    ir_binop(ctx, IR_ADD, IR_I64, G[0], G[0], ir_const64(ctx, 1));  /* dirty */
    ir_binop(ctx, IR_ADD, IR_I64, x, G[2], ir_const64(ctx, 10));
    ir_binop(ctx, IR_ADD, IR_I64, y, G[3], ir_const64(ctx, 20));
    ir_temp k = ir_const64(ctx, 0x123456789ull);
    ir_call_helper(ctx, &h6_info, r, x, y, G[2], k, G[1], x);
    ir_insn_start(ctx, 0x1008, 0);
    store_res(r, 0);
    store_res(G[1], 1);                 /* 77: reloaded */
    store_res(y, 2);                    /* survived the call */
    /* args in a permutation of the arg registers (parallel-move cycles) */
    ir_call_helper(ctx, &h_env_ro_info, r2, ir_env(ctx), y, x, r, G[3],
                   ir_const64(ctx, 3));
    ir_call_helper(ctx, &h_env_ng32_info, r3, ir_env(ctx), r2, y, x, r, G[3]);
    store_res(r2, 3);
    store_res(r3, 4);
    struct be_block *b = finish();

    env.g[0] = 41;
    env.g[1] = 1;
    env.g[2] = 1000;
    env.g[3] = 2000;
    run(b);
    uint64_t x0 = 1010, y0 = 2020;
    uint64_t want = x0 + 2 * y0 + 3 * 1000 + 5 * 0x123456789ull + 7 * 1 + 11 * x0;
    assert_true(env.res[0] == want);
    assert_true(h_seen_g0 == 42);
    assert_true(env.g[0] == 42);
    assert_true(env.res[1] == 77);
    assert_true(env.res[2] == y0);
    uint64_t w2 = y0 ^ (x0 << 8) ^ (want << 16) ^ (2000ull << 24) ^ (3ull << 32);
    assert_true(env.res[3] == w2);
    uint64_t w3 = w2 ^ (y0 << 8) ^ (x0 << 16) ^ (want << 24) ^ (2000ull << 32);
    assert_true(env.res[4] == (uint32_t)w3);
    /* GETPC() inside the helper maps back to the calling instruction */
    assert_ptr_equal(be_find_block(h_ra - 1), b);
    uint64_t data[2];
    assert_int_equal(be_block_unwind(b, h_ra, data), 1);
    assert_true(data[0] == 0x1004 && data[1] == 7);
    struct tr_insn_pos pos;
    assert_true(tr_unwind(h_ra, &pos) && pos.data[0] == 0x1004);
    assert_int_equal(pos.index, 1);     /* second of the block's three */
    assert_int_equal(pos.count, 3);
}

/* ---- guest memory ------------------------------------------------------------------------ */

static void test_qld_qst(void **state)
{
    (void)state;
    memset(env.tlb, 0xff, sizeof(env.tlb));   /* all entries miss */
    tlb_map(0, RAM_VA, ram);
    tlb_map(1, RAM_VA + PAGE, ram + PAGE);
    for (unsigned i = 0; i < sizeof(ram); i++)
        ram[i] = (uint8_t)(i * 7 + 3);

    /* loads: every size, signed and unsigned, both types, from g0 + 8 */
    begin();
    ir_temp addr = ir_temp_new(ctx, IR_I64);
    ir_binop(ctx, IR_ADD, IR_I64, addr, G[0], ir_const64(ctx, 8));
    unsigned n = 0;
    for (int ty = IR_I32; ty <= IR_I64; ty++)
        for (unsigned mo = 0; mo < 8; mo++) {
            if (ty == IR_I32 && (mo & 3) == 3)
                continue;
            ir_insn_start(ctx, 0x2000 + 4 * n, n);
            ir_temp d = ir_temp_new(ctx, (enum ir_type)ty);
            ir_qld(ctx, (enum ir_type)ty, d, addr, (enum ir_memop)mo, 0);
            store_res(d, n++);
        }
    /* stores of every size through mmu index 1 */
    ir_insn_start(ctx, 0x3000, 0);
    ir_temp a1 = ir_temp_new(ctx, IR_I64);
    ir_mov(ctx, IR_I64, a1, G[1]);
    for (unsigned sz = 0; sz < 4; sz++) {
        ir_temp aa = ir_temp_new(ctx, IR_I64);
        ir_binop(ctx, IR_ADD, IR_I64, aa, a1, ir_const64(ctx, 16 * sz));
        ir_qst(ctx, G[2], aa, (enum ir_memop)sz, 1);
    }
    struct be_block *b = finish();

    /* hit */
    env.g[0] = RAM_VA + 0x100;
    env.g[1] = RAM_VA + PAGE + 0x40;
    env.g[2] = 0x8877665544332211ull;
    slow.n = 0;
    run(b);
    assert_int_equal(slow.n, 0);
    n = 0;
    for (int ty = IR_I32; ty <= IR_I64; ty++)
        for (unsigned mo = 0; mo < 8; mo++) {
            if (ty == IR_I32 && (mo & 3) == 3)
                continue;
            unsigned sz = mo & 3;
            uint64_t v = 0;
            memcpy(&v, ram + 0x108, 1u << sz);
            if ((mo & IR_MO_SIGN) && sz < 3)
                v = (uint64_t)((int64_t)(v << (64 - (8 << sz))) >> (64 - (8 << sz)));
            if (ty == IR_I32)
                v = (uint32_t)v;
            assert_true(env.res[n] == v);
            n++;
        }
    for (unsigned sz = 0; sz < 4; sz++) {
        uint64_t got = 0;
        memcpy(&got, ram + PAGE + 0x40 + 16 * sz, 1u << sz);
        assert_true(got == (env.g[2] & (sz == 3 ? ~0ull : (1ull << (8 << sz)) - 1)));
    }

    /* miss: a page with no TLB entry goes through the slow helpers */
    env.g[0] = 0x90000000;
    slow.n = 0;
    run(b);
    assert_int_equal(slow.n, n);       /* the loads missed, the stores hit */
    n = 0;
    for (int ty = IR_I32; ty <= IR_I64; ty++)
        for (unsigned mo = 0; mo < 8; mo++) {
            if (ty == IR_I32 && (mo & 3) == 3)
                continue;
            unsigned sz = mo & 3;
            uint64_t v = slow_value(0x90000008, sz);
            if ((mo & IR_MO_SIGN) && sz < 3)
                v = (uint64_t)((int64_t)(v << (64 - (8 << sz))) >> (64 - (8 << sz)));
            if (ty == IR_I32)
                v = (uint32_t)v;
            assert_true(env.res[n] == v);
            n++;
        }
    /* the last miss was the signed 64-bit load, through mmu index 0 */
    assert_int_equal(slow.size, 3);
    assert_true(slow.addr == 0x90000008);
    assert_int_equal(slow.mmu, 0);
    uint64_t data[2];
    assert_int_equal(be_block_unwind(b, slow.ra, data), (int)n);
    assert_true(data[0] == 0x2000 + 4 * (n - 1) && data[1] == n - 1);
}

/* One load miss, checked precisely: args and retaddr → instruction. */
static void test_qld_miss_args(void **state)
{
    (void)state;
    memset(env.tlb, 0xff, sizeof(env.tlb));
    tlb_map(0, RAM_VA, ram);
    begin();
    ir_temp keep[12];
    for (int k = 0; k < 12; k++) {       /* live across the slow path */
        keep[k] = ir_temp_new(ctx, IR_I64);
        ir_binop(ctx, IR_XOR, IR_I64, keep[k], G[1], ir_const64(ctx, (uint64_t)k << 40));
    }
    ir_insn_start(ctx, 0x5550, 0x99);
    ir_temp d = ir_temp_new(ctx, IR_I64);
    ir_qld(ctx, IR_I64, d, G[0], IR_MO_16 | IR_MO_SIGN, 1);
    ir_insn_start(ctx, 0x5554, 0);
    ir_temp s = ir_temp_new(ctx, IR_I64);
    ir_mov(ctx, IR_I64, s, d);
    for (int k = 0; k < 12; k++)
        ir_binop(ctx, IR_ADD, IR_I64, s, s, keep[k]);
    store_res(s, 0);
    ir_qst(ctx, G[2], G[0], IR_MO_16, 1);   /* store miss, insn 0x5554 */
    struct be_block *b = finish();

    env.g[0] = 0x90000002;
    env.g[1] = 0x55;
    env.g[2] = 0xabcdef;
    slow.n = 0;
    run(b);
    assert_int_equal(slow.n, 2);
    /* first call: the load */
    uint64_t want = (uint64_t)(int64_t)(int16_t)slow_value(0x90000002, 1);
    for (int k = 0; k < 12; k++)
        want += 0x55 ^ ((uint64_t)k << 40);
    if (env.res[0] != want) {
        fprintf(stderr, "got %#llx want %#llx\n", (unsigned long long)env.res[0],
                (unsigned long long)want);
        be_disas(stderr, b->code, b->code_size);
    }
    assert_true(env.res[0] == want);
    /* last call: the store */
    assert_ptr_equal(slow.env, &env);
    assert_true(slow.addr == 0x90000002 && slow.val == 0xabcdef);
    assert_int_equal(slow.mmu, 1);
    assert_int_equal(slow.size, 1);
    uint64_t data[2];
    assert_ptr_equal(be_find_block(slow.ra), b);
    assert_int_equal(be_block_unwind(b, slow.ra, data), 2);
    assert_true(data[0] == 0x5554);

    /* only the load: re-run with a hook on the count */
    tlb_map(1, 0x90000000, ram);    /* now the store hits (mmu 1) ... */
    env.tlb[1][0].cmp_read = ~0ull; /* ... but loads through mmu 1 miss */
    slow.n = 0;
    run(b);
    assert_int_equal(slow.n, 1);
    assert_true(slow.addr == 0x90000002);
    assert_int_equal(slow.mmu, 1);
    assert_int_equal(slow.size, 1);
    assert_ptr_equal(be_find_block(slow.ra), b);
    assert_int_equal(be_block_unwind(b, slow.ra, data), 1);
    assert_true(data[0] == 0x5550 && data[1] == 0x99);
    struct tr_insn_pos pos = { .index = 99 };
    assert_true(tr_unwind(slow.ra, &pos));   /* what be_init registered */
    assert_true(pos.data[0] == 0x5550 && pos.data[1] == 0x99);
    assert_int_equal(pos.index, 1);
    assert_int_equal(pos.count, b->icount);
    uint16_t stored;
    memcpy(&stored, ram + 2, 2);
    assert_true(stored == 0xcdef);

    /* misaligned: never hits, even with a mapped page */
    tlb_map(0, 0x90000000, ram);
    tlb_map(1, 0x90000000, ram);
    slow.n = 0;
    env.g[0] = 0x90000001;
    run(b);
    assert_int_equal(slow.n, 2);
    env.g[0] = 0x90000004;
    slow.n = 0;
    run(b);
    assert_int_equal(slow.n, 0);
}

/* ---- exits, chaining ---------------------------------------------------------------------- */

static void test_goto_tb_ptr_exit(void **state)
{
    (void)state;
    begin();
    ir_mov(ctx, IR_I64, G[0], ir_const64(ctx, 42));
    ir_exit_tb(ctx, IR_EXIT_NOCHAIN);
    struct be_block *bb = gen();

    begin();
    ir_mov(ctx, IR_I64, G[0], ir_const64(ctx, 1));
    ir_label l = ir_label_new(ctx);
    ir_brcond(ctx, IR_I64, IR_NE, G[1], ir_const64(ctx, 0), l);
    ir_goto_tb(ctx, 0);
    ir_exit_tb(ctx, IR_EXIT_SLOT0);
    ir_set_label(ctx, l);
    ir_goto_tb(ctx, 1);
    ir_exit_tb(ctx, IR_EXIT_SLOT1);
    struct be_block *ba = gen();
    for (int s = 0; s < 2; s++) {
        assert_int_not_equal(ba->jmp_insn_off[s], BE_NO_SLOT);
        assert_int_equal((uintptr_t)(ba->code + ba->jmp_insn_off[s]) & 3, 0);
    }

    env.g[1] = 0;
    assert_true(run(ba) == ((uintptr_t)be_block_owner(ba) | IR_EXIT_SLOT0));
    assert_true(env.g[0] == 1);
    env.g[1] = 1;
    assert_true(run(ba) == ((uintptr_t)be_block_owner(ba) | IR_EXIT_SLOT1));
    be_patch_jump(ba, 1, bb->code);
    assert_true(run(ba) == (uintptr_t)be_block_owner(bb));
    assert_true(env.g[0] == 42);
    env.g[1] = 0;
    assert_true(run(ba) == ((uintptr_t)be_block_owner(ba) | IR_EXIT_SLOT0));
    be_reset_jump(ba, 1);
    env.g[1] = 1;
    assert_true(run(ba) == ((uintptr_t)be_block_owner(ba) | IR_EXIT_SLOT1));
    assert_ptr_equal(be_block_from_owner(be_block_owner(ba)), ba);

    /* goto_ptr: to a block, and to the return stub */
    begin();
    ir_temp p = ir_temp_new(ctx, IR_I64);
    ir_ld_env(ctx, IR_I64, p, IR_MO_64, offsetof(struct fenv, ptr));
    ir_mb(ctx, IR_MB_ALL);
    ir_goto_ptr(ctx, p);
    struct be_block *bp = gen();
    env.ptr = (uintptr_t)bb->code;
    env.g[0] = 0;
    assert_true(run(bp) == (uintptr_t)be_block_owner(bb));
    assert_true(env.g[0] == 42);
    env.ptr = (uintptr_t)be_return_stub();
    assert_true(run(bp) == 0);

    begin();
    ir_exit_tb(ctx, IR_EXIT_REQUESTED);
    struct be_block *br = gen();
    assert_true(run(br) == ((uintptr_t)be_block_owner(br) | IR_EXIT_REQUESTED));
}

/* ---- env loads/stores, I32 globals, disassembly ----------------------------------------------- */

static void test_env_i32_globals(void **state)
{
    (void)state;
    begin();
    ir_temp t = ir_temp_new(ctx, IR_I32);
    ir_binop(ctx, IR_ADD, IR_I32, t, W[0], W[1]);
    ir_mov(ctx, IR_I32, W[2], t);
    ir_temp s = ir_temp_new(ctx, IR_I64);
    ir_ld_env(ctx, IR_I64, s, IR_MO_16 | IR_MO_SIGN, offsetof(struct fenv, w[3]));
    store_res(s, 0);
    ir_st_env(ctx, s, IR_MO_8, offsetof(struct fenv, res[1]));
    struct be_block *b = finish();
    env.w[0] = 0xfffffff0;
    env.w[1] = 0x20;
    env.w[2] = 0;
    env.w[3] = 0x12348000;
    env.res[1] = 0x1111111111111111ull;
    run(b);
    assert_int_equal(env.w[2], 0x10);
    assert_true(env.res[0] == 0xffffffffffff8000ull);
    assert_true(env.res[1] == 0x1111111111111100ull);
    assert_int_equal(env.w[3], 0x12348000);   /* neighbour untouched */

    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    be_disas(f, b->code, b->code_size);
    fclose(f);
    assert_non_null(strstr(out, "lea"));   /* add into a new temp */
    assert_non_null(strstr(out, "r14"));
    free(out);
}

/* add_env: a read-modify-write of an env field, both widths and both
 * immediate forms, with a global cached in a register around it (the op
 * must neither clobber nor sync it). */
static void test_add_env(void **state)
{
    (void)state;
    begin();
    ir_binop(ctx, IR_ADD, IR_I64, G[0], G[0], ir_const64(ctx, 1));
    unsigned i = ir_add_env(ctx, IR_I64, offsetof(struct fenv, cnt), 0);
    assert_int_equal(i, ctx->nops - 1);
    ctx->ops[i].args[1] = 5;            /* set later, as the translator does */
    ir_add_env(ctx, IR_I64, offsetof(struct fenv, cnt), 0x12345);
    ir_add_env(ctx, IR_I32, offsetof(struct fenv, cnt32), -2);
    ir_binop(ctx, IR_ADD, IR_I64, G[0], G[0], ir_const64(ctx, 1));
    struct be_block *b = finish();
    env.cnt = UINT64_MAX - 4;           /* wraps at 2^64 */
    env.cnt32 = 1;
    env.g[0] = 10;
    run(b);
    assert_true(env.cnt == 0x12345);
    assert_int_equal(env.cnt32, 0xffffffffu);
    assert_true(env.g[0] == 12);
}

/* ---- unknown ops --------------------------------------------------------- */

/* An op outside the table (a corrupt op list: ir_emit refuses to make one)
 * must stop code generation, never be skipped. */
static void gen_unknown(void *arg)
{
    (void)arg;
    begin();
    ir_temp t = ir_temp_new(ctx, IR_I64);
    ir_mov(ctx, IR_I64, t, G[0]);
    store_res(t, 0);
    ctx->ops[ctx->nops - 1].opc = IR_OPC_COUNT + 3;
    ir_exit_tb(ctx, IR_EXIT_NOCHAIN);
    struct be_block *b = NULL;
    if (be_gen_code(ctx, &b) == 0)
        printf("generated\n");   /* not reached */
}

static void test_unknown_op_is_fatal(void **state)
{
    (void)state;
    char want[64];
    snprintf(want, sizeof(want), "unknown IR op %u",
             (unsigned)IR_OPC_COUNT + 3);
    expect_fatal(gen_unknown, NULL, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binops),
        cmocka_unit_test(test_unops),
        cmocka_unit_test(test_setcond_movcond),
        cmocka_unit_test(test_branches_locals),
        cmocka_unit_test(test_pressure),
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_qld_qst),
        cmocka_unit_test(test_qld_miss_args),
        cmocka_unit_test(test_goto_tb_ptr_exit),
        cmocka_unit_test(test_env_i32_globals),
        cmocka_unit_test(test_add_env),
        cmocka_unit_test(test_unknown_op_is_fatal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
