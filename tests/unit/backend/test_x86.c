/*
 * test_x86.c — exact encodings of the x86-64 encoder.  Expected bytes were
 * checked against GNU objdump (-M intel) when the table was written; where
 * the assembler would choose another valid form (e.g. 8b vs 89 for mov r,r
 * or the accumulator short forms) the encoder's form is listed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "backend/x86_emit.h"

static uint8_t mem[64];
static struct x86_buf b;

static void check(const char *hex, const char *what)
{
    uint8_t want[32];
    size_t n = 0;
    for (const char *p = hex; *p; ) {
        unsigned v;
        int used;
        if (sscanf(p, "%2x%n", &v, &used) != 1)
            break;
        want[n++] = (uint8_t)v;
        p += used;
        while (*p == ' ')
            p++;
    }
    size_t got = (size_t)(b.p - mem);
    if (got != n || memcmp(mem, want, n) != 0) {
        fprintf(stderr, "encoding mismatch for %s: got", what);
        for (size_t i = 0; i < got; i++)
            fprintf(stderr, " %02x", mem[i]);
        fprintf(stderr, ", want %s\n", hex);
        fail();
    }
    assert_false(b.overflow);
}

#define CHECK(hex, stmt) do { x86_buf_init(&b, mem, mem + sizeof(mem)); \
        stmt; check(hex, #stmt); } while (0)

static void test_forms(void **state)
{
    (void)state;
    CHECK("48 8b c3", x86_mov_rr(&b, true, X86_RAX, X86_RBX)); /* mov rax, rbx */
    CHECK("44 8b e6", x86_mov_rr(&b, false, X86_R12, X86_RSI)); /* mov r12d, esi */
    CHECK("b8 78 56 34 12", x86_mov_ri(&b, X86_RAX, 0x12345678)); /* mov eax, 0x12345678 */
    CHECK("48 c7 c1 fb ff ff ff", x86_mov_ri(&b, X86_RCX, (uint64_t)-5)); /* mov rcx, -5 */
    CHECK("49 b9 f0 de bc 9a 78 56 34 12", x86_mov_ri(&b, X86_R9, 0x123456789abcdef0ull)); /* movabs r9, 0x123456789abcdef0 */
    CHECK("4d 03 e8", x86_arith_rr(&b, true, ARITH_ADD, X86_R13, X86_R8)); /* add r13, r8 */
    CHECK("81 e8 00 10 00 00", x86_arith_ri(&b, false, ARITH_SUB, X86_RAX, 0x1000)); /* sub eax, 0x1000 */
    CHECK("48 83 e7 f0", x86_arith_ri(&b, true, ARITH_AND, X86_RDI, -16)); /* and rdi, -16 */
    CHECK("49 83 ff 7f", x86_arith_ri(&b, true, ARITH_CMP, X86_R15, 127)); /* cmp r15, 127 */
    CHECK("49 83 86 28 01 00 00 05", x86_arith_mi(&b, true, ARITH_ADD, X86_R14, 0x128, 5)); /* add qword [r14+0x128], 5 */
    CHECK("41 81 46 08 00 02 00 00", x86_arith_mi(&b, false, ARITH_ADD, X86_R14, 8, 0x200)); /* add dword [r14+8], 0x200 */
    CHECK("48 83 6d 00 ff", x86_arith_mi(&b, true, ARITH_SUB, X86_RBP, 0, -1)); /* sub qword [rbp+0], -1 */
    CHECK("33 db", x86_arith_rr(&b, false, ARITH_XOR, X86_RBX, X86_RBX)); /* xor ebx, ebx */
    CHECK("48 c1 e2 05", x86_shift_ri(&b, true, SHIFT_SHL, X86_RDX, 5)); /* shl rdx, 5 */
    CHECK("41 d3 fa", x86_shift_cl(&b, false, SHIFT_SAR, X86_R10)); /* sar r10d, cl */
    CHECK("48 d1 e8", x86_shift_ri(&b, true, SHIFT_SHR, X86_RAX, 1)); /* shr rax, 1 */
    CHECK("4d 0f af f4", x86_imul_rr(&b, true, X86_R14, X86_R12)); /* imul r14, r12 */
    CHECK("48 69 f7 e8 03 00 00", x86_imul_rri(&b, true, X86_RSI, X86_RDI, 1000)); /* imul rsi, rdi, 1000 */
    CHECK("6b c1 fd", x86_imul_rri(&b, false, X86_RAX, X86_RCX, -3)); /* imul eax, ecx, -3 */
    CHECK("49 f7 e3", x86_grp3(&b, true, EXT3_MUL, X86_R11)); /* mul r11 */
    CHECK("48 f7 fb", x86_grp3(&b, true, EXT3_IDIV, X86_RBX)); /* idiv rbx */
    CHECK("f7 f1", x86_grp3(&b, false, EXT3_DIV, X86_RCX)); /* div ecx */
    CHECK("49 f7 d9", x86_grp3(&b, true, EXT3_NEG, X86_R9)); /* neg r9 */
    CHECK("f7 d6", x86_grp3(&b, false, EXT3_NOT, X86_RSI)); /* not esi */
    CHECK("0f b6 44 24 08", x86_load(&b, 0, false, false, X86_RAX, X86_RSP, X86_NOREG, 8)); /* movzx eax, byte [rsp+8] */
    CHECK("48 0f bf 45 00", x86_load(&b, 1, true, true, X86_RAX, X86_RBP, X86_NOREG, 0)); /* movsx rax, word [rbp] */
    CHECK("4d 63 84 24 00 01 00 00", x86_load(&b, 2, true, true, X86_R8, X86_R12, X86_NOREG, 0x100)); /* movsxd r8, dword [r12+0x100] */
    CHECK("4d 8b 6d 00", x86_load(&b, 3, false, true, X86_R13, X86_R13, X86_NOREG, 0)); /* mov r13, qword [r13] */
    CHECK("41 8b 44 0e f8", x86_load(&b, 2, false, false, X86_RAX, X86_R14, X86_RCX, -8)); /* mov eax, dword [r14+rcx-8] */
    CHECK("42 88 3c 1e", x86_store(&b, 0, X86_RDI, X86_RSI, X86_R11, 0)); /* mov byte [rsi+r11], dil */
    CHECK("66 44 89 08", x86_store(&b, 1, X86_R9, X86_RAX, X86_NOREG, 0)); /* mov word [rax], r9w */
    CHECK("48 89 ac 24 00 20 00 00", x86_store(&b, 3, X86_RBP, X86_RSP, X86_NOREG, 0x2000)); /* mov qword [rsp+0x2000], rbp */
    CHECK("4e 8d 44 2b 04", x86_lea(&b, true, X86_R8, X86_RBX, X86_R13, 0, 4)); /* lea r8, [rbx+r13+4] */
    CHECK("8d 47 ff", x86_lea(&b, false, X86_RAX, X86_RDI, X86_NOREG, 0, -1)); /* lea eax, [rdi-1] */
    CHECK("40 0f b6 f6", x86_ext(&b, 0, false, true, X86_RSI, X86_RSI)); /* movzx esi, sil */
    CHECK("48 0f be d3", x86_ext(&b, 0, true, true, X86_RDX, X86_RBX)); /* movsx rdx, bl */
    CHECK("49 63 ca", x86_ext(&b, 2, true, true, X86_RCX, X86_R10)); /* movsxd rcx, r10d */
    CHECK("40 0f 94 c6 40 0f b6 f6", x86_setcc(&b, X86_CC_E, X86_RSI)); /* sete sil; movzx esi, sil */
    CHECK("4d 0f 4c c7", x86_cmov(&b, true, X86_CC_L, X86_R8, X86_R15)); /* cmovl r8, r15 */
    CHECK("0f 45 c2", x86_cmov(&b, false, X86_CC_NE, X86_RAX, X86_RDX)); /* cmovne eax, edx */
    /* the FP ops' forms (be_fp.c) */
    CHECK("f2 0f 58 c1", x86_sse_op(&b, OPC_SSE_ADD, true, 0, 1)); /* addsd xmm0, xmm1 */
    CHECK("f3 0f 58 c1", x86_sse_op(&b, OPC_SSE_ADD, false, 0, 1)); /* addss xmm0, xmm1 */
    CHECK("f2 0f 5c c1", x86_sse_op(&b, OPC_SSE_SUB, true, 0, 1)); /* subsd xmm0, xmm1 */
    CHECK("f3 0f 59 c1", x86_sse_op(&b, OPC_SSE_MUL, false, 0, 1)); /* mulss xmm0, xmm1 */
    CHECK("f2 0f 5e c1", x86_sse_op(&b, OPC_SSE_DIV, true, 0, 1)); /* divsd xmm0, xmm1 */
    CHECK("f2 0f 51 c0", x86_sse_op(&b, OPC_SSE_SQRT, true, 0, 0)); /* sqrtsd xmm0, xmm0 */
    CHECK("f2 0f 5a c8", x86_sse_op(&b, OPC_SSE_CVT, true, 1, 0)); /* cvtsd2ss xmm1, xmm0 */
    CHECK("f3 0f 5a d1", x86_sse_op(&b, OPC_SSE_CVT, false, 2, 1)); /* cvtss2sd xmm2, xmm1 */
    CHECK("66 48 0f 6e c6", x86_movq_xr(&b, 0, X86_RSI)); /* movq xmm0, rsi */
    CHECK("66 49 0f 6e d1", x86_movq_xr(&b, 2, X86_R9)); /* movq xmm2, r9 */
    CHECK("66 49 0f 7e c0", x86_movq_rx(&b, X86_R8, 0)); /* movq r8, xmm0 */
    CHECK("66 48 0f 7e c8", x86_movq_rx(&b, X86_RAX, 1)); /* movq rax, xmm1 */
    CHECK("66 0f 2e c1", x86_op_rr(&b, OPC_UCOMISS | P_DATA16, 0, 1)); /* ucomisd xmm0, xmm1 */
    CHECK("0f 2e c1", x86_op_rr(&b, OPC_UCOMISS, 0, 1)); /* ucomiss xmm0, xmm1 */
    CHECK("f2 4c 0f 2c d0", x86_sse_op(&b, OPC_SSE_CVTT2SI | P_REXW, true, X86_R10, 0)); /* cvttsd2si r10, xmm0 */
    CHECK("f3 48 0f 2d c0", x86_sse_op(&b, OPC_SSE_CVT2SI | P_REXW, false, X86_RAX, 0)); /* cvtss2si rax, xmm0 */
    CHECK("f2 49 0f 2a cc", x86_sse_op(&b, OPC_SSE_CVTSI2 | P_REXW, true, 1, X86_R12)); /* cvtsi2sd xmm1, r12 */
    CHECK("f3 48 0f 2a c2", x86_sse_op(&b, OPC_SSE_CVTSI2 | P_REXW, false, 0, X86_RDX)); /* cvtsi2ss xmm0, rdx */
    CHECK("66 0f 76 c9", x86_op_rr(&b, OPC_PCMPEQD, 1, 1)); /* pcmpeqd xmm1, xmm1 */
    CHECK("c4 e2 f1 a9 c2", x86_vfma213(&b, VEX_VFMADD213, true, 0, 1, 2)); /* vfmadd213sd xmm0, xmm1, xmm2 */
    CHECK("c4 e2 71 af c2", x86_vfma213(&b, VEX_VFNMSUB213, false, 0, 1, 2)); /* vfnmsub213ss xmm0, xmm1, xmm2 */
    CHECK("41 f6 86 20 02 00 00 01", (x86_encode(&b, OPC_GRP3_Eb, EXT3_TEST, X86_M_MEM, X86_R14, X86_NOREG, 0, 0x220, 1), x86_imm8(&b, 1))); /* test byte [r14+0x220], 1 */
    CHECK("48 85 c9", x86_test_rr(&b, true, X86_RCX, X86_RCX)); /* test rcx, rcx */
    CHECK("41 54", x86_push(&b, X86_R12)); /* push r12 */
    CHECK("5b", x86_pop(&b, X86_RBX)); /* pop rbx */
    CHECK("c3", x86_ret(&b)); /* ret */
    CHECK("0f ae f0", x86_mfence(&b)); /* mfence */
    CHECK("0f 0b", x86_ud2(&b)); /* ud2 */
    CHECK("48 99", x86_cqo(&b, true)); /* cqo */
    CHECK("99", x86_cqo(&b, false)); /* cdq */
    CHECK("41 ff e3", x86_jmp_r(&b, X86_R11)); /* jmp r11 */
    CHECK("ff d0", x86_call_r(&b, X86_RAX)); /* call rax */
    CHECK("0f 85 00 00 00 00", x86_jcc32(&b, X86_CC_NE)); /* jne rel32 0 */
    CHECK("e9 00 00 00 00", x86_jmp32(&b)); /* jmp rel32 0 */
    CHECK("4d 8b ad 78 56 34 12", x86_load(&b, 3, false, true, X86_R13, X86_R13, X86_NOREG, 0x12345678)); /* mov r13, [r13+0x12345678] */
    CHECK("42 8b 44 25 00", x86_load(&b, 2, false, false, X86_RAX, X86_RBP, X86_R12, 0)); /* mov eax, [rbp+r12*1] */
    CHECK("49 8b 84 35 80 00 00 00", x86_load(&b, 3, false, true, X86_RAX, X86_R13, X86_RSI, 0x80)); /* mov rax, [r13+rsi+0x80] */
}

static void test_prefixed(void **state)
{
    (void)state;
    CHECK("f0 83 0c 24 00", (x86_encode(&b, OPC_ARITH_EvIb | P_LOCK, ARITH_OR,
          X86_M_MEM, X86_RSP, X86_NOREG, 0, 0, 1), x86_imm8(&b, 0)));
    CHECK("48 87 f2", x86_op_rr(&b, OPC_XCHG_EvGv | P_REXW, X86_RSI, X86_RDX));
    /* cmp r10, [r14 + r9 + 0x2110]: the TLB compare of the fast path */
    CHECK("4f 3b 94 0e 10 21 00 00",
          x86_encode(&b, (OPC_ARITH_GvEv + (ARITH_CMP << 3)) | P_REXW, X86_R10,
                     X86_M_MEM, X86_R14, X86_R9, 0, 0x2110, 0));
    /* absolute [disp32] (no base, no index) needs a SIB byte in 64-bit mode */
    CHECK("8b 04 25 78 56 34 12",
          x86_encode(&b, OPC_MOVL_GvEv, X86_RAX, X86_M_MEM, X86_NOREG,
                     X86_NOREG, 0, 0x12345678, 0));
    CHECK("66 41 89 44 24 02", x86_store(&b, 1, X86_RAX, X86_R12, X86_NOREG, 2));
    CHECK("40 88 75 ff", x86_store(&b, 0, X86_RSI, X86_RBP, X86_NOREG, -1));
}

static void test_rel_and_patch(void **state)
{
    (void)state;
    x86_buf_init(&b, mem, mem + sizeof(mem));
    uint32_t f = x86_jcc32(&b, X86_CC_E);
    x86_ret(&b);
    x86_patch32(&b, f, x86_off(&b));     /* jump over the ret */
    check("0f 84 01 00 00 00 c3", "je +1; ret");
    /* call to a near absolute target uses rel32 */
    x86_buf_init(&b, mem, mem + sizeof(mem));
    x86_call_abs(&b, mem + 0x20);
    check("e8 1b 00 00 00", "call mem+0x20");
    /* lea rip: target relative to the end of the lea */
    x86_buf_init(&b, mem, mem + sizeof(mem));
    x86_lea_rip(&b, X86_RCX, mem + 7);
    check("48 8d 0d 00 00 00 00", "lea rcx, [rip]");
    /* nop padding so that the rel32 of a jmp is 4-aligned */
    x86_buf_init(&b, mem, mem + sizeof(mem));
    x86_ret(&b);
    x86_nop_align(&b, 4, 1);
    assert_int_equal((x86_off(&b) + 1) % 4, 0);
}

static void test_overflow(void **state)
{
    (void)state;
    uint8_t small[20];
    x86_buf_init(&b, small, small + sizeof(small));
    x86_mov_ri(&b, X86_RAX, 0x123456789ull);  /* 10 bytes: fits */
    assert_false(b.overflow);
    for (int i = 0; i < 4; i++)
        x86_mov_ri(&b, X86_RAX, 0x123456789ull);
    assert_true(b.overflow);
    assert_ptr_equal(b.start, small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_prefixed),
        cmocka_unit_test(test_rel_and_patch),
        cmocka_unit_test(test_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
