/* Litmus tests of RVWMO as Loom maps it onto x86-TSO (DESIGN.md §4.10,
 * docs/stress.md G3-G5). Harts 0 and 1 run each test ITERS times; other
 * harts idle. Every iteration uses fresh, zeroed locations x and y (own cache
 * lines), both harts leave a sense-reversing barrier, wait a random number of
 * nops (seeded: SEED, printed) and run their side; hart 0 tallies the
 * outcomes every CHUNK iterations. Forbidden outcomes fail the run:
 *   MP      x=1; fence w,w; y=1   ||  r0=y; fence r,r; r1=x     r0=1,r1=0
 *   MP-AMO  x=1; amoswap.rl y     ||  r0=amoor.aq y; r1=x       r0=1,r1=0
 *   SB      x=1; fence rw,rw; r0=y || y=1; fence rw,rw; r1=x    r0=0,r1=0
 *   SB-AMO  amoswap.aqrl x; r0=y  ||  amoswap.aqrl y; r1=x      r0=0,r1=0
 *   LB      r0=x; fence r,w; y=1  ||  r1=y; fence r,w; x=1      r0=1,r1=1
 * The unfenced SB, SB with plain amoswap, and unfenced LB outcomes are
 * allowed by RVWMO: they are counted and printed on "info:" lines only (the
 * numbers vary run to run; never compare them with a reference).
 * Barriers wait on the other hart however long it takes (no deadline: a
 * lost hart hangs, the runner's timeout is the hang guard); each hart
 * counts the iterations it ran, and both counts are checked exactly.
 * Build-time knobs: ITERS, SEED, DELAY_MASK. */
#include "smp.h"

#ifndef ITERS
#define ITERS 100000
#endif
#ifndef SEED
#define SEED 1
#endif
#ifndef DELAY_MASK
#define DELAY_MASK 15
#endif
#define CHUNK 256
#define PAGE_ALIGNED __attribute__((aligned(4096)))    /* off the code page */

enum { MP, MP_AMO, SB, SB_AMO, LB, SB_PLAIN, SB_AMO_PLAIN, LB_PLAIN, NTESTS };

static const struct test {
	const char *name;
	int forbidden;          /* outcome index r0 | r1 << 1, -1: none */
	int relaxed;            /* outcome RVWMO allows that SC would not */
} tests[NTESTS] = {
	[MP]           = { "MP",           1, -1 },
	[MP_AMO]       = { "MP-AMO",       1, -1 },
	[SB]           = { "SB",           0, -1 },
	[SB_AMO]       = { "SB-AMO",       0, -1 },
	[LB]           = { "LB",           3, -1 },
	[SB_PLAIN]     = { "SB-nofence",  -1,  0 },
	[SB_AMO_PLAIN] = { "SB-amoswap",  -1,  0 },
	[LB_PLAIN]     = { "LB-nofence",  -1,  3 },
};

struct slot {
	volatile uint64_t x;
	uint64_t pad0[7];
	volatile uint64_t y;
	uint64_t pad1[7];
};

static struct slot slots[CHUNK] PAGE_ALIGNED;
static uint64_t res[2][CHUNK] PAGE_ALIGNED;     /* res[h][i]: hart h's register */
static struct rt_barrier bar PAGE_ALIGNED;
static volatile uint64_t go;
static uint64_t seen[NTESTS][4];

/* The MP readers: flag (y) then data (x), ordered by fence r,r or by an
 * acquire AMO (amoor.d.aq of y). Returns flag | data << 1. */
static uint64_t mp_reader(struct slot *p, int amo)
{
	uint64_t f, d;

	if (amo)
		__asm__ volatile("amoor.d.aq %0, x0, (%2)\n\tld %1, (%3)"
				 : "=&r"(f), "=&r"(d) : "r"(&p->y), "r"(&p->x)
				 : "memory");
	else
		__asm__ volatile("ld %0, (%2)\n\tfence r, r\n\tld %1, (%3)"
				 : "=&r"(f), "=&r"(d) : "r"(&p->y), "r"(&p->x)
				 : "memory");
	return (f & 1) | (d & 1) << 1;
}

/* One side of one test on slot p; returns the register it observed (both
 * registers, r0 | r1 << 1, for the MP reader on hart 1). */
static uint64_t side(int test, int hart, struct slot *p)
{
	volatile uint64_t *mine = hart ? &p->y : &p->x;
	volatile uint64_t *other = hart ? &p->x : &p->y;
	uint64_t r = 0, one = 1;

	switch (test) {
	case MP:
		if (hart == 0)
			__asm__ volatile("sd %1, (%0)\n\tfence w, w\n\tsd %1, (%2)"
					 :: "r"(&p->x), "r"(one), "r"(&p->y) : "memory");
		else
			r = mp_reader(p, 0);
		break;
	case MP_AMO:
		if (hart == 0)
			__asm__ volatile("sd %1, (%0)\n\tamoswap.d.rl x0, %1, (%2)"
					 :: "r"(&p->x), "r"(one), "r"(&p->y) : "memory");
		else
			r = mp_reader(p, 1);
		break;
	case SB:
		__asm__ volatile("sd %2, (%1)\n\tfence rw, rw\n\tld %0, (%3)"
				 : "=r"(r) : "r"(mine), "r"(one), "r"(other) : "memory");
		break;
	case SB_PLAIN:
		__asm__ volatile("sd %2, (%1)\n\tld %0, (%3)"
				 : "=r"(r) : "r"(mine), "r"(one), "r"(other) : "memory");
		break;
	case SB_AMO:
		__asm__ volatile("amoswap.d.aqrl x0, %2, (%1)\n\tld %0, (%3)"
				 : "=r"(r) : "r"(mine), "r"(one), "r"(other) : "memory");
		break;
	case SB_AMO_PLAIN:
		__asm__ volatile("amoswap.d x0, %2, (%1)\n\tld %0, (%3)"
				 : "=r"(r) : "r"(mine), "r"(one), "r"(other) : "memory");
		break;
	case LB:
		__asm__ volatile("ld %0, (%3)\n\tfence r, w\n\tsd %2, (%1)"
				 : "=&r"(r) : "r"(mine), "r"(one), "r"(other) : "memory");
		break;
	case LB_PLAIN:
		__asm__ volatile("ld %0, (%3)\n\tsd %2, (%1)"
				 : "=&r"(r) : "r"(mine), "r"(one), "r"(other) : "memory");
		break;
	}
	return r;
}

static void delay(uint64_t *rng)
{
	for (uint64_t n = rt_rand(rng) & DELAY_MASK; n; n--)
		__asm__ volatile("nop");
}

/* r0 | r1 << 1 of iteration i: MP's registers are both on hart 1. */
static unsigned outcome(int test, uint64_t i)
{
	if (test == MP || test == MP_AMO)
		return res[1][i] & 3;
	return (res[0][i] & 1) | (res[1][i] & 1) << 1;
}

static volatile uint64_t ran[2];        /* iterations run, per hart */

/* Both harts run this. */
static void run_test(int test, int hart, uint64_t *rng, uint32_t *sense)
{
	for (uint64_t base = 0; base < ITERS; base += CHUNK) {
		uint64_t n = ITERS - base < CHUNK ? ITERS - base : CHUNK;

		for (uint64_t i = 0; i < n; i++) {
			struct slot *p = &slots[i];

			rt_barrier_wait(&bar, sense);
			delay(rng);
			res[hart][i] = side(test, hart, p);
			ran[hart]++;
		}
		rt_barrier_wait(&bar, sense);
		if (hart == 0)
			for (uint64_t i = 0; i < n; i++) {
				seen[test][outcome(test, i)]++;
				slots[i].x = slots[i].y = 0;
				res[0][i] = res[1][i] = 0;
			}
		rt_barrier_wait(&bar, sense);
	}
}

static volatile uint64_t hart1_done;

void rt_secondary_main(uint64_t hart)
{
	uint64_t rng = SEED * 0x9e3779b97f4a7c15UL + 2 * hart + 1;
	uint32_t sense = 0;

	if (hart != 1)
		return;                 /* idle harts park in wfi */
	while (!go)
		;
	__asm__ volatile("fence r, rw" ::: "memory");
	for (int t = 0; t < NTESTS; t++)
		run_test(t, 1, &rng, &sense);
	__asm__ volatile("fence rw, w" ::: "memory");   /* ran[1] before done */
	hart1_done = 1;
}

int main(uint64_t hart, void *fdt)
{
	uint64_t rng = SEED * 0x9e3779b97f4a7c15UL + 1;
	uint32_t sense = 0;
	unsigned n = rt_fdt_cpu_count(fdt);

	(void)hart;
	rt_puts("litmus: harts=");
	rt_put_udec(n);
	rt_puts(" iters=");
	rt_put_udec(ITERS);
	rt_puts(" seed=");
	rt_put_udec(SEED);
	rt_puts(" delay_mask=");
	rt_put_udec(DELAY_MASK);
	rt_puts("\n");
	rt_group("setup");
	if (!rt_check_true("at least 2 harts", n >= 2))
		return rt_finish();

	rt_barrier_init(&bar, 2);
	go = 1;
	for (int t = 0; t < NTESTS; t++)
		run_test(t, 0, &rng, &sense);
	rt_wait_ge(&hart1_done, 1);
	rt_check("hart 0 iterations", ran[0], (uint64_t)NTESTS * ITERS);
	rt_check("hart 1 iterations", ran[1], (uint64_t)NTESTS * ITERS);

	rt_group("forbidden");
	for (int t = 0; t < NTESTS; t++) {
		const struct test *d = &tests[t];
		uint64_t sum = seen[t][0] + seen[t][1] + seen[t][2] + seen[t][3];

		rt_check(d->name, sum, ITERS);
		if (d->forbidden >= 0)
			rt_check(d->name, seen[t][d->forbidden], 0);
	}
	/* Information only: the outcome histograms (r0 | r1 << 1). */
	for (int t = 0; t < NTESTS; t++) {
		rt_puts("info: ");
		rt_puts(tests[t].name);
		for (int o = 0; o < 4; o++) {
			rt_puts(o ? " " : " outcomes r0r1 ");
			rt_putc('0' + (o & 1));
			rt_putc('0' + (o >> 1));
			rt_putc('=');
			rt_put_udec(seen[t][o]);
		}
		if (tests[t].relaxed >= 0)
			rt_puts(" (relaxed outcome allowed)");
		rt_puts("\n");
	}
	return rt_finish();
}
