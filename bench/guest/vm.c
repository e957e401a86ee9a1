/* Benchmark: a tiny stack bytecode interpreter (switch dispatch, indirect
 * branches) running two programs: iterative fib mod 2^64 and a trial-
 * division prime count. */
#include "bench.h"

#define FIB_N 400000
#define FIB_ROUNDS 4
#define PRIME_LIMIT 30000
#define PRIME_ROUNDS 4

enum op { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, DUP, DROP, HALT };

struct insn { uint8_t op; int32_t arg; };

static uint64_t run(const struct insn *code, uint64_t *vars)
{
	uint64_t stack[32];
	int sp = 0, pc = 0;

	for (;;) {
		const struct insn *i = &code[pc++];

		switch (i->op) {
		case PUSH: stack[sp++] = (uint64_t)(int64_t)i->arg; break;
		case LOAD: stack[sp++] = vars[i->arg]; break;
		case STORE: vars[i->arg] = stack[--sp]; break;
		case ADD: sp--; stack[sp - 1] += stack[sp]; break;
		case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
		case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
		case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
		case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
		case JZ: if (!stack[--sp]) pc = i->arg; break;
		case JMP: pc = i->arg; break;
		case DUP: stack[sp] = stack[sp - 1]; sp++; break;
		case DROP: sp--; break;
		case HALT: return sp ? stack[sp - 1] : 0;
		}
	}
}

/* vars: 0 a, 1 b, 2 i, 3 n */
static const struct insn fib[] = {
	{PUSH, 0}, {STORE, 0}, {PUSH, 1}, {STORE, 1}, {PUSH, 0}, {STORE, 2},
	/* 6: */ {LOAD, 2}, {LOAD, 3}, {LT, 0}, {JZ, 22},
	{LOAD, 0}, {LOAD, 1}, {ADD, 0}, {LOAD, 1}, {STORE, 0}, {STORE, 1},
	{LOAD, 2}, {PUSH, 1}, {ADD, 0}, {STORE, 2}, {JMP, 6}, {HALT, 0},
	/* 22: */ {LOAD, 0}, {HALT, 0},
};

/* vars: 0 count, 1 n, 2 d, 3 limit; counts primes below limit. */
static const struct insn primes[] = {
	/* 0 */ {PUSH, 0}, {STORE, 0}, {PUSH, 2}, {STORE, 1},
	/* 4: while n < limit */ {LOAD, 1}, {LOAD, 3}, {LT, 0}, {JZ, 36},
	/* 8 */ {PUSH, 2}, {STORE, 2},
	/* 10: while d*d < n+1 */ {LOAD, 2}, {DUP, 0}, {MUL, 0}, {LOAD, 1},
	{PUSH, 1}, {ADD, 0}, {LT, 0}, {JZ, 27},
	/* 18: n % d == 0: not prime */ {LOAD, 1}, {LOAD, 2}, {MOD, 0}, {JZ, 31},
	/* 22: d++ */ {LOAD, 2}, {PUSH, 1}, {ADD, 0}, {STORE, 2}, {JMP, 10},
	/* 27: prime */ {LOAD, 0}, {PUSH, 1}, {ADD, 0}, {STORE, 0},
	/* 31: n++ */ {LOAD, 1}, {PUSH, 1}, {ADD, 0}, {STORE, 1}, {JMP, 4},
	/* 36 */ {LOAD, 0}, {HALT, 0},
};

static uint64_t count_primes(uint64_t limit)
{
	uint64_t count = 0;

	for (uint64_t n = 2; n < limit; n++) {
		uint64_t d = 2;

		while (d * d < n + 1 && n % d)
			d++;
		count += d * d >= n + 1;
	}
	return count;
}

int main(void)
{
	uint64_t sum = 0;

	for (uint64_t r = 0; r < FIB_ROUNDS; r++) {
		uint64_t v[8] = { 0, 0, 0, FIB_N + r };

		sum = sum * 7 + run(fib, v);
	}
	for (uint64_t r = 0; r < PRIME_ROUNDS; r++) {
		uint64_t v[8] = { 0, 0, 0, PRIME_LIMIT + r };
		uint64_t got = run(primes, v);

		if (got != count_primes(PRIME_LIMIT + r)) {
			rt_puts("vm: FAIL prime count\n");
			return 1;
		}
		sum = sum * 7 + got;
	}
	return bench_report("vm", sum);
}
