/* Helpers for tests that run code in S mode (smode.c, sv39.c).
 *
 * run_in(fn, arg, mode): calls fn(arg) in S (mode 1) or U (mode 0) through
 * mret and returns its result in M: fn returns into s_exit, whose ebreak
 * (never delegated) traps to M, where the runtime resumes after the mret
 * with MPP = M.  Traps taken while fn runs go to M (rt's handler: it must
 * not be armed for them) unless delegated; s_trap is an S handler (install
 * with stvec) that records every trap in s_rec, silences STI/SSI, and
 * resumes exceptions at s_rec.resume (once) or after the instruction. */
#ifndef LOOM_GUEST_SMODE_H
#define LOOM_GUEST_SMODE_H

#include "umode.h"

#define MSTATUS_SIE  (1UL << 1)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_SPP  (1UL << 8)
#define MSTATUS_SUM  (1UL << 18)
#define MSTATUS_MXR  (1UL << 19)
#define MSTATUS_TVM  (1UL << 20)
#define MSTATUS_TW   (1UL << 21)
#define MSTATUS_TSR  (1UL << 22)

struct s_rec {
	uint64_t save[3];       /* t1, t2, t0 while the handler runs */
	uint64_t count;         /* exceptions */
	uint64_t cause, epc, tval, status;
	uint64_t resume;        /* nonzero: next exception resumes here */
	uint64_t irq_count, irq_cause;
	uint64_t vec_hit;       /* last s_vec slot entered */
	uint64_t tmp;           /* sstatus while reading the instruction */
};
#define s_vec_hit (s_rec.vec_hit)
extern volatile struct s_rec s_rec;
void s_trap(void);
void s_exit(void);
void s_vec(void);              /* vectored stvec table, 16 slots */

__asm__(
	".pushsection .text\n"
	".balign 4\n"
	".globl s_exit\n"
	"s_exit: ebreak\n"
	"j s_exit\n"
	".balign 4\n"
	".globl s_trap\n"
	"s_trap:\n"
	"csrrw t0, sscratch, t0\n"      /* t0 = &s_rec */
	"sd t1, 0(t0)\n sd t2, 8(t0)\n"
	"csrr t1, sscratch\n sd t1, 16(t0)\n"
	"csrr t1, scause\n"
	"bltz t1, 5f\n"
	"sd t1, 32(t0)\n"
	"csrr t1, sepc\n sd t1, 40(t0)\n"
	"csrr t1, stval\n sd t1, 48(t0)\n"
	"csrr t1, sstatus\n sd t1, 56(t0)\n"
	"ld t1, 24(t0)\n addi t1, t1, 1\n sd t1, 24(t0)\n"
	"ld t1, 64(t0)\n beqz t1, 1f\n"
	"sd zero, 64(t0)\n j 2f\n"
	/* Step over the instruction: read it with SUM set (it may be U code). */
	"1: li t2, 0x40000\n csrrs t2, sstatus, t2\n sd t2, 96(t0)\n"
	"csrr t1, sepc\n lhu t2, 0(t1)\n andi t2, t2, 3\n"
	"addi t1, t1, 2\n addi t2, t2, -3\n bnez t2, 3f\n addi t1, t1, 2\n"
	"3: ld t2, 96(t0)\n csrw sstatus, t2\n"
	"2: csrw sepc, t1\n j 9f\n"
	"5: sd t1, 80(t0)\n"            /* interrupt: record, silence */
	"ld t2, 72(t0)\n addi t2, t2, 1\n sd t2, 72(t0)\n"
	"slli t1, t1, 1\n srli t1, t1, 1\n"
	"li t2, 5\n bne t1, t2, 6f\n"
	"li t2, -1\n csrw stimecmp, t2\n j 9f\n"
	"6: li t2, 1\n bne t1, t2, 7f\n csrci sip, 2\n j 9f\n"
	"7: li t2, 1\n sll t2, t2, t1\n csrc sie, t2\n"
	"9: ld t1, 0(t0)\n ld t2, 8(t0)\n"
	"csrrw t0, sscratch, t0\n"
	"sret\n"
	".balign 4\n"
	".globl s_vec\n"
	"s_vec:\n"
	".option push\n .option norvc\n"
	".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"j s_vslot\\n\n"
	".endr\n"
	".option pop\n"
	".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"s_vslot\\n:\n"
	"csrrw t0, sscratch, t0\n sd t1, 0(t0)\n"
	"li t1, \\n\n sd t1, 88(t0)\n ld t1, 0(t0)\n"
	"csrrw t0, sscratch, t0\n j s_trap\n"
	".endr\n"
	".popsection\n");

volatile struct s_rec s_rec;

static inline void s_install(void)
{
	RT_CSR_WRITE(stvec, (uint64_t)(uintptr_t)s_trap);
	RT_CSR_WRITE(sscratch, (uint64_t)(uintptr_t)&s_rec);
}

typedef uint64_t (*s_fn)(uint64_t);

/* As run_in, returning from fn to `exit` (an alias of s_exit that the
 * mode can fetch). */
static inline uint64_t run_in_x(s_fn fn, uint64_t arg, unsigned mode,
				uint64_t exit)
{
	register uint64_t a0 __asm__("a0") = arg;

	__asm__ volatile(
		"la t0, 1f\n sd t0, %[ro](%[tr])\n"
		"li t0, 1\n sd t0, %[ao](%[tr])\n sd t0, %[mo](%[tr])\n"
		"csrw mepc, %[fn]\n"
		"li t0, 0x1800\n csrc mstatus, t0\n"
		"slli t0, %[md], 11\n csrs mstatus, t0\n"
		"mv ra, %[ex]\n"
		"mret\n"
		"1:\n"
		: "+r"(a0)
		: [fn] "r"(fn), [md] "r"((uint64_t)mode), [tr] "r"(&rt_trap),
		  [ex] "r"(exit),
		  [ro] "i"(offsetof(struct rt_trap, resume)),
		  [ao] "i"(offsetof(struct rt_trap, armed)),
		  [mo] "i"(offsetof(struct rt_trap, resume_m))
		: "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a1", "a2",
		  "a3", "a4", "a5", "a6", "a7", "memory");
	return a0;
}

static inline uint64_t run_in(s_fn fn, uint64_t arg, unsigned mode)
{
	return run_in_x(fn, arg, mode, (uint64_t)(uintptr_t)s_exit);
}

/* Runs `insns` in S mode (like IN_U): the first may trap to M. */
#define IN_S(pcvar, io, insns) \
	RT_IN_MODE("li t0, 0x800\n csrs mstatus, t0\n", pcvar, io, insns)

#endif
