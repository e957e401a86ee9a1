/* Benchmark: TLB-bound strided reads. 2,048 4 KiB pages (8 MiB) are read
 * one 8-byte word per page per pass, so every access touches a different
 * page and the working set is far beyond a small software TLB. In the
 * guest the pages are mapped with Sv39 and the reads go through the MMU
 * from M mode with mstatus.MPRV = 1, MPP = S (data accesses translated,
 * instruction fetch not); RAM and MMIO are also identity-mapped with 1 GiB
 * pages so the stack stays reachable. The native build reads a host buffer
 * with the same pattern (the host's own TLB misses are the limit). */
#include "bench.h"

#define PAGES 2048
#define PASSES 3000
#define WORDS (PAGES * 512)

#ifdef __riscv
#define PTE_V 1UL
#define PTE_RWX 14UL
#define PTE_AD 192UL
#define PTE(pa, f) ((((uint64_t)(pa) >> 12) << 10) | (f) | PTE_V)
#define DATA_PA 0x84000000UL            /* 8 MiB beyond the program */
#define DATA_VA 0x100000000UL           /* root[4] */

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[PAGES / 512][512] __attribute__((aligned(4096)));

static uint64_t *map(void)
{
	for (int i = 0; i < PAGES; i++)
		l0[i / 512][i % 512] = PTE(DATA_PA + 4096UL * i, PTE_RWX | PTE_AD);
	for (int i = 0; i < PAGES / 512; i++)
		l1[i] = PTE((uintptr_t)l0[i], 0);
	root[0] = PTE(0, PTE_RWX | PTE_AD);             /* MMIO */
	root[2] = PTE(0x80000000UL, PTE_RWX | PTE_AD);  /* RAM */
	root[4] = PTE((uintptr_t)l1, 0);
	/* S-mode accesses need a PMP entry: all of memory, RWX, NAPOT. */
	RT_CSR_WRITE(pmpaddr0, ~0UL >> 10);
	RT_CSR_WRITE(pmpcfg0, 0x1f);
	RT_CSR_WRITE(satp, (8UL << 60) | ((uintptr_t)root >> 12));
	__asm__ volatile("sfence.vma" ::: "memory");
	return (uint64_t *)DATA_VA;
}

static inline void translate(int on)
{
	const uint64_t mprv_mpp_s = (1UL << 17) | (1UL << 11);

	if (on) {
		RT_CSR_CLEAR(mstatus, 3UL << 11);
		RT_CSR_SET(mstatus, mprv_mpp_s);
	} else {
		RT_CSR_CLEAR(mstatus, mprv_mpp_s);
	}
}
#else
#include <stdlib.h>
static uint64_t *map(void)
{
	return aligned_alloc(4096, 8UL * WORDS);
}

static inline void translate(int on)
{
	(void)on;
}
#endif

/* Pass p reads word (p * 7) % 512 of every page; noinline so the compiler
 * cannot hoist the MPRV window. */
__attribute__((noinline)) static uint64_t run(volatile uint64_t *mem)
{
	uint64_t sum = 0;

	for (int p = 0; p < PASSES; p++) {
		long w = (p * 7) % 512;

		for (long i = 0; i < PAGES; i++)
			sum = sum * 31 + mem[i * 512 + w];
	}
	return sum;
}

int main(void)
{
	uint64_t seed = 777, sum;
	volatile uint64_t *mem = map();

	translate(1);
	for (long i = 0; i < WORDS; i++)
		mem[i] = bench_rand(&seed);
	sum = run(mem);
	translate(0);
	return bench_report("tlb", sum);
}
