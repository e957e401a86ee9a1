/* Guest stress for the atomicity of AMOs and SC (docs/stress.md, G15;
 * docs/concurrency.md W2, W3): every hart hammers one shared doubleword
 * with amoadd.d (phase 1), then another with an lr.d/addi/sc.d loop
 * (phase 2), and each total must equal the sum of the harts' own counts.
 *
 * A non-atomic read-modify-write in the emulator loses an update only when
 * two vCPU threads are inside the same RMW at once, which needs the host
 * to run them at the same time: on a small or loaded host that is a
 * fraction of the run, so a fixed iteration count catches a broken AMO in
 * some runs and not others.  This program measures the overlap instead:
 * the old value an AMO (or LR) returns tells a hart how many increments
 * the others made since its own previous one; a gap of 1..2N (N harts)
 * means another hart incremented while this one was running — a "close"
 * interleaving, which a time-slicing host that runs one thread at a time
 * almost never gives (its gaps are whole slices long).  A phase runs until
 * the harts together saw CLOSE_TOTAL close interleavings, or a hart did
 * MAX_OPS operations (a host that never runs two vCPUs at once ends there,
 * with an info line and no failure): a loaded host makes a run longer,
 * never red.  Build-time knobs: CLOSE_TOTAL, MAX_OPS. */
#include "smp.h"

#ifndef CLOSE_TOTAL
#define CLOSE_TOTAL 20000
#endif
#ifndef MAX_OPS
#define MAX_OPS 4000000
#endif

struct line {
	volatile uint64_t v;
	uint64_t pad[7];
};

static struct {
	struct line amo, lrsc, close, stop;
	struct line ops[RT_SMP_MAX_HARTS], closes[RT_SMP_MAX_HARTS];
	volatile uint64_t go, nharts;
} s __attribute__((aligned(4096)));
static struct rt_barrier bar;

static inline uint64_t amoadd(volatile uint64_t *p, uint64_t v)
{
	uint64_t old;

	__asm__ volatile("amoadd.d %0, %2, (%1)"
			 : "=r"(old) : "r"(p), "r"(v) : "memory");
	return old;
}

static inline uint64_t lrsc_inc(volatile uint64_t *p)
{
	uint64_t old, tmp, fail;

	__asm__ volatile("1: lr.d %0, (%3)\n\taddi %1, %0, 1\n\t"
			 "sc.d %2, %1, (%3)\n\tbnez %2, 1b"
			 : "=&r"(old), "=&r"(tmp), "=&r"(fail) : "r"(p) : "memory");
	return old;
}

/* One phase on this hart; returns its operation count. */
static uint64_t phase(int lr, uint64_t gap_max, uint64_t *close_seen)
{
	volatile uint64_t *p = lr ? &s.lrsc.v : &s.amo.v;
	uint64_t ops = 0, close = 0, pending = 0, prev = 0;

	while (ops < MAX_OPS) {
		uint64_t old = lr ? lrsc_inc(p) : amoadd(p, 1);
		/* others' increments since mine (prev + 1 is what I wrote) */
		uint64_t gap = old - prev - 1;

		if (ops && gap >= 1 && gap <= gap_max) {
			close++;
			pending++;
		}
		prev = old;
		ops++;
		if ((ops & 255) == 0) {
			if (pending && amoadd(&s.close.v, pending) + pending >= CLOSE_TOTAL)
				s.stop.v = 1;
			pending = 0;
			if (s.stop.v)
				break;
		}
	}
	*close_seen = close;
	return ops;
}

static void run(uint64_t hart)
{
	static const char *const what[2] = { "amoadd.d", "lr.d/sc.d" };
	uint32_t sense = 0;
	uint64_t n = s.nharts;

	for (int ph = 0; ph < 2; ph++) {
		uint64_t c;

		rt_barrier_wait(&bar, &sense);
		s.ops[hart].v = phase(ph, 2 * n, &c);
		s.closes[hart].v = c;
		rt_barrier_wait(&bar, &sense);
		if (hart == 0) {
			uint64_t sum = 0, closes = 0;

			for (uint64_t i = 0; i < n; i++) {
				sum += s.ops[i].v;
				closes += s.closes[i].v;
			}
			rt_puts("info: ");
			rt_puts(what[ph]);
			rt_puts(" ops=");
			rt_put_udec(sum);
			rt_puts(" close interleavings=");
			rt_put_udec(closes);
			rt_puts(closes >= CLOSE_TOTAL ? "\n"
				: " (fewer than asked: the host rarely ran two harts at once)\n");
			rt_check(ph ? "lr.d/sc.d total = sum of the harts' counts"
				    : "amoadd.d total = sum of the harts' counts",
				 ph ? s.lrsc.v : s.amo.v, sum);
			s.close.v = 0;
			s.stop.v = 0;
		}
		rt_barrier_wait(&bar, &sense);
	}
}

void rt_secondary_main(uint64_t hart)
{
	while (!s.go)
		;
	__asm__ volatile("fence r, rw" ::: "memory");
	if (hart < s.nharts)
		run(hart);
}

int main(uint64_t hart, void *fdt)
{
	unsigned n = rt_fdt_cpu_count(fdt);

	(void)hart;
	rt_puts("atomics-race: harts=");
	rt_put_udec(n);
	rt_puts(" close_total=");
	rt_put_udec(CLOSE_TOTAL);
	rt_puts(" max_ops=");
	rt_put_udec(MAX_OPS);
	rt_puts("\n");
	rt_group("setup");
	if (!rt_check("hart count in 2..32", n >= 2 && n <= RT_SMP_MAX_HARTS, 1))
		return rt_finish();
	s.nharts = n;
	rt_barrier_init(&bar, n);
	__asm__ volatile("fence rw, w" ::: "memory");
	s.go = 1;
	rt_group("atomicity");
	run(0);
	return rt_finish();
}
