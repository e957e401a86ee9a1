/* bench/smp-scale guest: fixed CPU-bound work on every hart, no shared
 * writes in the hot loop. Each hart fills its own 4 KiB buffer from a PRNG
 * and runs ITERS rounds of a load/xor/multiply/shift/store hash kernel over
 * it (exactly KERNEL_INSNS instructions per round, written in assembly so
 * the count is known rather than measured), stores its result in its own
 * cache line and reports done. Hart 0 waits for all, then prints one line:
 *   smp_scale harts=N iters=I insns_per_hart=K checksum 0x...
 * The checksum depends only on N and ITERS, so it must be identical on Loom
 * and QEMU and in both thread modes. Exit 0, or 1 when a hart reported
 * twice; hart 0 waits for all with no deadline (a lost hart hangs). The
 * hart count comes from the FDT. */
#include "smp.h"

#ifndef ITERS
#define ITERS 200000000UL
#endif
#define KERNEL_INSNS 12UL
#define BUF_WORDS 512

static uint64_t bufs[RT_SMP_MAX_HARTS][BUF_WORDS] __attribute__((aligned(4096)));
static struct {
	volatile uint64_t v;
	uint64_t pad[7];
} results[RT_SMP_MAX_HARTS] __attribute__((aligned(64)));
static volatile uint64_t done, go, nharts;

/* KERNEL_INSNS instructions per iteration (the 12 in the loop). */
static uint64_t kernel(uint64_t *buf, uint64_t iters, uint64_t h)
{
	uint64_t off = 0;

	__asm__ volatile(
		".option push\n\t.option norvc\n"
		"1:	add	t0, %[buf], %[off]\n\t"
		"ld	t1, 0(t0)\n\t"
		"xor	t1, t1, %[h]\n\t"
		"mul	t1, t1, %[k]\n\t"
		"srli	t2, t1, 29\n\t"
		"xor	t1, t1, t2\n\t"
		"sd	t1, 0(t0)\n\t"
		"add	%[h], %[h], t1\n\t"
		"addi	%[off], %[off], 8\n\t"
		"and	%[off], %[off], %[mask]\n\t"
		"addi	%[n], %[n], -1\n\t"
		"bnez	%[n], 1b\n\t"
		".option pop"
		: [h] "+r"(h), [off] "+r"(off), [n] "+r"(iters)
		: [buf] "r"(buf), [k] "r"(0x9e3779b97f4a7c15UL),
		  [mask] "r"((uint64_t)(BUF_WORDS - 1) * 8)
		: "t0", "t1", "t2", "memory");
	return h;
}

static void work(uint64_t hart)
{
	uint64_t seed = 0x1234567 + hart * 0x9e3779b97f4a7c15UL;

	for (int i = 0; i < BUF_WORDS; i++)
		bufs[hart][i] = rt_rand(&seed);
	results[hart].v = kernel(bufs[hart], ITERS, hart + 1);
	__asm__ volatile("amoadd.d.aqrl x0, %1, (%0)" :: "r"(&done), "r"(1UL) : "memory");
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
	uint64_t n = rt_fdt_cpu_count(fdt), sum = 0;

	(void)hart;
	if (n < 1 || n > RT_SMP_MAX_HARTS) {
		rt_puts("smp_scale: bad hart count\n");
		return 1;
	}
	nharts = n;
	__asm__ volatile("fence rw, w" ::: "memory");
	go = 1;
	work(0);
	if (rt_wait_ge(&done, n) != n) {
		rt_puts("smp_scale: a hart finished twice\n");
		return 1;
	}
	for (uint64_t h = 0; h < n; h++)
		sum = (sum << 7 | sum >> 57) ^ results[h].v;
	rt_puts("smp_scale harts=");
	rt_put_udec(n);
	rt_puts(" iters=");
	rt_put_udec(ITERS);
	rt_puts(" insns_per_hart=");
	rt_put_udec(ITERS * KERNEL_INSNS);
	rt_puts(" checksum ");
	rt_put_hex(sum);
	rt_putc('\n');
	return 0;
}
