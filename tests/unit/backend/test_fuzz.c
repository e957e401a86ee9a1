/*
 * test_fuzz.c — random IR programs, compiled and run, against a reference
 * interpreter built on ir_fold / ir_cond_eval.
 *
 * A program is a chain of basic blocks joined by labels and forward
 * brconds; inside a block, random arithmetic/unary/setcond/movcond/mov ops,
 * helper calls (pure with 0..6 args, read-only, and global-writing), and
 * guest loads/stores whose addresses either hit the fake TLB or miss (slow
 * path through the helpers, same backing RAM).  Values flow through NORMAL
 * temps (within a block), LOCAL temps (across blocks), I64 and I32 globals
 * and constants.  The final env and RAM must match the interpreter's.
 *
 * Seed: LOOM_FUZZ_SEED (default fixed); printed on failure for replay.
 * Variant 2 runs ir_optimize first (the interpreter runs the original).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/backend.h"
#include "translate/ir_helper.h"

#define PAGE 4096u
#define RAM_VA  0x80000000ull
#define MISS_VA 0x90000000ull
#define TLB_BITS 4

struct tlb_entry { uint64_t cmp_read, cmp_write; uintptr_t addend; uint64_t pad; };
struct fenv {
    uint64_t g[8];
    uint32_t w[4];
    uint64_t res[8];
    struct tlb_entry tlb[1][1 << TLB_BITS];
};

static struct fenv env, model;
static _Alignas(4096) uint8_t ram[PAGE], model_ram[PAGE];
static uint8_t *cur_ram;             /* ram the helpers touch */
static struct ir_ctx *ctx;
static ir_temp G[8], W[4];
static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static unsigned pick(unsigned n) { return (unsigned)(rnd() % n); }

/* ---- helpers (shared by generated code and the interpreter) ---------- */

static uint8_t *ram_at(uint64_t addr)
{
    uint64_t off = addr >= MISS_VA ? addr - MISS_VA : addr - RAM_VA;
    return cur_ram + off;
}
static uint64_t ld_slow(void *e, uint64_t a, unsigned m, uintptr_t ra, unsigned sz)
{
    (void)e; (void)m; (void)ra;
    uint64_t v = 0;
    memcpy(&v, ram_at(a), 1u << sz);
    return v;
}
#define LD(sz) static uint64_t ld##sz(void *e, uint64_t a, unsigned m, uintptr_t ra) \
    { return ld_slow(e, a, m, ra, sz); }
#define ST(sz) static void st##sz(void *e, uint64_t a, uint64_t v, unsigned m, \
                                  uintptr_t ra) \
    { (void)e; (void)m; (void)ra; memcpy(ram_at(a), &v, 1u << sz); }
LD(0) LD(1) LD(2) LD(3)
ST(0) ST(1) ST(2) ST(3)

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ull + 7; }
static uint64_t hp0(void) { return 0x1234; }
static uint64_t hp1(uint64_t a) { return mix(1, a); }
static uint64_t hp2(uint64_t a, uint64_t b) { return mix(hp1(a), b); }
static uint64_t hp3(uint64_t a, uint64_t b, uint64_t c) { return mix(hp2(a, b), c); }
static uint64_t hp4(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{ return mix(hp3(a, b, c), d); }
static uint64_t hp5(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{ return mix(hp4(a, b, c, d), e); }
static uint64_t hp6(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                    uint64_t f)
{ return mix(hp5(a, b, c, d, e), f); }
static void *const hpure[7] = { (void *)hp0, (void *)hp1, (void *)hp2,
                                (void *)hp3, (void *)hp4, (void *)hp5,
                                (void *)hp6 };
/* reads globals (READ_ONLY) */
static uint64_t h_ro(struct fenv *e, uint64_t v) { return e->g[1] * 3 + e->w[0] + v; }
/* reads and writes globals (flags 0) */
static uint64_t h_rw(struct fenv *e, uint64_t v)
{
    e->g[7] = e->g[0] + v;
    e->w[3] = (uint32_t)(e->w[3] * 5 + 1);
    return e->g[2] ^ v;
}

/* Descriptors, built by setup: hpure_info[nargs][no_globals][ret I32];
 * hspecial_info[0: h_ro, 1: h_rw][ret I32]. */
static struct ir_helper hpure_info[7][2][2], hspecial_info[2][2];

static void helpers_init(void)
{
    for (unsigned n = 0; n < 7; n++)
        for (unsigned ng = 0; ng < 2; ng++)
            for (unsigned r32 = 0; r32 < 2; r32++)
                hpure_info[n][ng][r32] = (struct ir_helper){
                    .fn = hpure[n], .name = "h",
                    .flags = ng ? IR_CALL_NO_GLOBALS : 0,
                    .ret = r32 ? IR_HT_I32 : IR_HT_I64, .nargs = (uint8_t)n,
                    .args = { IR_HT_I64, IR_HT_I64, IR_HT_I64, IR_HT_I64,
                              IR_HT_I64, IR_HT_I64 } };
    for (unsigned r32 = 0; r32 < 2; r32++) {
        hspecial_info[0][r32] = (struct ir_helper)IR_HELPER_INIT(
            h_ro, "h", IR_CALL_READ_ONLY, i64, env, i64);
        hspecial_info[1][r32] = (struct ir_helper)IR_HELPER_INIT(
            h_rw, "h", 0, i64, env, i64);
        hspecial_info[0][r32].ret = hspecial_info[1][r32].ret =
            r32 ? IR_HT_I32 : IR_HT_I64;
    }
}

/* The ops gen_op draws from, in table order: O1_I2 and O1_I1 (but MOV)
 * foldable ops. */
static enum ir_opc binops[IR_OPC_COUNT], unops[IR_OPC_COUNT];
static unsigned nbinops, nunops;

static void ops_init(void)
{
    for (unsigned o = 0; o < IR_OPC_COUNT; o++) {
        const struct ir_opdef *d = ir_def(o);
        if (!(d->flags & IR_OPF_FOLD))
            continue;
        if (d->shape == IR_SHAPE_O1_I2)
            binops[nbinops++] = (enum ir_opc)o;
        else if (d->shape == IR_SHAPE_O1_I1 && o != IR_MOV)
            unops[nunops++] = (enum ir_opc)o;
    }
}

/* ---- interpreter ----------------------------------------------------------- */

static uint64_t ival[IR_MAX_TEMPS];

static uint64_t rd(ir_temp t)
{
    const struct ir_temp_info *ti = &ctx->temps[t];
    switch (ti->kind) {
    case IR_TEMP_CONST: return ti->val;
    case IR_TEMP_ENV:   return (uintptr_t)&model;
    case IR_TEMP_GLOBAL: {
        uint64_t v = 0;
        memcpy(&v, (uint8_t *)&model + ti->env_offset, ti->type == IR_I64 ? 8 : 4);
        return v;
    }
    default: return ival[t];
    }
}

static void wr(ir_temp t, uint64_t v)
{
    const struct ir_temp_info *ti = &ctx->temps[t];
    if (ti->kind == IR_TEMP_GLOBAL)
        memcpy((uint8_t *)&model + ti->env_offset, &v, ti->type == IR_I64 ? 8 : 4);
    else
        ival[t] = v;
}

static void interpret(void)
{
    unsigned label_at[IR_MAX_LABELS];
    for (unsigned i = 0; i < ctx->nops; i++)
        if (ctx->ops[i].opc == IR_LABEL)
            label_at[ctx->ops[i].args[0]] = i;
    cur_ram = model_ram;
    for (unsigned i = 0; i < ctx->nops; i++) {
        const struct ir_op *op = &ctx->ops[i];
        const uint32_t *a = op->args;
        enum ir_type ty = (enum ir_type)op->type;
        uint64_t v;
        switch (op->opc) {
        case IR_SETCOND:
            wr(a[0], ir_cond_eval(a[3], ty, rd(a[1]), rd(a[2])));
            break;
        case IR_MOVCOND:
            v = ir_cond_eval(a[5], ty, rd(a[1]), rd(a[2])) ? rd(a[3]) : rd(a[4]);
            wr(a[0], ty == IR_I32 ? (uint32_t)v : v);
            break;
        case IR_BRCOND:
            if (ir_cond_eval(a[2], ty, rd(a[0]), rd(a[1])))
                i = label_at[a[3]];
            break;
        case IR_BR:
            i = label_at[a[0]];
            break;
        case IR_ST_ENV:
            v = rd(a[0]);
            memcpy((uint8_t *)&model + a[2], &v, 1u << (a[1] & 3));
            break;
        case IR_QLD: {
            unsigned sz = a[2] & 3;
            v = ld_slow(NULL, rd(a[1]), 0, 0, sz);
            if ((a[2] & IR_MO_SIGN) && sz < 3)
                v = (uint64_t)((int64_t)(v << (64 - (8 << sz))) >> (64 - (8 << sz)));
            wr(a[0], ty == IR_I32 ? (uint32_t)v : v);
            break;
        }
        case IR_QST:
            v = rd(a[0]);
            memcpy(ram_at(rd(a[1])), &v, 1u << (a[2] & 3));
            break;
        case IR_CALL: {
            const struct ir_call_info *ci = &ctx->calls[a[1]];
            const struct ir_helper *h = ci->helper;
            uint64_t x[6] = { 0 };
            for (unsigned k = 0; k < h->nargs; k++)
                x[k] = rd(ci->args[k]);
            if (h->fn == (void *)h_ro)
                v = h_ro(&model, x[1]);
            else if (h->fn == (void *)h_rw)
                v = h_rw(&model, x[1]);
            else
                v = ((uint64_t (*)(uint64_t, uint64_t, uint64_t, uint64_t,
                                   uint64_t, uint64_t))h->fn)(x[0], x[1], x[2],
                                                             x[3], x[4], x[5]);
            if (a[0])
                wr(a[0], h->ret == IR_HT_I32 ? (uint32_t)v : v);
            break;
        }
        case IR_EXIT_TB:
            return;
        case IR_LABEL:
        case IR_INSN_START:
            break;
        default:   /* MOV and the other foldable ops, by the table */
            if (!ir_op_has(op->opc, IR_OPF_FOLD))
                fail_msg("interpreter: no case for %s", ir_opc_name(op->opc));
            ir_fold((enum ir_opc)op->opc, ty, rd(a[1]),
                    ir_def(op->opc)->nins == 2 ? rd(a[2]) : 0, &v);
            wr(a[0], v);
            break;
        }
    }
}

/* ---- program generator -------------------------------------------------------- */

static ir_temp locals[6];
static ir_temp normals[64];
static unsigned nnormals;

static const uint64_t interesting[] = {
    0, 1, 2, 5, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000,
    0xffffffff, 0x100000000ull, 0x8000000000000000ull, ~0ull, ~1ull,
    0xffffffff80000000ull, 0x123456789abcdef0ull,
};

static ir_temp src(void)
{
    unsigned k = pick(10);
    if (k < 4 && nnormals)
        return normals[pick(nnormals)];
    if (k < 5)
        return locals[pick(6)];
    if (k < 7)
        return pick(3) ? G[pick(8)] : W[pick(4)];
    uint64_t v = pick(2) ? interesting[pick(ARRAY_SIZE(interesting))] : rnd();
    if (pick(3) == 0)
        v = (uint64_t)(int64_t)(int32_t)v;   /* fits an imm32 */
    return ir_const64(ctx, v);
}

/* A destination for an op of type ty producing a value zero-extended from
 * ty (wide: the value may use 64 bits even for I32 ops, e.g. EXT). */
static ir_temp dst(enum ir_type ty, bool wide)
{
    unsigned k = pick(10);
    if (k < 4 || (k < 5 && !nnormals)) {
        if (nnormals < ARRAY_SIZE(normals)) {
            /* usually the op's type; sometimes not (robustness) */
            enum ir_type tt = pick(8) ? ty : (enum ir_type)pick(2);
            ir_temp t = ir_temp_new(ctx, wide ? IR_I64 : tt);
            normals[nnormals++] = t;
            return t;
        }
    }
    if (k < 6 && nnormals)
        return normals[pick(nnormals)];
    if (k < 8)
        return locals[pick(6)];
    if ((ty == IR_I32 && !wide && pick(2)) || pick(16) == 0)
        return W[pick(4)];
    return G[pick(8)];
}

static void gen_op(void)
{
    enum ir_type ty = pick(2) ? IR_I64 : IR_I32;
    unsigned k = pick(100);
    if (k < 40) {
        enum ir_opc opc = binops[pick(nbinops)];
        ir_temp a = src(), b = src();
        ir_binop(ctx, opc, ty, dst(ty, false), a, b);
    } else if (k < 50) {
        enum ir_opc opc = unops[pick(nunops)];
        ir_temp a = src();
        ir_unop(ctx, opc, ty, dst(ty, ir_op_has(opc, IR_OPF_OUT64)), a);
    } else if (k < 57) {
        ir_temp a = src(), b = src();
        ir_setcond(ctx, ty, (enum ir_cond)pick(10), dst(ty, false), a, b);
    } else if (k < 64) {
        ir_temp a = src(), b = src(), c = src(), d = src();
        ir_movcond(ctx, ty, (enum ir_cond)pick(10), dst(ty, false), a, b, c, d);
    } else if (k < 70) {
        ir_temp a = src();
        ir_mov(ctx, ty, dst(ty, false), a);
    } else if (k < 78) {
        unsigned n = pick(7), ng = pick(2);
        ir_temp args[6];
        int special = -1;             /* 0: h_ro, 1: h_rw */
        for (unsigned i = 0; i < n; i++)
            args[i] = src();
        if (pick(4) == 0) {
            n = 2;
            args[0] = ir_env(ctx);
            args[1] = src();
            special = pick(2) ? 0 : 1;
        }
        enum ir_type rt = pick(3) ? IR_I64 : IR_I32;
        ir_temp r = pick(5) ? dst(rt, false) : 0;
        unsigned r32 = rt == IR_I32;
        ir_call_helper_n(ctx, special < 0 ? &hpure_info[n][ng][r32]
                                          : &hspecial_info[special][r32],
                         r, n, args);
    } else if (k < 90) {
        unsigned sz = pick(4);
        uint64_t base = pick(3) ? RAM_VA : MISS_VA;
        uint64_t off = (pick(PAGE / 8 - 2) * 8) + (pick(8) == 0 ? pick(8) : 0);
        ir_temp addr = ir_const64(ctx, base + off);
        if (pick(2)) {            /* address in a register temp */
            ir_temp t = ir_temp_new(ctx, IR_I64);
            ir_mov(ctx, IR_I64, t, addr);
            addr = t;
        }
        if (k < 84) {
            enum ir_type lt = sz == 3 ? IR_I64 : ty;
            ir_qld(ctx, lt, dst(lt, false), addr,
                   (enum ir_memop)(sz | (pick(2) ? IR_MO_SIGN : 0)), 0);
        } else {
            ir_qst(ctx, src(), addr, (enum ir_memop)sz, 0);
        }
    } else {
        ir_temp a = src();
        ir_st_env(ctx, a, (enum ir_memop)pick(4),
                  (int32_t)offsetof(struct fenv, res[pick(8)]));
    }
}

static void gen_program(void)
{
    ir_reset(ctx);
    ir_insn_start(ctx, 0x1000, 0);
    nnormals = 0;
    for (int i = 0; i < 6; i++) {
        locals[i] = ir_temp_local(ctx, IR_I64);
        ir_mov(ctx, IR_I64, locals[i], ir_const64(ctx, rnd()));
    }
    unsigned nbb = 1 + pick(6);
    ir_label lab[8];
    for (unsigned i = 0; i <= nbb; i++)
        lab[i] = ir_label_new(ctx);
    for (unsigned bb = 0; bb < nbb; bb++) {
        ir_set_label(ctx, lab[bb]);
        nnormals = 0;
        unsigned nops = 1 + pick(pick(4) ? 20 : 80);
        for (unsigned i = 0; i < nops; i++) {
            if (pick(8) == 0)
                ir_insn_start(ctx, 0x1000 + 4 * i, bb);
            gen_op();
        }
        unsigned e = pick(4);
        if (e == 0) {
            ir_temp a = src(), b = src();
            ir_brcond(ctx, pick(2) ? IR_I64 : IR_I32, (enum ir_cond)pick(10),
                      a, b, lab[bb + 1 + pick(nbb - bb)]);
        } else if (e == 1 && bb + 2 <= nbb) {
            ir_br(ctx, lab[bb + 1 + pick(nbb - bb)]);
        }
    }
    ir_set_label(ctx, lab[nbb]);
    for (int i = 0; i < 6; i++)
        ir_st_env(ctx, locals[i], IR_MO_64,
                  (int32_t)offsetof(struct fenv, res[i]));
    ir_exit_tb(ctx, IR_EXIT_NOCHAIN);
}

/* ---- driver --------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    struct be_config cfg = {
        .code_size = 64u << 20, .max_threads = 1, .owner_size = 8,
        .mem = {
            .tlb_offset = offsetof(struct fenv, tlb), .tlb_bits = TLB_BITS,
            .entry_shift = 5, .page_bits = 12,
            .cmp_read_off = 0, .cmp_write_off = 8, .addend_off = 16,
            .ld_slow = { ld0, ld1, ld2, ld3 }, .st_slow = { st0, st1, st2, st3 },
        },
    };
    assert_int_equal(be_init(&cfg), 0);
    helpers_init();
    ops_init();
    ctx = malloc(sizeof(*ctx));
    ir_ctx_init(ctx);
    for (int i = 0; i < 8; i++)
        G[i] = ir_global(ctx, IR_I64, offsetof(struct fenv, g[i]), "g");
    for (int i = 0; i < 4; i++)
        W[i] = ir_global(ctx, IR_I32, offsetof(struct fenv, w[i]), "w");
    const char *s = getenv("LOOM_FUZZ_SEED");
    rng = s ? strtoull(s, NULL, 0) : 0x5eed1234abcdull;
    if (!rng)
        rng = 1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ctx);
    return 0;
}

static void fuzz(bool optimize, unsigned rounds)
{
    for (unsigned r = 0; r < rounds; r++) {
        uint64_t seed = rng;
        gen_program();
        assert_false(ctx->overflow);
        /* initial state */
        memset(&env, 0, sizeof(env));
        for (int i = 0; i < 8; i++)
            env.g[i] = pick(2) ? interesting[pick(ARRAY_SIZE(interesting))] : rnd();
        for (int i = 0; i < 4; i++)
            env.w[i] = (uint32_t)rnd();
        memset(env.tlb, 0xff, sizeof(env.tlb));
        struct tlb_entry *te = &env.tlb[0][(RAM_VA / PAGE) & 15];
        te->cmp_read = te->cmp_write = RAM_VA;
        te->addend = (uintptr_t)ram - RAM_VA;
        for (unsigned i = 0; i < PAGE; i++)
            ram[i] = (uint8_t)rnd();
        model = env;
        memcpy(model_ram, ram, PAGE);

        interpret();
        if (optimize)
            ir_optimize(ctx);
        struct be_block *b;
        assert_int_equal(be_gen_code(ctx, &b), 0);
        cur_ram = ram;
        uintptr_t ret = be_exec(&env, b->code);
        memcpy(env.tlb, model.tlb, sizeof(env.tlb));
        if (ret != (uintptr_t)be_block_owner(b) ||
            memcmp(&env, &model, sizeof(env)) || memcmp(ram, model_ram, PAGE)) {
            fprintf(stderr, "fuzz mismatch: round %u seed %#llx%s\n", r,
                    (unsigned long long)seed, optimize ? " (optimized)" : "");
            for (int i = 0; i < 8; i++)
                fprintf(stderr, "  g%d %#018llx want %#018llx  res%d %#018llx want %#018llx\n",
                        i, (unsigned long long)env.g[i],
                        (unsigned long long)model.g[i], i,
                        (unsigned long long)env.res[i],
                        (unsigned long long)model.res[i]);
            for (int i = 0; i < 4; i++)
                fprintf(stderr, "  w%d %#010x want %#010x\n", i, env.w[i],
                        model.w[i]);
            fprintf(stderr, "  ram %s\n", memcmp(ram, model_ram, PAGE) ? "differs" : "ok");
            if (getenv("LOOM_FUZZ_DUMP")) {
                ir_dump(ctx, stderr);
                be_disas(stderr, b->code, b->code_size);
            }
            fail();
        }
    }
}

static void test_fuzz_raw(void **state) { (void)state; fuzz(false, 3000); }
static void test_fuzz_optimized(void **state) { (void)state; fuzz(true, 1500); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_raw),
        cmocka_unit_test(test_fuzz_optimized),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
