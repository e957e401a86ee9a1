/* smc-race.c — guest stress for docs/concurrency.md S2 (translate vs.
 * concurrent write; run with -smp 2).  Hart 1 rewrites code[0] WRITES
 * times per round without synchronisation while hart 0 keeps executing it
 * (fence.i between calls, so every call is a fresh lookup that may
 * translate the page while it is being written); then hart 1 writes the
 * round's final instruction and publishes the round number.  Hart 0, after
 * seeing it and executing fence.i, must run the final instruction: a TB
 * translated from older bytes that outlived the write would return a stale
 * value.  (Without the write-generation check in tb_register this fails in
 * most runs.)  Exit status 0 and "1/1 checks ok" on success. */
#include "insn.h"

#ifndef ROUNDS
#define ROUNDS 400
#endif
#define WRITES 64
#define ADDI_X0_A0(imm) ((((uint32_t)(imm) & 0xfff) << 20) | (10 << 7) | 0x13)
#define RET 0x00008067u

static uint32_t code[64] __attribute__((aligned(4096)));
static volatile uint64_t published, consumed, ready;

typedef uint64_t (*fn_t)(void);
static uint64_t call(void) { return ((fn_t)(uintptr_t)code)(); }

void rt_secondary_main(uint64_t hart)
{
	if (hart != 1)
		return;
	while (!ready)
		;
	for (uint64_t n = 1; n <= ROUNDS; n++) {
		while (consumed != n - 1)
			;
		for (int w = 0; w < WRITES; w++)
			code[0] = ADDI_X0_A0(1000 + w);
		code[0] = ADDI_X0_A0(n);
		__asm__ volatile("fence rw, rw" ::: "memory");
		published = n;
	}
}

int main(void)
{
	uint64_t bad = 0, sum = 0;

	rt_group("smc-race");
	code[0] = ADDI_X0_A0(0);
	code[1] = RET;
	__asm__ volatile("fence.i" ::: "memory");
	ready = 1;
	for (uint64_t n = 1; n <= ROUNDS; n++) {
		while (published != n) {
			sum += call();
			__asm__ volatile("fence.i" ::: "memory");
		}
		__asm__ volatile("fence rw, rw\n fence.i" ::: "memory");
		bad += call() != n;
		consumed = n;
	}
	rt_check("rounds with stale code", bad, 0);
	return rt_finish();
}
