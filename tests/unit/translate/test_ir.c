/* test_ir.c — the IR builder, reference semantics, optimiser and the
 * generic translator loop (with a fake front end). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "translate/ir.h"
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
                                    .page_bits = 12, .exit_flag_offset = 0x100 },
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
    assert_int_equal(c->ops[c->nops - 2].opc, IR_LABEL);
    assert_int_equal(c->ops[c->nops - 1].opc, IR_EXIT_TB);
    assert_int_equal(c->ops[c->nops - 1].args[0], IR_EXIT_REQUESTED);
    /* page end: 0x...ff8 leaves room for two insns */
    assert_int_equal(run_fake(0x80000ff8, 100, 0, c), 2);
    /* front end stop: no tb_stop call */
    tb_stop_calls = 0;
    assert_int_equal(run_fake(0x80000000, 100, 3, c), 3);
    assert_int_equal(tb_stop_calls, 0);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
