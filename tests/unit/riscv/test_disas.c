/*
 * test_disas.c — rv_disas()/rv_op_name(): the text of every vector in
 * vectors.h (GNU objdump -M no-aliases, translated to Loom's spelling by
 * gen_vectors.py) matches; CSR naming, "illegal 0x...", snprintf semantics;
 * every 16-bit parcel disassembles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "target/riscv/decode.h"
#include "vectors.h"

static const char *dis(uint32_t raw, uint64_t pc, char *buf, size_t n)
{
    struct rv_insn d;
    rv_decode(raw, &d);
    int len = rv_disas(&d, pc, buf, n);
    assert_int_equal((size_t)len, strlen(buf));
    return buf;
}

static void test_vectors(void **state)
{
    (void)state;
    unsigned bad = 0;
    char buf[96];

    for (size_t i = 0; i < sizeof(rv_vectors) / sizeof(rv_vectors[0]); i++) {
        const struct rv_vector *v = &rv_vectors[i];
        dis(v->raw, v->pc, buf, sizeof(buf));
        if (strcmp(buf, v->text) != 0 && bad++ < 30)
            print_error("0x%08x @%llx: want \"%s\", got \"%s\"\n", v->raw,
                        (unsigned long long)v->pc, v->text, buf);
    }
    assert_int_equal(bad, 0);
    /* The table must really exercise the sweep, not just a handful. */
    assert_true(sizeof(rv_vectors) / sizeof(rv_vectors[0]) > 1000);
}

static void test_csr_names(void **state)
{
    (void)state;
    static const struct { uint16_t csr; const char *name; } t[] = {
        { 0x300, "mstatus" }, { 0x301, "misa" }, { 0x302, "medeleg" },
        { 0x303, "mideleg" }, { 0x304, "mie" }, { 0x305, "mtvec" },
        { 0x306, "mcounteren" }, { 0x340, "mscratch" }, { 0x341, "mepc" },
        { 0x342, "mcause" }, { 0x343, "mtval" }, { 0x344, "mip" },
        { 0xf11, "mvendorid" }, { 0xf12, "marchid" }, { 0xf13, "mimpid" },
        { 0xf14, "mhartid" }, { 0xb00, "mcycle" }, { 0xb02, "minstret" },
        { 0xc00, "cycle" }, { 0xc01, "time" }, { 0xc02, "instret" },
        { 0x100, "sstatus" }, { 0x104, "sie" }, { 0x105, "stvec" },
        { 0x140, "sscratch" }, { 0x141, "sepc" }, { 0x142, "scause" },
        { 0x143, "stval" }, { 0x144, "sip" }, { 0x180, "satp" },
        { 0x7c0, "0x7c0" }, { 0xfff, "0xfff" }, { 0x000, "0x0" },
    };
    char buf[64], want[64];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        /* csrrs a0,<csr>,a1 and csrrwi zero,<csr>,7 */
        dis((uint32_t)t[i].csr << 20 | 11 << 15 | 2 << 12 | 10 << 7 | 0x73,
            0, buf, sizeof(buf));
        snprintf(want, sizeof(want), "csrrs a0,%s,a1", t[i].name);
        assert_string_equal(buf, want);
        dis((uint32_t)t[i].csr << 20 | 7 << 15 | 5 << 12 | 0x73, 0, buf, sizeof(buf));
        snprintf(want, sizeof(want), "csrrwi zero,%s,7", t[i].name);
        assert_string_equal(buf, want);
    }
}

static void test_illegal_and_misc(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(dis(0x0000, 0, buf, sizeof(buf)), "illegal 0x0000");
    assert_string_equal(dis(0x12346101, 0, buf, sizeof(buf)), "illegal 0x6101");
    assert_string_equal(dis(0xffffffff, 0, buf, sizeof(buf)), "illegal 0xffffffff");
    assert_string_equal(dis(0x0000005b, 0, buf, sizeof(buf)), "illegal 0x0000005b");
    /* F/D spots the objdump sweep leaves out: the exact conversions take
     * any legal rm (objdump: rm=0 only) and never print it; reserved rm,
     * fmt H/Q and fcvt.d.s with rs2 != 0 are illegal. */
    assert_string_equal(dis(0x4205f553, 0, buf, sizeof(buf)), "fcvt.d.s fa0,fa1");
    assert_string_equal(dis(0xd205f553, 0, buf, sizeof(buf)), "fcvt.d.w fa0,a1");
    assert_string_equal(dis(0xd215c553, 0, buf, sizeof(buf)), "fcvt.d.wu fa0,a1");
    assert_string_equal(dis(0x4205d553, 0, buf, sizeof(buf)), "illegal 0x4205d553");
    assert_string_equal(dis(0x4215f553, 0, buf, sizeof(buf)), "illegal 0x4215f553");
    assert_string_equal(dis(0x00c5e553, 0, buf, sizeof(buf)), "illegal 0x00c5e553");
    assert_string_equal(dis(0x6ec58543, 0, buf, sizeof(buf)), "illegal 0x6ec58543");
    assert_string_equal(dis(0x0000, 0, buf, sizeof(buf)), "illegal 0x0000");
    /* Forms the objdump sweep leaves out (objdump differs on purpose). */
    assert_string_equal(dis(0x0000000f, 0, buf, sizeof(buf)), "fence 0,0");
    assert_string_equal(dis(0x8ff0000f, 0, buf, sizeof(buf)), "fence iorw,iorw");
    assert_string_equal(dis(0x8330000f, 0, buf, sizeof(buf)), "fence.tso");
    assert_string_equal(dis(0x0010100f, 0, buf, sizeof(buf)), "fence.i");
    assert_string_equal(dis(0x0001, 0, buf, sizeof(buf)), "c.nop");
    assert_string_equal(dis(0x1001, 0, buf, sizeof(buf)), "c.nop -32");
    assert_string_equal(dis(0x0082, 0, buf, sizeof(buf)), "c.slli ra,0x0");
    assert_string_equal(dis(0x8001, 0, buf, sizeof(buf)), "c.srli s0,0x0");
    /* Targets are absolute and wrap like the hardware adder. */
    assert_string_equal(dis(0xffdff06f, 0, buf, sizeof(buf)),
                        "jal zero,0xfffffffffffffffc");
    assert_string_equal(dis(0xb001, 0xffffffff80000000ull, buf, sizeof(buf)),
                        "c.j 0xffffffff7ffff800");
}

static void test_snprintf_semantics(void **state)
{
    (void)state;
    struct rv_insn d;
    char buf[8];

    rv_decode(0x00b50533, &d);   /* add a0,a0,a1 */
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(rv_disas(&d, 0, buf, sizeof(buf)), 12);
    assert_string_equal(buf, "add a0,");
    assert_int_equal(rv_disas(&d, 0, NULL, 0), 12);
    buf[0] = 'x';
    assert_int_equal(rv_disas(&d, 0, buf, 1), 12);
    assert_int_equal(buf[0], '\0');
}

static void test_all_parcels(void **state)
{
    (void)state;
    char buf[96];
    for (uint32_t h = 0; h <= 0xffff; h++) {
        if ((h & 3) == 3)
            continue;
        struct rv_insn d;
        rv_decode(h, &d);
        int n = rv_disas(&d, 0x80000000, buf, sizeof(buf));
        assert_true(n > 0 && (size_t)n < sizeof(buf));
        if (d.op == RV_OP_ILLEGAL)
            assert_memory_equal(buf, "illegal 0x", 10);
        else
            assert_memory_equal(buf, d.cname, strlen(d.cname));
    }
}

static void test_op_names(void **state)
{
    (void)state;
    for (int op = 0; op < RV_OP_COUNT; op++) {
        const char *m = rv_op_name(op);
        assert_non_null(m);
        assert_true(strlen(m) > 0 && strcmp(m, "?") != 0);
    }
    assert_string_equal(rv_op_name(RV_OP_ILLEGAL), "illegal");
    assert_string_equal(rv_op_name(RV_OP_FENCE_TSO), "fence.tso");
    assert_string_equal(rv_op_name(RV_OP_AMOMAXU_D), "amomaxu.d");
    assert_string_equal(rv_op_name(RV_OP_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_csr_names),
        cmocka_unit_test(test_illegal_and_misc),
        cmocka_unit_test(test_snprintf_semantics),
        cmocka_unit_test(test_all_parcels),
        cmocka_unit_test(test_op_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
