/* test_ir.c — the op table, the IR builder, helper descriptors, reference
 * semantics, optimiser, dump format and the generic translator loop (with a
 * fake front end); unknown ops and helper misuse die (death tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../death.h"
#include "translate/ir.h"
#include "translate/ir_helper.h"
#include "translate/translator.h"

static struct ir_ctx *new_ctx(void)
{
    struct ir_ctx *c = malloc(sizeof(*c));
    assert_non_null(c);
    ir_ctx_init(c);
    return c;
}

static void test_globals_survive_reset(void **state)
{
    (void)state;
    struct ir_ctx *c = new_ctx();
    ir_temp g = ir_global(c, IR_I64, 8, "x1");
    assert_int_equal(c->temps[g].kind, IR_TEMP_GLOBAL);
    assert_int_equal(c->temps[g].env_offset, 8);
    ir_temp t = ir_temp_new(c, IR_I64);
    assert_true(t > g);
    ir_binop(c, IR_ADD, IR_I64, g, g, t);
    assert_int_equal(c->nops, 1);
    ir_reset(c);
    assert_int_equal(c->nops, 0);
    assert_string_equal(c->temps[g].name, "x1");
    assert_int_equal(ir_temp_new(c, IR_I64), t);   /* per-TB temps restart */
    free(c);
}

static void test_overflow_sets_flag(void **state)
{
    (void)state;
    struct ir_ctx *c = new_ctx();
    ir_temp t = ir_temp_new(c, IR_I64);
    for (unsigned i = 0; i < IR_MAX_OPS + 10; i++)
        ir_mov(c, IR_I64, t, t);
    assert_true(c->overflow);
    assert_int_equal(c->nops, IR_MAX_OPS);
    free(c);
}

static void test_fold_semantics(void **state)
{
    (void)state;
    uint64_t r;
    assert_true(ir_fold(IR_DIV, IR_I64, 5, 0, &r));
    assert_int_equal(r, UINT64_MAX);
    assert_true(ir_fold(IR_DIV, IR_I64, (uint64_t)INT64_MIN, (uint64_t)-1, &r));
    assert_int_equal(r, (uint64_t)INT64_MIN);
    assert_true(ir_fold(IR_REM, IR_I64, (uint64_t)INT64_MIN, (uint64_t)-1, &r));
    assert_int_equal(r, 0);
    assert_true(ir_fold(IR_REMU, IR_I64, 7, 0, &r));
    assert_int_equal(r, 7);
    /* I32 division by zero: all ones in 32 bits, zero-extended */
    assert_true(ir_fold(IR_DIV, IR_I32, 5, 0, &r));
    assert_int_equal(r, 0xffffffffu);
    assert_true(ir_fold(IR_DIV, IR_I32, 0x80000000u, 0xffffffffu, &r));
    assert_int_equal(r, 0x80000000u);
    assert_true(ir_fold(IR_REM, IR_I32, (uint64_t)-7, 0, &r));
    assert_int_equal(r, (uint32_t)-7);
    /* shifts mask the count by the width */
    assert_true(ir_fold(IR_SHL, IR_I64, 1, 65, &r));
    assert_int_equal(r, 2);
    assert_true(ir_fold(IR_SHL, IR_I32, 1, 33, &r));
    assert_int_equal(r, 2);
    assert_true(ir_fold(IR_SAR, IR_I32, 0x80000000u, 31, &r));
    assert_int_equal(r, 0xffffffffu);
    assert_true(ir_fold(IR_ADD, IR_I32, 0x7fffffff, 1, &r));
    assert_int_equal(r, 0x80000000u);               /* zero-extended */
    assert_true(ir_fold(IR_EXT32S, IR_I64, 0x80000000u, 0, &r));
    assert_int_equal(r, 0xffffffff80000000ull);
    /* high multiplies */
    assert_true(ir_fold(IR_MULHU, IR_I64, UINT64_MAX, UINT64_MAX, &r));
    assert_int_equal(r, UINT64_MAX - 1);
    assert_true(ir_fold(IR_MULH, IR_I64, (uint64_t)-1, (uint64_t)-1, &r));
    assert_int_equal(r, 0);
    assert_true(ir_fold(IR_MULHSU, IR_I64, (uint64_t)-1, UINT64_MAX, &r));
    assert_int_equal(r, UINT64_MAX);
    assert_false(ir_fold(IR_QLD, IR_I64, 0, 0, &r));
    assert_true(ir_cond_eval(IR_LT, IR_I64, (uint64_t)-1, 0));
    assert_false(ir_cond_eval(IR_LTU, IR_I64, (uint64_t)-1, 0));
    assert_true(ir_cond_eval(IR_LT, IR_I32, 0xffffffffu, 0));
    assert_true(ir_cond_eval(IR_EQ, IR_I32, 0x100000001ull, 1));
}

static void test_optimize_folds_and_keeps_globals(void **state)
{
    (void)state;
    struct ir_ctx *c = new_ctx();
    ir_temp g = ir_global(c, IR_I64, 0, "x1");
    ir_reset(c);
    ir_temp a = ir_temp_new(c, IR_I64);
    ir_temp dead = ir_temp_new(c, IR_I64);
    ir_binop(c, IR_ADD, IR_I64, a, ir_const64(c, 2), ir_const64(c, 3));   /* a = 5 */
    ir_binop(c, IR_MUL, IR_I64, g, a, ir_const64(c, 4));                  /* g = 20 */
    ir_binop(c, IR_SUB, IR_I64, dead, a, a);                              /* unused */
    ir_exit_tb(c, IR_EXIT_NOCHAIN);
    ir_optimize(c);
    /* a's op is dead once its value is folded into g's; g's op stays as a
     * move of the constant 20; the unused op is gone. */
    assert_int_equal(c->ops[0].opc, IR_NOP);
    assert_int_equal(c->ops[1].opc, IR_MOV);
    assert_int_equal(c->ops[1].args[0], g);
    assert_int_equal(c->temps[c->ops[1].args[1]].kind, IR_TEMP_CONST);
    assert_int_equal(c->temps[c->ops[1].args[1]].val, 20);
    assert_int_equal(c->ops[2].opc, IR_NOP);
    assert_int_equal(c->ops[3].opc, IR_EXIT_TB);
    free(c);
}

static void test_optimize_respects_block_ends(void **state)
{
    (void)state;
    struct ir_ctx *c = new_ctx();
    ir_temp g = ir_global(c, IR_I64, 0, "x1");
    ir_reset(c);
    ir_temp t = ir_temp_new(c, IR_I64);
    ir_label l = ir_label_new(c);
    ir_mov(c, IR_I64, t, ir_const64(c, 1));
    ir_brcond(c, IR_I64, IR_EQ, t, g, l);          /* t read by the branch */
    ir_binop(c, IR_ADD, IR_I64, g, g, ir_const64(c, 1));
    ir_set_label(c, l);
    ir_exit_tb(c, IR_EXIT_NOCHAIN);
    ir_optimize(c);
    assert_int_equal(c->ops[0].opc, IR_MOV);       /* live into brcond */
    assert_int_equal(c->ops[1].opc, IR_BRCOND);
    assert_int_equal(c->ops[2].opc, IR_ADD);       /* global: not folded */
    free(c);
}

/* ---- the op table -------------------------------------------------------- */

static void test_op_table(void **state)
{
    (void)state;
    for (unsigned o = 0; o < IR_OPC_COUNT; o++) {
        const struct ir_opdef *d = ir_def(o);
        assert_non_null(d->name);
        assert_true(d->shape < IR_SHAPE_COUNT);
        for (unsigned p = 0; p < o; p++)      /* dump names are unique */
            assert_string_not_equal(d->name, ir_opdefs[p].name);
        /* ir_fold answers exactly for the FOLD ops */
        uint64_t r;
        assert_int_equal(ir_fold((enum ir_opc)o, IR_I64, 6, 3, &r),
                         (d->flags & IR_OPF_FOLD) != 0);
    }
    /* a few rows, as ir_ops.def documents them */
    const struct ir_opdef *br = ir_def(IR_BRCOND);
    assert_int_equal(br->nins, 2);
    assert_int_equal(br->cond_arg, 2);
    assert_int_equal(br->label_arg, 3);
    assert_true(br->flags & IR_OPF_BB_END);
    assert_int_equal(ir_def(IR_MOVCOND)->cond_arg, 5);
    assert_int_equal(ir_def(IR_BR)->label_arg, 0);
    assert_int_equal(ir_def(IR_ADD)->label_arg, -1);
    assert_true(ir_op_has(IR_ADD, IR_OPF_COMMUTATIVE));
    assert_false(ir_op_has(IR_SUB, IR_OPF_COMMUTATIVE));
    assert_true(ir_op_has(IR_EXT16S, IR_OPF_OUT64));
    assert_false(ir_op_has(IR_ADD, IR_OPF_OUT64));
    assert_string_equal(ir_opc_name(IR_GOTO_PTR), "goto_ptr");
    assert_string_equal(ir_opc_name(IR_OPC_COUNT), "?");
}

static void emit_unknown(void *arg)
{
    struct ir_ctx *c = arg;
    const uint32_t a[1] = { 0 };
    ir_emit(c, IR_OPC_COUNT, IR_I64, 0, a);
}

/* An op outside the table, planted past the emitters (a corrupt op list). */
static void plant_unknown(struct ir_ctx *c)
{
    ir_reset(c);
    ir_temp t = ir_temp_new(c, IR_I64);
    ir_mov(c, IR_I64, t, ir_const64(c, 1));
    c->ops[0].opc = 0xfe;
}
static void optimize_unknown(void *arg)
{
    plant_unknown(arg);
    ir_optimize(arg);
}
static void dump_unknown(void *arg)
{
    plant_unknown(arg);
    ir_dump(arg, stdout);
}
static void fold_unknown(void *arg)
{
    uint64_t r;
    (void)arg;
    ir_fold((enum ir_opc)250, IR_I64, 1, 2, &r);
}

static void test_unknown_op_is_fatal(void **state)
{
    (void)state;
    struct ir_ctx *c = new_ctx();
    char want[64];
    snprintf(want, sizeof(want), "unknown IR op %u", (unsigned)IR_OPC_COUNT);
    expect_fatal(emit_unknown, c, want);
    expect_fatal(optimize_unknown, c, "unknown IR op 254");
    expect_fatal(dump_unknown, c, "unknown IR op 254");
    expect_fatal(fold_unknown, c, "unknown IR op 250");
    free(c);
}

/* ---- helper descriptors -------------------------------------------------- */

static uint64_t h_two(void *env, uint64_t a) { (void)env; return a; }
static NORETURN void h_raise(void *env, uint64_t cause)
{
    (void)env;
    (void)cause;
    abort();
}
static IR_HELPER_DEF(h_two, h_two_info, "two", IR_CALL_READ_ONLY, i64, env,
                     i64);
static IR_HELPER_DEF(h_raise, h_raise_info, "raise", 0, noreturn, env, i64);
static IR_HELPER_DEF(h_raise, h_void_info, "void", IR_CALL_NO_GLOBALS, void,
                     env, i64);
static const struct ir_helper h_unbound_info =
    IR_HELPER_INIT(NULL, "unbound", 0, i64, env);

static void test_helper_descriptors(void **state)
{
    (void)state;
    assert_ptr_equal(h_two_info.fn, (void *)h_two);
    assert_int_equal(h_two_info.flags, IR_CALL_READ_ONLY);
    assert_int_equal(h_two_info.ret, IR_HT_I64);
    assert_int_equal(h_two_info.nargs, 2);
    assert_int_equal(h_two_info.args[0], IR_HT_ENV);
    assert_int_equal(h_two_info.args[1], IR_HT_I64);
    /* noreturn implies the flag */
    assert_int_equal(h_raise_info.flags, IR_CALL_NORETURN);
    assert_int_equal(h_raise_info.ret, IR_HT_VOID);

    struct ir_ctx *c = new_ctx();
    ir_temp r = ir_temp_new(c, IR_I64);
    ir_call_helper(c, &h_two_info, r, ir_env(c), ir_const64(c, 5));
    ir_call_helper(c, &h_raise_info, 0, ir_env(c), ir_const64(c, 2));
    assert_int_equal(c->nops, 2);
    assert_int_equal(c->ops[0].opc, IR_CALL);
    assert_int_equal(c->ops[0].args[0], r);
    assert_ptr_equal(c->calls[c->ops[0].args[1]].helper, &h_two_info);
    assert_int_equal(c->calls[0].args[0], ir_env(c));
    free(c);
}

static void call_wrong_count(void *arg)
{
    struct ir_ctx *c = arg;
    ir_call_helper(c, &h_two_info, 0, ir_env(c));
}
static void call_env_misplaced(void *arg)
{
    struct ir_ctx *c = arg;
    ir_call_helper(c, &h_two_info, 0, ir_const64(c, 1), ir_env(c));
}
static void call_unbound(void *arg)
{
    struct ir_ctx *c = arg;
    ir_call_helper(c, &h_unbound_info, 0, ir_env(c));
}
static void call_void_with_result(void *arg)
{
    struct ir_ctx *c = arg;
    ir_call_helper(c, &h_void_info, ir_temp_new(c, IR_I64), ir_env(c),
                   ir_const64(c, 1));
}

static void test_helper_misuse_is_fatal(void **state)
{
    (void)state;
    struct ir_ctx *c = new_ctx();
    expect_fatal(call_wrong_count, c,
                 "helper two takes 2 arguments, called with 1");
    expect_fatal(call_env_misplaced, c, "helper two argument 0: env expected");
    expect_fatal(call_unbound, c, "helper unbound has no function bound");
    expect_fatal(call_void_with_result, c, "void helper void given a result");
    free(c);
}

/* ---- the -d op format ---------------------------------------------------- */

static void test_dump_format(void **state)
{
    (void)state;
    struct ir_ctx *c = new_ctx();
    ir_temp g = ir_global(c, IR_I64, 8, "x1");
    ir_reset(c);
    ir_temp t = ir_temp_new(c, IR_I64), w = ir_temp_new(c, IR_I32);
    ir_label l = ir_label_new(c);
    ir_insn_start(c, 0x80000000, 0x13);
    ir_ld_env(c, IR_I32, w, IR_MO_32, 280);
    ir_brcond(c, IR_I32, IR_NE, w, ir_const(c, IR_I32, 0), l);
    ir_add_env(c, IR_I64, 296, 5);
    ir_binop(c, IR_ADD, IR_I64, t, g, ir_const64(c, 0x28));
    ir_setcond(c, IR_I64, IR_LTU, t, g, t);
    ir_movcond(c, IR_I64, IR_GE, g, t, g, t, g);
    ir_qld(c, IR_I64, t, g, IR_MO_64 | IR_MO_SIGN, 3);
    ir_call_helper(c, &h_two_info, g, ir_env(c), t);
    ir_mb(c, IR_MB_ST_LD);
    ir_br(c, l);
    ir_set_label(c, l);
    ir_goto_tb(c, 1);
    ir_exit_tb(c, IR_EXIT_SLOT1);
    char buf[1024] = { 0 };
    FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
    assert_non_null(f);
    ir_dump(c, f);
    fclose(f);
    unsigned ti = t, wi = w;
    char want[1024];
    snprintf(want, sizeof(want),
             " ---- 0000000080000000 00000013\n"
             " ld_env_i32 tmp%u,2,280\n"
             " brcond_i32 tmp%u,$0x0,ne,L1\n"
             " add_env 296,5\n"
             " add tmp%u,x1,$0x28\n"
             " setcond tmp%u,x1,tmp%u,ltu\n"
             " movcond x1,tmp%u,x1,tmp%u,x1,ge\n"
             " qld tmp%u,x1,7,3\n"
             " call x1 = two(env,tmp%u) flags=2\n"
             " mb 2\n"
             " br L1\n"
             " L1:\n"
             " goto_tb 1\n"
             " exit_tb 2\n",
             wi, wi, ti, ti, ti, ti, ti, ti, ti);
    assert_string_equal(buf, want);
    free(c);
}

/* A fake front end: 4-byte instructions, a "branch" every `stop_every`. */
struct fake_dc {
    struct tr_base base;
    unsigned stop_every;
    unsigned translated;
};

static void fake_insn_start(struct tr_base *db)
{
    ir_insn_start(db->ir, db->pc_next, 0);
}

static void fake_translate(struct tr_base *db)
{
    struct fake_dc *dc = (struct fake_dc *)db;
    ir_temp t = ir_temp_new(db->ir, IR_I64);
    ir_mov(db->ir, IR_I64, t, ir_const64(db->ir, db->pc_next));
    db->pc_next += 4;
    dc->translated++;
    if (dc->stop_every && dc->translated % dc->stop_every == 0) {
        ir_exit_tb(db->ir, IR_EXIT_NOCHAIN);
        db->stop = TR_STOP_DONE;
    }
}

static unsigned tb_stop_calls;
static void fake_tb_stop(struct tr_base *db)
{
    tb_stop_calls++;
    ir_goto_tb(db->ir, 0);
    ir_exit_tb(db->ir, IR_EXIT_SLOT0);
}

static const struct tr_hooks fake_hooks = {
    .insn_start = fake_insn_start,
    .translate_insn = fake_translate,
    .tb_stop = fake_tb_stop,
};

static unsigned run_fake(uint64_t pc, unsigned max, unsigned stop_every,
                         struct ir_ctx *c)
{
    struct fake_dc dc = { .base = { .ir = c, .pc_first = pc, .max_insns = max,
                                    .page_bits = 12, .exit_flag_offset = 0x100,
                                    .insn_count_offset = 0x108 },
                          .stop_every = stop_every };
    assert_int_equal(tr_translate_block(&fake_hooks, &dc.base), 0);
    assert_int_equal(c->ninsns, dc.base.num_insns);
    return dc.base.num_insns;
}

static void test_translator_limits(void **state)
{
    (void)state;
    struct ir_ctx *c = new_ctx();
    tb_stop_calls = 0;
    assert_int_equal(run_fake(0x80000000, 7, 0, c), 7);           /* cap */
    assert_int_equal(tb_stop_calls, 1);
    /* entry check first: ld_env of the exit flag, brcond to the exit path */
    assert_int_equal(c->ops[0].opc, IR_LD_ENV);
    assert_int_equal(c->ops[0].args[2], 0x100);
    assert_int_equal(c->ops[1].opc, IR_BRCOND);
    /* then the whole TB's count, once its length is known */
    assert_int_equal(c->ops[2].opc, IR_ADD_ENV);
    assert_int_equal(c->ops[2].type, IR_I64);
    assert_int_equal(c->ops[2].args[0], 0x108);
    assert_int_equal(c->ops[2].args[1], 7);
    assert_int_equal(c->ops[c->nops - 2].opc, IR_LABEL);
    assert_int_equal(c->ops[c->nops - 1].opc, IR_EXIT_TB);
    assert_int_equal(c->ops[c->nops - 1].args[0], IR_EXIT_REQUESTED);
    /* page end: 0x...ff8 leaves room for two insns */
    assert_int_equal(run_fake(0x80000ff8, 100, 0, c), 2);
    assert_int_equal(c->ops[2].args[1], 2);
    /* front end stop: no tb_stop call */
    tb_stop_calls = 0;
    assert_int_equal(run_fake(0x80000000, 100, 3, c), 3);
    assert_int_equal(tb_stop_calls, 0);
    assert_int_equal(c->ops[2].args[1], 3);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_globals_survive_reset),
        cmocka_unit_test(test_overflow_sets_flag),
        cmocka_unit_test(test_fold_semantics),
        cmocka_unit_test(test_optimize_folds_and_keeps_globals),
        cmocka_unit_test(test_optimize_respects_block_ends),
        cmocka_unit_test(test_translator_limits),
        cmocka_unit_test(test_op_table),
        cmocka_unit_test(test_unknown_op_is_fatal),
        cmocka_unit_test(test_helper_descriptors),
        cmocka_unit_test(test_helper_misuse_is_fatal),
        cmocka_unit_test(test_dump_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
