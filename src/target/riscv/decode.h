/*
 * decode.h — RISC-V instruction decoder (RV64IMAC, Zicsr, Zifencei, the
 * privileged instructions).  Pure functions: no CPU state, thread-safe.
 *
 * rv_decode() accepts the raw bits as fetched (for a 16-bit instruction only
 * the low 16 bits matter).  Every reserved or unsupported encoding —
 * including the all-zero 16-bit word, the compressed reserved forms (e.g.
 * c.addi4spn with nzuimm=0, c.lui with rd=x2 or imm=0, c.jr with rs1=0 ...
 * see the RVC chapter), wrong funct fields, shifts with shamt >= 64
 * (>= 32 for W forms) — decodes to RV_OP_ILLEGAL with len still set, so the
 * front end raises an illegal-instruction exception with mtval = raw bits.
 */
#ifndef LOOM_TARGET_RISCV_DECODE_H
#define LOOM_TARGET_RISCV_DECODE_H

#include <stddef.h>
#include <stdint.h>

enum rv_op {
#define X(e, m) RV_OP_##e,
#include "target/riscv/rv_ops.def"
#undef X
    RV_OP_COUNT
};

struct rv_insn {
    uint32_t raw;            /* the encoding (low 16 bits if len == 2) */
    uint8_t len;             /* 2 or 4 */
    uint16_t op;             /* enum rv_op */
    uint8_t rd, rs1, rs2;    /* register numbers (0 when unused) */
    int64_t imm;             /* sign-extended immediate, shift amount,
                                or zimm for CSR*I (zero-extended 5 bits) */
    uint16_t csr;            /* CSR number for Zicsr */
    uint8_t aq, rl;          /* A extension ordering bits */
    uint8_t pred, succ;      /* FENCE: iorw bit sets (i=8 o=4 r=2 w=1) */
    const char *cname;       /* compressed mnemonic ("c.addi"), or NULL */
};

/* Length of the instruction whose first 16-bit parcel is `lo`: 2 or 4 (Loom
 * supports no longer encodings: those decode as illegal with len 4). */
static inline unsigned rv_insn_len(uint16_t lo) { return (lo & 3) == 3 ? 4 : 2; }

/* Decode; always fills *out (op may be RV_OP_ILLEGAL). */
void rv_decode(uint32_t raw, struct rv_insn *out);

/* Mnemonic of an op ("addi"). */
const char *rv_op_name(enum rv_op op);

/* Disassemble in GNU objdump style ("addi a0,a0,1"; ABI register names;
 * branch/jump targets as absolute addresses computed from pc). Returns the
 * number of characters written (snprintf semantics). */
int rv_disas(const struct rv_insn *insn, uint64_t pc, char *buf, size_t n);

#endif
