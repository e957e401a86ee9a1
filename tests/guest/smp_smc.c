/* SMP self-modifying code (run with -smp 2): hart 0 keeps calling a
 * generated function (so it stays translated); hart 1 rewrites its
 * immediate and publishes a sequence number; hart 0, after seeing the
 * number and executing fence.i, must run the new code (the spec's fence.i
 * guarantee for stores made visible to this hart). Also checks that a
 * function hart 1 generated from scratch runs on hart 0. */
#include "insn.h"

#define ROUNDS 200
#define ADDI_X0_A0(imm) ((((uint32_t)(imm) & 0xfff) << 20) | (10 << 7) | 0x13)
#define RET 0x00008067u

static uint32_t code[64] __attribute__((aligned(4096)));
static volatile uint64_t published, consumed, ready;

typedef uint64_t (*fn_t)(void);

static uint64_t call(void)
{
	return ((fn_t)(uintptr_t)code)();
}

/* Hart 1: for each round wait until hart 0 consumed the previous one,
 * patch the code, then publish. */
void rt_secondary_main(uint64_t hart)
{
	if (hart != 1)
		return;
	while (!ready)          /* hart 0 has written the initial code */
		;
	for (uint64_t n = 1; n <= ROUNDS; n++) {
		while (consumed != n - 1)
			;
		code[0] = ADDI_X0_A0(n * 7);
		__asm__ volatile("fence rw, rw" ::: "memory");
		published = n;
	}
	/* Finally a whole new function: a0 = 1234 built from two insns. */
	while (consumed != ROUNDS)
		;
	code[0] = ADDI_X0_A0(1000);
	code[1] = (234u << 20) | (10 << 15) | (10 << 7) | 0x13;   /* addi a0, a0, 234 */
	code[2] = RET;
	__asm__ volatile("fence rw, rw" ::: "memory");
	published = ROUNDS + 1;
}

int main(void)
{
	uint64_t bad = 0, spins_ok = 1;
	int qemu7 = rt_is_qemu7();

	rt_group("smp-smc");
	code[0] = ADDI_X0_A0(0);
	code[1] = RET;
	__asm__ volatile("fence.i" ::: "memory");
	ready = 1;
	for (uint64_t n = 1; n <= ROUNDS + 1; n++) {
		/* Keep executing the current code while waiting, so hart 1's
		 * store races with hart 0 translating it. QEMU 7.2 loses that
		 * race (it can link a block translated from the old bytes
		 * after the store's invalidation), so there hart 0 only spins. */
		/* No deadline: hart 1 may be slow on a loaded host (a lost
		 * hart hangs; the runner's timeout is the hang guard). */
		while (published < n) {
			if (!qemu7)
				call();
		}
		/* Hart 1 waits for `consumed`: it can never be ahead. */
		spins_ok &= published == n;
		__asm__ volatile("fence rw, rw\n fence.i" ::: "memory");
		if (n <= ROUNDS)
			bad += call() != n * 7;
		else
			rt_check("function built by hart 1", call(), 1234);
		consumed = n;
	}
	rt_check("hart 1 kept up", spins_ok, 1);
	rt_check("rounds with stale code", bad, 0);
	return rt_finish();
}
