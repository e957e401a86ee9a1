/*
 * x86_emit.c — the x86-64 encoder (Intel SDM vol. 2, ch. 2 "Instruction
 * Format").  All opcode bytes of the backend live here and in x86_emit.h.
 *
 * Contract: see x86_emit.h.  Every instruction starts with insn_begin(),
 * which guarantees X86_MAX_INSN writable bytes (in the buffer, or in the
 * scratch sink after an overflow).
 */
#include "backend/x86_emit.h"

#include <string.h>

void x86_buf_init(struct x86_buf *b, uint8_t *start, uint8_t *end)
{
    b->p = start;
    b->start = start;
    b->end = end;
    b->overflow = false;
}

static void insn_begin(struct x86_buf *b)
{
    if (b->overflow || b->end - b->p < X86_MAX_INSN) {
        /* Keep writing somewhere harmless: the block is thrown away. */
        b->overflow = true;
        b->p = b->scratch;
    }
}

static inline void put8(struct x86_buf *b, unsigned v) { *b->p++ = (uint8_t)v; }

void x86_imm8(struct x86_buf *b, int8_t v) { put8(b, (uint8_t)v); }
void x86_imm32(struct x86_buf *b, int32_t v)
{
    memcpy(b->p, &v, 4);
    b->p += 4;
}
void x86_imm64(struct x86_buf *b, uint64_t v)
{
    memcpy(b->p, &v, 8);
    b->p += 8;
}

static bool fits8(int32_t v) { return v == (int8_t)v; }

void x86_encode(struct x86_buf *b, int opc, int r, enum x86_mode mode,
                int rm, int index, int shift, int32_t disp, int imm_bytes)
{
    (void)imm_bytes;
    insn_begin(b);
    if (opc & P_LOCK)
        put8(b, 0xf0);
    if (opc & P_DATA16)
        put8(b, 0x66);
    /* SSE mandatory prefixes: after any other prefix, before REX. */
    if (opc & P_SIMDF3)
        put8(b, 0xf3);
    if (opc & P_SIMDF2)
        put8(b, 0xf2);

    /* REX = 0100WRXB.  R extends ModRM.reg, X SIB.index, B ModRM.rm /
     * SIB.base / the opcode register.  A REX byte (even 0x40) turns byte
     * registers 4-7 into spl/bpl/sil/dil instead of ah/ch/dh/bh. */
    unsigned rex = 0;
    if (opc & P_REXW)
        rex |= 8;
    if (mode != X86_M_NONE && r >= 0 && (r & 8))
        rex |= 4;
    if (mode == X86_M_MEM && index >= 0 && (index & 8))
        rex |= 2;
    if ((mode == X86_M_REG || mode == X86_M_NONE ||
         (mode == X86_M_MEM && rm >= 0)) && (rm & 8))
        rex |= 1;
    bool force = ((opc & P_BYTER) && r >= 4 && r < 8) ||
                 ((opc & P_BYTERM) && mode == X86_M_REG && rm >= 4 && rm < 8);
    if (rex || force)
        put8(b, 0x40 | rex);
    if (opc & P_EXT)
        put8(b, 0x0f);

    if (mode == X86_M_NONE) {
        put8(b, (opc & 0xff) + (rm & 7));
        return;
    }
    put8(b, opc & 0xff);
    unsigned reg = (unsigned)(r < 0 ? 0 : r) & 7;

    if (mode == X86_M_REG) {
        put8(b, 0xc0 | reg << 3 | (rm & 7));
        return;
    }
    if (mode == X86_M_RIP) {            /* mod=00 rm=101: [rip + disp32] */
        put8(b, reg << 3 | 5);
        x86_imm32(b, disp);
        return;
    }
    /* Memory.  rm=100 means "SIB follows" (so rsp/r12 as base need a SIB);
     * mod=00 with base 101 means "no base, disp32" (so rbp/r13 as base
     * need an explicit disp8 of 0). */
    unsigned mod;
    if (rm < 0)
        mod = 0;
    else if (disp == 0 && (rm & 7) != 5)
        mod = 0;
    else if (fits8(disp))
        mod = 1;
    else
        mod = 2;
    if (index < 0 && rm >= 0 && (rm & 7) != 4) {
        put8(b, mod << 6 | reg << 3 | (rm & 7));
    } else {
        unsigned sib_index = index < 0 ? 4 : (unsigned)index & 7;
        unsigned sib_base = rm < 0 ? 5 : (unsigned)rm & 7;
        put8(b, mod << 6 | reg << 3 | 4);
        put8(b, (unsigned)shift << 6 | sib_index << 3 | sib_base);
    }
    if (rm < 0 || mod == 2)
        x86_imm32(b, disp);
    else if (mod == 1)
        x86_imm8(b, (int8_t)disp);
}

void x86_mov_rr(struct x86_buf *b, bool w64, int d, int s)
{
    x86_op_rr(b, OPC_MOVL_GvEv | x86_w(w64), d, s);
}

void x86_mov_ri(struct x86_buf *b, int d, uint64_t v)
{
    if (v <= UINT32_MAX) {          /* mov r32, imm32 zero-extends */
        x86_encode(b, OPC_MOVL_Iv, -1, X86_M_NONE, d, -1, 0, 0, 4);
        x86_imm32(b, (int32_t)(uint32_t)v);
    } else if ((int64_t)v == (int32_t)v) {  /* mov r/m64, imm32 sign-ext */
        x86_op_rr(b, OPC_MOVL_EvIz | P_REXW, 0, d);
        x86_imm32(b, (int32_t)v);
    } else {                        /* movabs r64, imm64 */
        x86_encode(b, OPC_MOVL_Iv | P_REXW, -1, X86_M_NONE, d, -1, 0, 0, 8);
        x86_imm64(b, v);
    }
}

void x86_arith_rr(struct x86_buf *b, bool w64, enum x86_arith op, int d, int s)
{
    x86_op_rr(b, (OPC_ARITH_GvEv + (op << 3)) | x86_w(w64), d, s);
}

void x86_arith_ri(struct x86_buf *b, bool w64, enum x86_arith op, int d,
                  int32_t imm)
{
    if (fits8(imm)) {
        x86_op_rr(b, OPC_ARITH_EvIb | x86_w(w64), op, d);
        x86_imm8(b, (int8_t)imm);
    } else {
        x86_op_rr(b, OPC_ARITH_EvIz | x86_w(w64), op, d);
        x86_imm32(b, imm);
    }
}

void x86_arith_mi(struct x86_buf *b, bool w64, enum x86_arith op, int base,
                  int32_t disp, int32_t imm)
{
    if (fits8(imm)) {
        x86_encode(b, OPC_ARITH_EvIb | x86_w(w64), op, X86_M_MEM, base,
                   X86_NOREG, 0, disp, 1);
        x86_imm8(b, (int8_t)imm);
    } else {
        x86_encode(b, OPC_ARITH_EvIz | x86_w(w64), op, X86_M_MEM, base,
                   X86_NOREG, 0, disp, 4);
        x86_imm32(b, imm);
    }
}

void x86_shift_ri(struct x86_buf *b, bool w64, enum x86_shift op, int d,
                  unsigned count)
{
    if (count == 1) {
        x86_op_rr(b, OPC_SHIFT_1 | x86_w(w64), op, d);
    } else {
        x86_op_rr(b, OPC_SHIFT_Ib | x86_w(w64), op, d);
        x86_imm8(b, (int8_t)count);
    }
}

void x86_shift_cl(struct x86_buf *b, bool w64, enum x86_shift op, int d)
{
    x86_op_rr(b, OPC_SHIFT_cl | x86_w(w64), op, d);
}

void x86_grp3(struct x86_buf *b, bool w64, enum x86_grp3 op, int r)
{
    x86_op_rr(b, OPC_GRP3_Ev | x86_w(w64), op, r);
}

void x86_imul_rr(struct x86_buf *b, bool w64, int d, int s)
{
    x86_op_rr(b, OPC_IMUL_GvEv | x86_w(w64), d, s);
}

void x86_imul_rri(struct x86_buf *b, bool w64, int d, int s, int32_t imm)
{
    if (fits8(imm)) {
        x86_op_rr(b, OPC_IMUL_GvEvIb | x86_w(w64), d, s);
        x86_imm8(b, (int8_t)imm);
    } else {
        x86_op_rr(b, OPC_IMUL_GvEvIz | x86_w(w64), d, s);
        x86_imm32(b, imm);
    }
}

void x86_test_rr(struct x86_buf *b, bool w64, int a, int c)
{
    x86_op_rr(b, OPC_TESTL | x86_w(w64), c, a);
}

void x86_lea(struct x86_buf *b, bool w64, int d, int base, int index,
             int shift, int32_t disp)
{
    x86_encode(b, OPC_LEA | x86_w(w64), d, X86_M_MEM, base, index, shift, disp, 0);
}

void x86_load(struct x86_buf *b, unsigned size_log2, bool sign, bool w64,
              int d, int base, int index, int32_t disp)
{
    int opc;
    switch (size_log2) {
    case 0: opc = sign ? OPC_MOVSBL | x86_w(w64) : OPC_MOVZBL; break;
    case 1: opc = sign ? OPC_MOVSWL | x86_w(w64) : OPC_MOVZWL; break;
    case 2: opc = sign && w64 ? OPC_MOVSLQ : OPC_MOVL_GvEv; break;
    default: opc = OPC_MOVL_GvEv | P_REXW; break;
    }
    x86_encode(b, opc, d, X86_M_MEM, base, index, 0, disp, 0);
}

void x86_store(struct x86_buf *b, unsigned size_log2, int s, int base,
               int index, int32_t disp)
{
    static const int opc[4] = { OPC_MOVB_EvGv | P_BYTER,
                                OPC_MOVL_EvGv | P_DATA16, OPC_MOVL_EvGv,
                                OPC_MOVL_EvGv | P_REXW };
    x86_encode(b, opc[size_log2 & 3], s, X86_M_MEM, base, index, 0, disp, 0);
}

void x86_ext(struct x86_buf *b, unsigned size_log2, bool sign, bool w64,
             int d, int s)
{
    switch (size_log2) {
    case 0:
        x86_op_rr(b, (sign ? OPC_MOVSBL | x86_w(w64) : OPC_MOVZBL) | P_BYTERM,
                  d, s);
        break;
    case 1:
        x86_op_rr(b, sign ? OPC_MOVSWL | x86_w(w64) : OPC_MOVZWL, d, s);
        break;
    case 2:
        if (sign && w64)
            x86_op_rr(b, OPC_MOVSLQ, d, s);
        else
            x86_mov_rr(b, false, d, s);
        break;
    default:
        x86_mov_rr(b, true, d, s);
        break;
    }
}

void x86_setcc(struct x86_buf *b, enum x86_cc cc, int d)
{
    x86_op_rr(b, OPC_SETCC + cc, 0, d);
    x86_op_rr(b, OPC_MOVZBL | P_BYTERM, d, d);
}

void x86_cmov(struct x86_buf *b, bool w64, enum x86_cc cc, int d, int s)
{
    x86_op_rr(b, (OPC_CMOVCC + cc) | x86_w(w64), d, s);
}

void x86_push(struct x86_buf *b, int r)
{ x86_encode(b, OPC_PUSH_r, -1, X86_M_NONE, r, -1, 0, 0, 0); }
void x86_pop(struct x86_buf *b, int r)
{ x86_encode(b, OPC_POP_r, -1, X86_M_NONE, r, -1, 0, 0, 0); }
void x86_ret(struct x86_buf *b)
{ x86_encode(b, OPC_RET, -1, X86_M_NONE, 0, -1, 0, 0, 0); }
void x86_ud2(struct x86_buf *b)
{ x86_encode(b, OPC_UD2, -1, X86_M_NONE, 0, -1, 0, 0, 0); }
void x86_cqo(struct x86_buf *b, bool w64)
{ x86_encode(b, w64 ? OPC_CQO : OPC_CQO & ~P_REXW, -1, X86_M_NONE, 0, -1, 0, 0, 0); }

/* mfence: 0f ae /6 with a register-form ModRM (11 110 000). */
void x86_mfence(struct x86_buf *b)
{ x86_op_rr(b, OPC_GRP15, 6, 0); }

void x86_jmp_r(struct x86_buf *b, int r)
{ x86_op_rr(b, OPC_GRP5, EXT5_JMP, r); }
void x86_call_r(struct x86_buf *b, int r)
{ x86_op_rr(b, OPC_GRP5, EXT5_CALL, r); }

bool x86_rel32_ok(const struct x86_buf *b, const void *target, int insn_len)
{
    intptr_t d = (intptr_t)target - (intptr_t)(b->p + insn_len);
    return d == (int32_t)d;
}

static void rel32_to(struct x86_buf *b, const void *target)
{
    x86_imm32(b, (int32_t)((intptr_t)target - (intptr_t)(b->p + 4)));
}

void x86_jmp_abs(struct x86_buf *b, const void *target)
{
    if (x86_rel32_ok(b, target, 5)) {
        x86_encode(b, OPC_JMP_long, -1, X86_M_NONE, 0, -1, 0, 0, 4);
        rel32_to(b, target);
    } else {
        x86_mov_ri(b, X86_R11, (uintptr_t)target);
        x86_jmp_r(b, X86_R11);
    }
}

void x86_call_abs(struct x86_buf *b, const void *target)
{
    if (x86_rel32_ok(b, target, 5)) {
        x86_encode(b, OPC_CALL_Jz, -1, X86_M_NONE, 0, -1, 0, 0, 4);
        rel32_to(b, target);
    } else {
        x86_mov_ri(b, X86_R11, (uintptr_t)target);
        x86_call_r(b, X86_R11);
    }
}

uint32_t x86_jcc32(struct x86_buf *b, enum x86_cc cc)
{
    x86_encode(b, OPC_JCC_long + cc, -1, X86_M_NONE, 0, -1, 0, 0, 4);
    uint32_t off = x86_off(b);
    x86_imm32(b, 0);
    return off;
}

uint32_t x86_jmp32(struct x86_buf *b)
{
    x86_encode(b, OPC_JMP_long, -1, X86_M_NONE, 0, -1, 0, 0, 4);
    uint32_t off = x86_off(b);
    x86_imm32(b, 0);
    return off;
}

void x86_patch32(struct x86_buf *b, uint32_t field_off, uint32_t target_off)
{
    if (b->overflow)
        return;
    int32_t rel = (int32_t)(target_off - (field_off + 4));
    memcpy(b->start + field_off, &rel, 4);
}

void x86_sse_op(struct x86_buf *b, int opc, bool dbl, int d, int s)
{
    x86_op_rr(b, opc | (dbl ? P_SIMDF2 : P_SIMDF3), d, s);
}

void x86_movq_xr(struct x86_buf *b, int xmm, int r)
{
    x86_op_rr(b, OPC_MOVQ_VqEq, xmm, r);
}

void x86_movq_rx(struct x86_buf *b, int r, int xmm)
{
    x86_op_rr(b, OPC_MOVQ_EqVq, xmm, r);
}

void x86_ldmxcsr_rip(struct x86_buf *b, const void *target)
{
    x86_encode(b, OPC_GRP15, EXT15_LDMXCSR, X86_M_RIP, 0, -1, 0, 0, 0);
    int32_t rel = (int32_t)((intptr_t)target - (intptr_t)b->p);
    memcpy(b->p - 4, &rel, 4);
}

void x86_vfma213(struct x86_buf *b, unsigned vop, bool dbl, int d, int v,
                 int s)
{
    /* Three-byte VEX (Intel SDM vol. 2, 2.3.5): c4, then R X B (inverted
     * register extensions) and mmmmm = 00010 (0f38), then W, vvvv
     * (inverted), L = 0 (128-bit), pp = 01 (66). */
    insn_begin(b);
    put8(b, 0xc4);
    put8(b, (unsigned)(!(d & 8)) << 7 | 1u << 6 | (unsigned)(!(s & 8)) << 5 |
            0x02);
    put8(b, (dbl ? 0x80u : 0) | (~(unsigned)v & 15) << 3 | 0x01);
    put8(b, vop);
    put8(b, 0xc0 | (unsigned)(d & 7) << 3 | (unsigned)(s & 7));
}

void x86_lea_rip(struct x86_buf *b, int r, const void *target)
{
    x86_encode(b, OPC_LEA | P_REXW, r, X86_M_RIP, 0, -1, 0, 0, 0);
    int32_t rel = (int32_t)((intptr_t)target - (intptr_t)b->p);
    memcpy(b->p - 4, &rel, 4);
}

void x86_nop_align(struct x86_buf *b, unsigned align, unsigned skew)
{
    while ((x86_off(b) + skew) % align) {
        insn_begin(b);
        if (b->overflow)
            return;
        put8(b, OPC_NOP);
    }
}
