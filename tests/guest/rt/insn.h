/* Helpers for instruction tests: run one instruction on register operands
 * through inline assembly (so the compiler cannot fold it) and check it.
 * Check names are the stringified operands, e.g. "addw 0x7fffffff,1". */
#ifndef LOOM_GUEST_INSN_H
#define LOOM_GUEST_INSN_H

#include "rt.h"

#define U(x) ((uint64_t)(x))
#define I64_MIN U(0x8000000000000000)
#define I64_MAX U(0x7fffffffffffffff)
#define I32_MIN_SX U(0xffffffff80000000)   /* INT32_MIN sign-extended */

/* rd = op rs1, rs2 */
#define RR(op, a, b) ({ uint64_t r_; \
	__asm__ volatile(op " %0, %1, %2" : "=r"(r_) : "r"(U(a)), "r"(U(b))); r_; })
/* rd = op rs1, imm */
#define RI(op, a, imm) ({ uint64_t r_; \
	__asm__ volatile(op " %0, %1, %2" : "=r"(r_) : "r"(U(a)), "i"(imm)); r_; })
/* rd = op imm (lui) */
#define RU(op, imm) ({ uint64_t r_; \
	__asm__ volatile(op " %0, %1" : "=r"(r_) : "i"(imm)); r_; })

/* The same operation with registers shared between operands: rd = rs2,
 * rd = rs1, rs1 = rs2, and all three the same. Each must equal RR(). */
#define RR_RD_RS2(op, a, b) ({ uint64_t x_ = U(a), y_ = U(b); \
	__asm__ volatile(op " %0, %1, %0" : "+r"(y_) : "r"(x_)); y_; })
#define RR_RD_RS1(op, a, b) ({ uint64_t x_ = U(a), y_ = U(b); \
	__asm__ volatile(op " %0, %0, %1" : "+r"(x_) : "r"(y_)); x_; })
#define RR_RS_SAME(op, a) ({ uint64_t r_, x_ = U(a); \
	__asm__ volatile(op " %0, %1, %1" : "=&r"(r_) : "r"(x_)); r_; })
#define RR_ALL_SAME(op, a) ({ uint64_t x_ = U(a); \
	__asm__ volatile(op " %0, %0, %0" : "+r"(x_)); x_; })
#define CK_ALIAS(op, a, b) do { \
	rt_check(op " rd=rs2", RR_RD_RS2(op, a, b), RR(op, a, b)); \
	rt_check(op " rd=rs1", RR_RD_RS1(op, a, b), RR(op, a, b)); \
	rt_check(op " rs1=rs2", RR_RS_SAME(op, a), RR(op, a, a)); \
	rt_check(op " rd=rs1=rs2", RR_ALL_SAME(op, a), RR(op, a, a)); \
} while (0)

#define CK_RR(op, a, b, want) rt_check(op " " #a "," #b, RR(op, a, b), U(want))
#define CK_RI(op, a, imm, want) rt_check(op " " #a "," #imm, RI(op, a, imm), U(want))

#endif
