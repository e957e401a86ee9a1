/* SMP paging (run with -smp 4): four harts in S mode share one Sv39 page
 * table whose 64 data pages start clean (A = D = 0), so their first
 * touches race to set A and D on the same PTEs.  Each hart adds to its own
 * slot of every page with amoadd.d through the virtual mapping, round after
 * round, flushing its TLB (all, or one page) between rounds.  Hart 0 then
 * checks every counter through the physical address, and that every PTE
 * ended with A and D set and its PPN intact (an A/D update that was not a
 * compare-and-swap would be allowed to lose nothing here either, but a torn
 * or misdirected one would show).  Only hart 0 prints. */
#include "smode.h"
#include "smp.h"

#define HARTS 4
#define PAGES 64
#define ROUNDS 200

#define PTE_V 1UL
#define PTE_R 2UL
#define PTE_W 4UL
#define PTE_X 8UL
#define PTE_A 64UL
#define PTE_D 128UL
#define AD (PTE_A | PTE_D)
#define PTE(pa, f) ((((uint64_t)(pa) >> 12) << 10) | (f) | PTE_V)

#define RAM 0x80000000UL
#define P_PAGE(n) (0x84800000UL + 0x1000UL * (n))
#define VA(n) (0x100000000UL + 0x1000UL * (n))

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static volatile uint64_t tables_ready, done[HARTS];

static uint64_t s_worker(uint64_t hart)
{
	uint64_t seed = hart * 77 + 1;

	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned i = 0; i < PAGES; i++)
			__asm__ volatile("amoadd.d x0, %1, (%0)"
					 :: "r"(VA(i) + 8 * hart), "r"(1UL)
					 : "memory");
		if (r & 1)
			__asm__ volatile("sfence.vma" ::: "memory");
		else
			__asm__ volatile("sfence.vma %0" ::
					 "r"(VA(rt_rand(&seed) % PAGES))
					 : "memory");
	}
	__asm__ volatile("fence rw, rw" ::: "memory");
	done[hart] = 1;
	return 0;
}

static void enter_paging(void)
{
	pmp_allow_all();
	RT_CSR_WRITE(satp, (8UL << 60) | ((uint64_t)(uintptr_t)root >> 12));
	__asm__ volatile("sfence.vma" ::: "memory");
}

void rt_secondary_main(uint64_t hartid)
{
	if (hartid >= HARTS)
		for (;;)
			__asm__ volatile("wfi");
	while (!tables_ready)
		;
	__asm__ volatile("fence rw, rw" ::: "memory");
	enter_paging();
	/* Into S at s_worker(hartid); it then sleeps there. */
	__asm__ volatile("csrw mepc, %0\n li t0, 0x1800\n csrc mstatus, t0\n"
			 "li t0, 0x800\n csrs mstatus, t0\n"
			 "mv a0, %1\n la ra, 1f\n mret\n"
			 "1: wfi\n j 1b"
			 :: "r"(s_worker), "r"(hartid) : "t0", "a0", "ra", "memory");
}

int main(unsigned long hartid, void *fdt)
{
	(void)hartid;
	(void)fdt;
	rt_group("smp-sv39");
	for (unsigned i = 0; i < PAGES; i++) {
		memset((void *)(uintptr_t)P_PAGE(i), 0, 4096);
		l0[i] = PTE(P_PAGE(i), PTE_R | PTE_W);     /* clean */
	}
	root[0] = PTE(0, PTE_R | PTE_W | AD);
	root[2] = PTE(RAM, PTE_R | PTE_W | PTE_X | AD);
	root[4] = PTE((uintptr_t)l1, 0);
	l1[0] = PTE((uintptr_t)l0, 0);
	__asm__ volatile("fence rw, rw" ::: "memory");
	tables_ready = 1;

	enter_paging();
	run_in(s_worker, 0, 1);
	/* No deadline (a lost hart hangs; the runner's timeout is the hang
	 * guard).  done[] is 0 or 1: the sum counts each hart once. */
	uint64_t all = 0;
	for (unsigned h = 1; h < HARTS; h++) {
		while (!done[h])
			;
		all += done[h];
	}
	rt_check("all harts done", all == HARTS - 1, 1);
	__asm__ volatile("fence rw, rw" ::: "memory");

	unsigned bad_count = 0, bad_pte = 0;
	for (unsigned i = 0; i < PAGES; i++) {
		for (unsigned h = 0; h < HARTS; h++)
			if (((volatile uint64_t *)(uintptr_t)P_PAGE(i))[h] !=
			    ROUNDS)
				bad_count++;
		if (l0[i] != PTE(P_PAGE(i), PTE_R | PTE_W | AD))
			bad_pte++;
	}
	rt_check("counters exact", bad_count, 0);
	rt_check("PTEs have A and D, PPN intact", bad_pte, 0);
	RT_CSR_WRITE(satp, 0);
	return rt_finish();
}
