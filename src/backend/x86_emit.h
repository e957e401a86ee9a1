/*
 * x86_emit.h — x86-64 instruction encoder (the only place that knows opcode
 * bytes).
 *
 * Opcodes are named by mnemonic and operand form in the Intel SDM notation
 * (OPC_ADD_GvEv: ADD r, r/m), with prefix flags ORed into the upper bits.
 * One function, x86_encode(), builds every prefix/REX/opcode/ModRM/SIB/disp
 * sequence; the helpers below are thin wrappers around it.
 *
 * Buffer contract: every instruction first checks that X86_MAX_INSN bytes
 * remain before b->end; if not, b->overflow is set and the instruction (and
 * every later one) is written to a private scratch area instead, so a caller
 * checks b->overflow once at the end of a block and retries elsewhere.
 */
#ifndef LOOM_BACKEND_X86_EMIT_H
#define LOOM_BACKEND_X86_EMIT_H

#include <stdbool.h>
#include <stdint.h>

enum x86_reg {
    X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
    X86_NOREG = -1,
};

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
enum x86_cc {
    X86_CC_O, X86_CC_NO, X86_CC_B, X86_CC_AE, X86_CC_E, X86_CC_NE,
    X86_CC_BE, X86_CC_A, X86_CC_S, X86_CC_NS, X86_CC_P, X86_CC_NP,
    X86_CC_L, X86_CC_GE, X86_CC_LE, X86_CC_G,
};

/* Prefix flags ORed into an opcode value. */
#define P_EXT     0x100      /* 0x0f escape */
#define P_DATA16  0x200      /* 0x66 operand-size prefix */
#define P_REXW    0x400      /* REX.W: 64-bit operand */
#define P_BYTER   0x800      /* reg field names a byte register (sil, dil...) */
#define P_BYTERM  0x1000     /* r/m field names a byte register */
#define P_LOCK    0x2000     /* 0xf0 lock prefix */
#define P_SIMDF3  0x4000     /* 0xf3 mandatory prefix (scalar single) */
#define P_SIMDF2  0x8000     /* 0xf2 mandatory prefix (scalar double) */

#define OPC_ARITH_EvGv  0x01 /* + (ext << 3): ADD=0x01 OR=0x09 ... CMP=0x39 */
#define OPC_ARITH_GvEv  0x03
#define OPC_ARITH_EbIb  0x80 /* + ext: byte r/m, imm8 */
#define OPC_ARITH_EvIz  0x81
#define OPC_ARITH_EvIb  0x83
#define OPC_MOVB_EvGv   0x88
#define OPC_MOVL_EvGv   0x89
#define OPC_MOVL_GvEv   0x8b
#define OPC_MOVL_EvIz   0xc7
#define OPC_MOVL_Iv     0xb8 /* + register */
#define OPC_MOVSLQ      (0x63 | P_REXW)
#define OPC_MOVZBL      (0xb6 | P_EXT)
#define OPC_MOVZWL      (0xb7 | P_EXT)
#define OPC_MOVSBL      (0xbe | P_EXT)
#define OPC_MOVSWL      (0xbf | P_EXT)
#define OPC_LEA         0x8d
#define OPC_TESTL       0x85
#define OPC_XCHG_EvGv   0x87
#define OPC_IMUL_GvEv   (0xaf | P_EXT)
#define OPC_IMUL_GvEvIz 0x69
#define OPC_IMUL_GvEvIb 0x6b
#define OPC_SHIFT_1     0xd1
#define OPC_SHIFT_Ib    0xc1
#define OPC_SHIFT_cl    0xd3
#define OPC_GRP3_Eb     0xf6 /* ext as GRP3_Ev, byte operand: TEST r/m8, imm8 */
#define OPC_GRP3_Ev     0xf7 /* ext: TEST=0 NOT=2 NEG=3 MUL=4 IMUL=5 DIV=6 IDIV=7 */
#define OPC_GRP5        0xff /* ext: CALL=2 JMP=4 */
#define OPC_SETCC       (0x90 | P_EXT | P_BYTERM)
#define OPC_CMOVCC      (0x40 | P_EXT)
#define OPC_JCC_long    (0x80 | P_EXT)
#define OPC_JCC_short   0x70
#define OPC_JMP_long    0xe9
#define OPC_JMP_short   0xeb
#define OPC_CALL_Jz     0xe8
#define OPC_PUSH_r      0x50
#define OPC_POP_r       0x58
#define OPC_RET         0xc3
#define OPC_CQO         (0x99 | P_REXW)  /* cdq without REX.W */
#define OPC_UD2         (0x0b | P_EXT)
#define OPC_NOP         0x90
#define OPC_NOPL_Ev     (0x1f | P_EXT)   /* multi-byte nop, ext 0 */
#define OPC_GRP15       (0xae | P_EXT)   /* mfence = 0f ae f0 (ModRM 11 110 000) */

/* SSE/SSE2 scalar floating point (Intel SDM vol. 2; the xmm register goes
 * in ModRM.reg unless the form says otherwise).  OPC_SSE_* take P_SIMDF3
 * (ss) or P_SIMDF2 (sd) ORed in: x86_sse_op() does that by precision. */
#define OPC_SSE_SQRT    (0x51 | P_EXT)
#define OPC_SSE_ADD     (0x58 | P_EXT)
#define OPC_SSE_MUL     (0x59 | P_EXT)
#define OPC_SSE_CVT     (0x5a | P_EXT)   /* cvtss2sd (F3) / cvtsd2ss (F2) */
#define OPC_SSE_SUB     (0x5c | P_EXT)
#define OPC_SSE_DIV     (0x5e | P_EXT)
#define OPC_SSE_CVTSI2  (0x2a | P_EXT)   /* xmm, r/m (REX.W: 64-bit int) */
#define OPC_SSE_CVTT2SI (0x2c | P_EXT)   /* r, xmm/m: truncating */
#define OPC_SSE_CVT2SI  (0x2d | P_EXT)   /* r, xmm/m: MXCSR rounding */
#define OPC_UCOMISS     (0x2e | P_EXT)   /* 66: ucomisd */
#define OPC_MOVQ_VqEq   (0x6e | P_EXT | P_DATA16 | P_REXW)  /* movq xmm, r64 */
#define OPC_MOVQ_EqVq   (0x7e | P_EXT | P_DATA16 | P_REXW)  /* movq r64, xmm */
#define OPC_PCMPEQD     (0x76 | P_EXT | P_DATA16)
/* 0f ae /2 ldmxcsr m32 (OPC_GRP15 with ext 2) */
#define EXT15_LDMXCSR   2
#define EXT15_STMXCSR   3
/* VEX.LIG.66.0F38.W0 (ss) / W1 (sd) scalar FMA3, 213 operand order:
 * xmm1 = xmm2 * xmm1 + xmm3 (xmm1 = ModRM.reg, xmm2 = VEX.vvvv). */
#define VEX_VFMADD213   0xa9     /* a*b + c */
#define VEX_VFMSUB213   0xab     /* a*b - c */
#define VEX_VFNMADD213  0xad     /* -(a*b) + c */
#define VEX_VFNMSUB213  0xaf     /* -(a*b) - c */

enum x86_arith { ARITH_ADD = 0, ARITH_OR = 1, ARITH_AND = 4, ARITH_SUB = 5,
                 ARITH_XOR = 6, ARITH_CMP = 7 };
enum x86_shift { SHIFT_SHL = 4, SHIFT_SHR = 5, SHIFT_SAR = 7 };
enum x86_grp3 { EXT3_TEST = 0, EXT3_NOT = 2, EXT3_NEG = 3, EXT3_MUL = 4,
                EXT3_IMUL = 5, EXT3_DIV = 6, EXT3_IDIV = 7 };
enum x86_grp5 { EXT5_CALL = 2, EXT5_JMP = 4 };

#define X86_MAX_INSN 16

struct x86_buf {
    uint8_t *p;              /* next byte */
    uint8_t *start;          /* offsets are relative to this */
    uint8_t *end;            /* no instruction may extend past this */
    bool overflow;
    uint8_t scratch[2 * X86_MAX_INSN]; /* sink once overflowed */
};

void x86_buf_init(struct x86_buf *b, uint8_t *start, uint8_t *end);
static inline uint32_t x86_off(const struct x86_buf *b)
{ return (uint32_t)(b->p - b->start); }

/* The one encoder.  mode: X86_M_REG (rm is a register), X86_M_MEM
 * ([base + index<<shift + disp]; base or index may be X86_NOREG; index
 * never rsp), X86_M_RIP ([rip + disp32], disp relative to the end of the
 * whole instruction), X86_M_NONE (opcode with the register rm in its low 3
 * bits, e.g. push, or no operand at all).  imm_bytes: the immediate the
 * caller appends right after (covered by the X86_MAX_INSN room check). */
enum x86_mode { X86_M_REG, X86_M_MEM, X86_M_RIP, X86_M_NONE };
void x86_encode(struct x86_buf *b, int opc, int r, enum x86_mode mode,
                int rm, int index, int shift, int32_t disp, int imm_bytes);

void x86_imm8(struct x86_buf *b, int8_t v);
void x86_imm32(struct x86_buf *b, int32_t v);
void x86_imm64(struct x86_buf *b, uint64_t v);

/* --- wrappers --------------------------------------------------------------
 * `w64` selects the 64-bit operand size (REX.W). */
static inline void x86_op_rr(struct x86_buf *b, int opc, int r, int rm)
{ x86_encode(b, opc, r, X86_M_REG, rm, X86_NOREG, 0, 0, 0); }
static inline void x86_op_rm(struct x86_buf *b, int opc, int r, int base,
                             int32_t disp)
{ x86_encode(b, opc, r, X86_M_MEM, base, X86_NOREG, 0, disp, 0); }
static inline int x86_w(bool w64) { return w64 ? P_REXW : 0; }

void x86_mov_rr(struct x86_buf *b, bool w64, int d, int s);
void x86_mov_ri(struct x86_buf *b, int d, uint64_t v);   /* shortest form */
void x86_arith_rr(struct x86_buf *b, bool w64, enum x86_arith op, int d, int s);
void x86_arith_ri(struct x86_buf *b, bool w64, enum x86_arith op, int d,
                  int32_t imm);
/* op [base + disp], imm: the shortest immediate form (imm8 or imm32). */
void x86_arith_mi(struct x86_buf *b, bool w64, enum x86_arith op, int base,
                  int32_t disp, int32_t imm);
void x86_shift_ri(struct x86_buf *b, bool w64, enum x86_shift op, int d,
                  unsigned count);
void x86_shift_cl(struct x86_buf *b, bool w64, enum x86_shift op, int d);
void x86_grp3(struct x86_buf *b, bool w64, enum x86_grp3 op, int r);
void x86_imul_rr(struct x86_buf *b, bool w64, int d, int s);
void x86_imul_rri(struct x86_buf *b, bool w64, int d, int s, int32_t imm);
void x86_test_rr(struct x86_buf *b, bool w64, int a, int c);
void x86_lea(struct x86_buf *b, bool w64, int d, int base, int index,
             int shift, int32_t disp);
/* Loads: size_log2 0..3, sign-extend when `sign`, result width w64. */
void x86_load(struct x86_buf *b, unsigned size_log2, bool sign, bool w64,
              int d, int base, int index, int32_t disp);
void x86_store(struct x86_buf *b, unsigned size_log2, int s, int base,
               int index, int32_t disp);
/* Register extension: d = ext(low 2^size_log2 bytes of s), sign-extended to
 * 32 or 64 bits (w64) or zero-extended. */
void x86_ext(struct x86_buf *b, unsigned size_log2, bool sign, bool w64,
             int d, int s);
void x86_setcc(struct x86_buf *b, enum x86_cc cc, int d);  /* d = 0/1, 32-bit */
void x86_cmov(struct x86_buf *b, bool w64, enum x86_cc cc, int d, int s);
void x86_push(struct x86_buf *b, int r);
void x86_pop(struct x86_buf *b, int r);
void x86_ret(struct x86_buf *b);
void x86_mfence(struct x86_buf *b);
void x86_ud2(struct x86_buf *b);
void x86_cqo(struct x86_buf *b, bool w64);               /* cqo / cdq */
/* Scalar SSE op xmm d, xmm s at double (dbl) or single precision. */
void x86_sse_op(struct x86_buf *b, int opc, bool dbl, int d, int s);
/* movq xmm, r64 / movq r64, xmm */
void x86_movq_xr(struct x86_buf *b, int xmm, int r);
void x86_movq_rx(struct x86_buf *b, int r, int xmm);
/* ldmxcsr [rip + target] (target: 4 bytes within rel32 reach) */
void x86_ldmxcsr_rip(struct x86_buf *b, const void *target);
/* vfm*213s{s,d} xmm d, xmm v, xmm s (VEX_VF*213): d = v * d +- s */
void x86_vfma213(struct x86_buf *b, unsigned vop, bool dbl, int d, int v,
                 int s);
void x86_jmp_r(struct x86_buf *b, int r);
void x86_call_r(struct x86_buf *b, int r);
/* Jumps and calls to an absolute host address reachable with rel32. */
bool x86_rel32_ok(const struct x86_buf *b, const void *target, int insn_len);
void x86_jmp_abs(struct x86_buf *b, const void *target);
void x86_call_abs(struct x86_buf *b, const void *target); /* via r11 if far */
/* Forward jumps patched later: return the offset of the rel32 field. */
uint32_t x86_jcc32(struct x86_buf *b, enum x86_cc cc);
uint32_t x86_jmp32(struct x86_buf *b);
/* Point the rel32 field at `field_off` to offset `target_off`. */
void x86_patch32(struct x86_buf *b, uint32_t field_off, uint32_t target_off);
/* `lea r, [rip + target]` for an absolute address within ±2 GiB. */
void x86_lea_rip(struct x86_buf *b, int r, const void *target);
/* Pad with nops until (offset + skew) is a multiple of align. */
void x86_nop_align(struct x86_buf *b, unsigned align, unsigned skew);

#endif
