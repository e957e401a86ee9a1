/*
 * test_translate.c — the RISC-V front end's translation: which IR a few
 * instructions become and where a TB must stop (branches, page end,
 * straddling instructions, the instruction cap).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "softmmu/pmem.h"
#include "target/riscv/cpu.h"
#include "translate/translator.h"

#define RAM_BASE 0x80000000ull
#define PAGE     0x1000ull

enum {
    I_ADDI = 0x00150513,     /* addi a0,a0,1 */
    I_BEQ = 0x00b50863,      /* beq a0,a1,.+16 */
    I_JALR = 0x008580e7,     /* jalr ra,8(a1) */
    I_CSRRW = 0x34059573,    /* csrrw a0,mscratch,a1 */
    I_ADDW = 0x00c5853b,     /* addw a0,a1,a2 */
    I_LUI = 0x12345537,      /* lui a0,0x12345 */
    I_LW = 0x00852583,       /* lw a1,8(a0) */
    I_SD = 0x00b53823,       /* sd a1,16(a0) */
    I_AMOADD_W = 0x00b6252f, /* amoadd.w a0,a1,(a2) */
    I_ECALL = 0x00000073,
    I_MRET = 0x30200073,
    I_WFI = 0x10500073,
    I_JAL = 0x020000ef,      /* jal ra,.+32 */
    I_CNOP = 0x0001,         /* c.nop */
};

struct fx {
    struct pmem *pm;
    struct rv_hart *h;
    struct ir_ctx *ir;
};

static const void *fake_lookup(void *env) { (void)env; return NULL; }

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->pm = pmem_new();
    assert_int_equal(pmem_add_ram(f->pm, RAM_BASE, 4 * PAGE, "ram"), 0);
    f->h = aligned_alloc(64, ROUND_UP(sizeof(*f->h), 64));
    rv_hart_init(f->h, 0, f->pm);
    f->ir = malloc(sizeof(*f->ir));
    ir_ctx_init(f->ir);
    rv_tr_init_globals(f->ir);
    tr_set_lookup_tb_ptr(fake_lookup);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pmem_free(f->pm);
    free(f->h);
    free(f->ir);
    free(f);
    return 0;
}

static void put32(struct fx *f, uint64_t pa, uint32_t v)
{
    assert_int_equal(pmem_load(f->pm, pa, &v, 4), 0);
}
static void put16(struct fx *f, uint64_t pa, uint16_t v)
{
    assert_int_equal(pmem_load(f->pm, pa, &v, 2), 0);
}

static struct rv_tb_info translate(struct fx *f, uint64_t pc, unsigned max)
{
    struct rv_tb_info info;
    f->h->pc = pc;
    assert_int_equal(rv_translate(f->h, f->ir, pc, rv_tb_flags(f->h), max,
                                  &info), 0);
    return info;
}

static unsigned count_op(const struct ir_ctx *ir, enum ir_opc opc)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ir->nops; i++)
        n += ir->ops[i].opc == opc;
    return n;
}

/* Index of the n-th op with opcode opc, or -1. */
static int find_op(const struct ir_ctx *ir, enum ir_opc opc, unsigned nth)
{
    for (unsigned i = 0; i < ir->nops; i++)
        if (ir->ops[i].opc == opc && nth-- == 0)
            return (int)i;
    return -1;
}

static bool has_call(const struct ir_ctx *ir, const char *name,
                     unsigned flags)
{
    for (unsigned i = 0; i < ir->nops; i++) {
        const struct ir_op *op = &ir->ops[i];
        if (op->opc != IR_CALL)
            continue;
        const struct ir_helper *h = ir->calls[op->args[1]].helper;
        if (h->flags == flags && strcmp(h->name, name) == 0)
            return true;
    }
    return false;
}

static void test_stops_after_branch(void **state)
{
    struct fx *f = *state;
    put32(f, RAM_BASE, I_ADDI);
    put32(f, RAM_BASE + 4, I_ADDI);
    put32(f, RAM_BASE + 8, I_BEQ);
    put32(f, RAM_BASE + 12, I_ADDI);

    struct rv_tb_info info = translate(f, RAM_BASE, 100);
    assert_int_equal(info.icount, 3);
    assert_int_equal(info.size, 12);
    assert_int_equal(info.phys_last, RAM_BASE + 11);
    /* Taken and not-taken exits, each through its own goto_tb slot. */
    assert_int_equal(count_op(f->ir, IR_GOTO_TB), 2);
    int g0 = find_op(f->ir, IR_GOTO_TB, 0), g1 = find_op(f->ir, IR_GOTO_TB, 1);
    assert_int_equal(f->ir->ops[g0].args[0], 1);   /* fall-through first */
    assert_int_equal(f->ir->ops[g1].args[0], 0);
    assert_int_equal(f->ir->ops[g0 + 1].opc, IR_EXIT_TB);
    assert_int_equal(f->ir->ops[g0 + 1].args[0], IR_EXIT_SLOT1);
    /* Entry check + the branch itself. */
    assert_int_equal(count_op(f->ir, IR_BRCOND), 2);
    assert_int_equal(count_op(f->ir, IR_INSN_START), 3);
}

static void test_insn_start_words(void **state)
{
    struct fx *f = *state;
    put32(f, RAM_BASE, I_ADDI);
    put16(f, RAM_BASE + 4, I_CNOP);
    put32(f, RAM_BASE + 6, I_JAL);

    struct rv_tb_info info = translate(f, RAM_BASE, 100);
    assert_int_equal(info.icount, 3);
    assert_int_equal(info.size, 10);
    int s1 = find_op(f->ir, IR_INSN_START, 1), s2 = find_op(f->ir, IR_INSN_START, 2);
    assert_int_equal(f->ir->ops[s1].args[0], (uint32_t)(RAM_BASE + 4));
    assert_int_equal(f->ir->ops[s1].args[1], (uint32_t)((RAM_BASE + 4) >> 32));
    assert_int_equal(f->ir->ops[s1].args[2], I_CNOP);
    assert_int_equal(f->ir->ops[s2].args[2], I_JAL);
    /* jal: one direct exit through slot 0. */
    assert_int_equal(count_op(f->ir, IR_GOTO_TB), 1);
}

static void test_max_insns(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 10; i++)
        put32(f, RAM_BASE + 4 * i, I_ADDI);
    struct rv_tb_info info = translate(f, RAM_BASE, 3);
    assert_int_equal(info.icount, 3);
    assert_int_equal(info.size, 12);
    assert_int_equal(count_op(f->ir, IR_GOTO_TB), 1);
}

static void test_page_end(void **state)
{
    struct fx *f = *state;
    uint64_t end = RAM_BASE + PAGE;
    put32(f, end - 8, I_ADDI);
    put32(f, end - 4, I_ADDI);
    put32(f, end, I_ADDI);

    struct rv_tb_info info = translate(f, end - 8, 100);
    assert_int_equal(info.icount, 2);       /* stops at the page end */
    assert_int_equal(info.size, 8);
    assert_int_equal(info.phys_last, end - 1);
}

static void test_straddle(void **state)
{
    struct fx *f = *state;
    uint64_t end = RAM_BASE + PAGE;
    put32(f, end - 6, I_ADDI);
    put32(f, end - 2, I_ADDI);              /* straddles the page end */
    put32(f, end + 2, I_ADDI);

    /* A later instruction never straddles: the TB stops before it. */
    struct rv_tb_info info = translate(f, end - 6, 100);
    assert_int_equal(info.icount, 1);
    assert_int_equal(info.size, 4);

    /* As a TB's first instruction it may, and the TB ends right after. */
    info = translate(f, end - 2, 100);
    assert_int_equal(info.icount, 1);
    assert_int_equal(info.size, 4);
    assert_int_equal(info.phys_last, end + 1);
    int s = find_op(f->ir, IR_INSN_START, 0);
    assert_int_equal(f->ir->ops[s].args[2], I_ADDI);

    /* A 2-byte instruction in the last parcel is fine. */
    put16(f, end - 2, I_CNOP);
    info = translate(f, end - 6, 100);
    assert_int_equal(info.icount, 2);
    assert_int_equal(info.size, 6);
}

static void test_jalr_goto_ptr(void **state)
{
    struct fx *f = *state;
    put32(f, RAM_BASE, I_JALR);
    struct rv_tb_info info = translate(f, RAM_BASE, 100);
    assert_int_equal(info.icount, 1);
    assert_int_equal(count_op(f->ir, IR_GOTO_PTR), 1);
    assert_int_equal(count_op(f->ir, IR_GOTO_TB), 0);
    assert_true(has_call(f->ir, "lookup_tb_ptr", IR_CALL_READ_ONLY));
}

static void test_w_op(void **state)
{
    struct fx *f = *state;
    put32(f, RAM_BASE, I_ADDW);
    translate(f, RAM_BASE, 1);
    int a = find_op(f->ir, IR_ADD, 0);
    assert_true(a >= 0);
    assert_int_equal(f->ir->ops[a].type, IR_I32);
    assert_int_equal(f->ir->ops[a + 1].opc, IR_EXT32S);
}

static void test_mem_ops(void **state)
{
    struct fx *f = *state;
    put32(f, RAM_BASE, I_LW);
    put32(f, RAM_BASE + 4, I_SD);
    put32(f, RAM_BASE + 8, I_AMOADD_W);
    put32(f, RAM_BASE + 12, I_ECALL);
    struct rv_tb_info info = translate(f, RAM_BASE, 100);
    assert_int_equal(info.icount, 4);       /* ecall ends the TB */
    int ld = find_op(f->ir, IR_QLD, 0), st = find_op(f->ir, IR_QST, 0);
    assert_true(ld >= 0 && st >= 0);
    assert_int_equal(f->ir->ops[ld].args[2], IR_MO_32 | IR_MO_SIGN);
    assert_int_equal(f->ir->ops[ld].args[3], RV_MMU_M);
    assert_int_equal(f->ir->ops[st].args[2], IR_MO_64);
    assert_true(has_call(f->ir, "amo", IR_CALL_READ_ONLY));
    assert_true(has_call(f->ir, "raise", IR_CALL_NORETURN));
}

static void test_system_ends_tb(void **state)
{
    struct fx *f = *state;
    static const uint32_t ops[] = { I_CSRRW, I_MRET, I_WFI };
    for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
        put32(f, RAM_BASE, ops[i]);
        put32(f, RAM_BASE + 4, I_ADDI);
        struct rv_tb_info info = translate(f, RAM_BASE, 100);
        assert_int_equal(info.icount, 1);
        /* A plain exit, so the loop re-reads flags and interrupts. */
        int e = find_op(f->ir, IR_EXIT_TB, 0);
        assert_int_equal(f->ir->ops[e].args[0], IR_EXIT_NOCHAIN);
        assert_int_equal(count_op(f->ir, IR_GOTO_TB), 0);
    }
}

/* The helpers' flags come from helpers.def: fp (fclass, or an op whose
 * dyn rm meets an invalid frm, which raises) reads globals; csr, mret,
 * wfi as declared.  (F/D arithmetic, compares, conversions, fmv and fsgnj
 * are no longer helper calls: test_fp_ops.) */
static void test_helper_flags(void **state)
{
    struct fx *f = *state;
    static const struct { uint32_t insn; unsigned frm; const char *name;
                          unsigned flags; }
    cases[] = {
        { 0x023170d3, 5, "fp", IR_CALL_READ_ONLY },  /* fadd.d dyn, frm 5 */
        { 0xe2009553, 0, "fp", IR_CALL_READ_ONLY },  /* fclass.d a0,f1 */
        { I_CSRRW, 0, "csr", IR_CALL_READ_ONLY },
        { I_MRET, 0, "mret", 0 },
        { I_WFI, 0, "wfi", IR_CALL_READ_ONLY },
    };
    f->h->mstatus |= 3ull << 13;            /* FS = Dirty: F/D enabled */
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        put32(f, RAM_BASE, cases[i].insn);
        f->h->frm = cases[i].frm;
        translate(f, RAM_BASE, 1);
        assert_int_equal(count_op(f->ir, IR_CALL), 1);
        if (!has_call(f->ir, cases[i].name, cases[i].flags))
            fail_msg("%#x: no call %s flags=%u", cases[i].insn,
                     cases[i].name, cases[i].flags);
    }
    f->h->frm = 0;
}

/* F/D ops become FP IR ops with a static rounding mode: rm from the
 * instruction, dyn from frm in the TB flags, RMM as IR_FRM_OTHER; fmv is
 * integer IR.  None calls a helper. */
static void test_fp_ops(void **state)
{
    struct fx *f = *state;
    static const struct { uint32_t insn; unsigned frm; enum ir_opc opc;
                          unsigned rm; }
    cases[] = {
        { 0x023100d3, 3, IR_FADD, IR_FRM_RNE },    /* fadd.d f1,f2,f3,rne */
        { 0x023170d3, 2, IR_FADD, IR_FRM_RDN },    /* fadd.d ...,dyn; frm 2 */
        { 0x023140d3, 0, IR_FADD, IR_FRM_OTHER },  /* fadd.d ...,rmm */
        { 0x1a3170d3, 1, IR_FDIV, IR_FRM_RTZ },    /* fdiv.d ...,dyn; frm 1 */
        { 0x1a3170d3, 4, IR_FDIV, IR_FRM_OTHER },  /* fdiv.d ...,dyn; frm 4 */
        { 0xe2008553, 0, IR_NOP, 0 },              /* fmv.x.d a0,f1 */
    };
    f->h->mstatus |= 3ull << 13;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        put32(f, RAM_BASE, cases[i].insn);
        f->h->frm = cases[i].frm;
        translate(f, RAM_BASE, 1);
        assert_int_equal(count_op(f->ir, IR_CALL), 0);
        if (cases[i].opc == IR_NOP)
            continue;
        int o = find_op(f->ir, cases[i].opc, 0);
        assert_true(o >= 0);
        assert_int_equal(f->ir->ops[o].type, IR_I64);
        assert_int_equal(f->ir->ops[o].args[3], cases[i].rm);
    }
    f->h->frm = 0;
}

static void test_illegal(void **state)
{
    struct fx *f = *state;
    put32(f, RAM_BASE, 0);                  /* all-zero: illegal */
    put32(f, RAM_BASE + 4, I_ADDI);
    struct rv_tb_info info = translate(f, RAM_BASE, 100);
    assert_int_equal(info.icount, 1);
    assert_int_equal(info.size, 2);
    assert_true(has_call(f->ir, "raise", IR_CALL_NORETURN));
}

static void test_lui_and_x0(void **state)
{
    struct fx *f = *state;
    put32(f, RAM_BASE, I_LUI);
    put32(f, RAM_BASE + 4, 0x00100013);     /* addi x0,x0,1: a HINT */
    put32(f, RAM_BASE + 8, I_ECALL);
    translate(f, RAM_BASE, 100);
    int m = find_op(f->ir, IR_MOV, 0);
    assert_true(m >= 0);
    ir_temp src = (ir_temp)f->ir->ops[m].args[1];
    assert_int_equal(f->ir->temps[src].kind, IR_TEMP_CONST);
    assert_int_equal(f->ir->temps[src].val, 0x12345000ull);
    ir_temp dst = (ir_temp)f->ir->ops[m].args[0];
    assert_string_equal(f->ir->temps[dst].name, "x10");
    assert_int_equal(count_op(f->ir, IR_ADD), 0);  /* x0 write dropped */
}

static void test_fetch_fault(void **state)
{
    struct fx *f = *state;
    struct rv_tb_info info;

    f->h->mtvec = RAM_BASE + 0x100;
    f->h->pc = 0x1000;                      /* nothing mapped there */
    if (sigsetjmp(f->h->jmp_env, 0) == 0) {
        rv_translate(f->h, f->ir, 0x1000, rv_tb_flags(f->h), 10, &info);
        fail_msg("fetch from a hole did not fault");
    }
    assert_int_equal(f->h->mcause, RV_EXC_INSN_ACCESS);
    assert_int_equal(f->h->mepc, 0x1000);
    assert_int_equal(f->h->mtval, 0x1000);
    assert_int_equal(f->h->pc, RAM_BASE + 0x100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stops_after_branch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insn_start_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_insns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_straddle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jalr_goto_ptr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_w_op, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mem_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_ends_tb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fp_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_helper_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_illegal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lui_and_x0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_fault, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
