/* Code-generation storm (docs/stress.md, G6): every hart writes FUNCS tiny
 * functions (li a0, v; ret) into its own pages, runs fence.i, calls each one
 * through a pointer and sums the results; ROUNDS times, with new constants
 * each round, so every round invalidates the previous translations and
 * makes FUNCS new ones. Run with -accel tcg,tb-size=1 this fills the code
 * buffer over and over while the other harts keep translating and
 * executing: full flushes (DESIGN.md §4.7) happen under SMP load. Each hart
 * checks every round's sum against the value computed from the constants;
 * hart 0 waits for all (however long they take: no deadline) and checks
 * the totals. Build-time knobs: FUNCS, ROUNDS. */
#include "smp.h"

#ifndef FUNCS
#define FUNCS 1024
#endif
#ifndef ROUNDS
#define ROUNDS 40
#endif
#define FUNC_WORDS 4            /* lui, addiw, ret, pad */

static uint32_t code[RT_SMP_MAX_HARTS][FUNCS * FUNC_WORDS]
	__attribute__((aligned(4096)));
static volatile uint64_t bad_rounds[RT_SMP_MAX_HARTS];
static volatile uint64_t done, go, nharts;

static uint32_t value(uint64_t hart, uint64_t round, uint64_t i)
{
	return (uint32_t)(hart << 22 | round << 12 | i) ^ 0x40000800U;
}

/* li a0, v as lui + addiw (v is a 32-bit value, sign-extended). */
static void emit(uint32_t *p, uint32_t v)
{
	uint32_t lo = v & 0xfff;
	uint32_t hi = (v + 0x800) & 0xfffff000U;    /* addiw sign-extends lo */

	p[0] = hi | 10 << 7 | 0x37;                 /* lui a0, hi */
	p[1] = lo << 20 | 10 << 15 | 10 << 7 | 0x1b;/* addiw a0, a0, lo */
	p[2] = 0x00008067;                          /* ret */
	p[3] = 0x00000013;                          /* nop (never run) */
}

static void work(uint64_t hart)
{
	uint32_t *mine = code[hart];

	for (uint64_t r = 0; r < ROUNDS; r++) {
		uint64_t want = 0, got = 0;

		for (uint64_t i = 0; i < FUNCS; i++) {
			emit(&mine[i * FUNC_WORDS], value(hart, r, i));
			want += (uint64_t)(int64_t)(int32_t)value(hart, r, i);
		}
		__asm__ volatile("fence.i" ::: "memory");
		for (uint64_t i = 0; i < FUNCS; i++) {
			uint64_t (*fn)(void) = (uint64_t (*)(void))(uintptr_t)
				&mine[i * FUNC_WORDS];

			got += fn();
		}
		if (got != want)
			bad_rounds[hart]++;
	}
	__asm__ volatile("amoadd.d x0, %1, (%0)" :: "r"(&done), "r"(1UL) : "memory");
}

void rt_secondary_main(uint64_t hart)
{
	while (!go)
		;
	__asm__ volatile("fence r, rw" ::: "memory");
	if (hart < nharts)
		work(hart);
}

int main(uint64_t hart, void *fdt)
{
	uint64_t n = rt_fdt_cpu_count(fdt), bad = 0;

	(void)hart;
	rt_puts("codegen: harts=");
	rt_put_udec(n);
	rt_puts(" funcs=");
	rt_put_udec(FUNCS);
	rt_puts(" rounds=");
	rt_put_udec(ROUNDS);
	rt_puts("\n");
	rt_group("setup");
	if (!rt_check("hart count in 1..32", n >= 1 && n <= RT_SMP_MAX_HARTS, 1))
		return rt_finish();
	nharts = n;
	__asm__ volatile("fence rw, w" ::: "memory");
	go = 1;
	work(0);

	rt_group("codegen");
	rt_check("all harts done, each once", rt_wait_ge(&done, n), n);
	for (uint64_t h = 0; h < n; h++)
		bad += bad_rounds[h];
	rt_check("rounds with a wrong sum", bad, 0);
	return rt_finish();
}
