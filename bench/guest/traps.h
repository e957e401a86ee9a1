/* Shared bits of the trap micro-benchmarks (trap_ecall, trap_illegal,
 * trap_timer): a minimal M-mode trap handler in place of the runtime's
 * rt_trap_entry, so each round trip costs the emulator's trap entry, the
 * handler's dozen instructions and mret, not the runtime's bookkeeping.
 * Exceptions resume at mepc + 4 (the benchmarks raise them only from
 * 4-byte instructions) and count in bench_tscr[2]; timer interrupts count
 * in bench_tscr[3] and re-arm mtimecmp = mtime (pending again at once)
 * until bench_tscr[4] have been taken, then set mtimecmp to the maximum.
 * mscratch points at bench_tscr; slots 0 and 1 save t0 and t1.
 * Guest only: the native build has no trap to compare with. */
#ifndef LOOM_BENCH_TRAPS_H
#define LOOM_BENCH_TRAPS_H

#include "bench.h"

volatile uint64_t bench_tscr[8] __attribute__((aligned(64)));
void bench_trap_entry(void);

__asm__(
	".section .text\n"
	".balign 4\n"
	".globl bench_trap_entry\n"
	"bench_trap_entry:\n\t"
	"csrrw	sp, mscratch, sp\n\t"
	"sd	t0, 0(sp)\n\t"
	"sd	t1, 8(sp)\n\t"
	"csrr	t0, mcause\n\t"
	"bltz	t0, 1f\n\t"
	"csrr	t0, mepc\n\t"
	"addi	t0, t0, 4\n\t"
	"csrw	mepc, t0\n\t"
	"ld	t0, 16(sp)\n\t"
	"addi	t0, t0, 1\n\t"
	"sd	t0, 16(sp)\n\t"
	"j	3f\n"
	"1:	ld	t0, 24(sp)\n\t"
	"addi	t0, t0, 1\n\t"
	"sd	t0, 24(sp)\n\t"
	"ld	t1, 32(sp)\n\t"
	"bgeu	t0, t1, 2f\n\t"
	"li	t0, 0x200bff8\n\t"     /* CLINT mtime */
	"ld	t1, 0(t0)\n\t"
	"li	t0, 0x2004000\n\t"     /* hart 0's mtimecmp */
	"sd	t1, 0(t0)\n\t"
	"j	3f\n"
	"2:	li	t0, 0x2004000\n\t"
	"li	t1, -1\n\t"
	"sd	t1, 0(t0)\n"
	"3:	ld	t0, 0(sp)\n\t"
	"ld	t1, 8(sp)\n\t"
	"csrrw	sp, mscratch, sp\n\t"
	"mret\n");

static inline void bench_traps_install(void)
{
	RT_CSR_WRITE(mscratch, (uintptr_t)bench_tscr);
	RT_CSR_WRITE(mtvec, (uintptr_t)bench_trap_entry);
}

/* Back to the runtime's handler before printing or exiting. */
static inline void bench_traps_remove(void)
{
	RT_CSR_WRITE(mtvec, (uintptr_t)rt_trap_entry);
}

#endif
