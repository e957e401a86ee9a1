/* Paging (Sv39 and Sv48) from S and U mode: 4 KiB, 2 MiB, 1 GiB (and
 * Sv48 512 GiB) mappings; every page-fault cause (12 fetch, 13 load, 15
 * store) with exact sepc/stval: invalid PTE, W without R, misaligned
 * superpage, non-leaf at level 0, permission (R/W/X, U vs. S, SUM, MXR),
 * non-canonical addresses; hardware A/D updates; MPRV translating M's data
 * accesses; remapping a data page and a code page followed by sfence.vma
 * (the new physical page must be read, and its new code run: TLB and jump
 * cache are flushed; also for an instruction straddling two pages whose
 * second page alone is remapped), and a 2 MiB page remapped with an sfence.vma naming
 * another 4 KiB piece of it (the whole superpage must be forgotten). */
#include "smode.h"

#define PTE_V 1UL
#define PTE_R 2UL
#define PTE_W 4UL
#define PTE_X 8UL
#define PTE_U 16UL
#define PTE_A 64UL
#define PTE_D 128UL
#define RWX (PTE_R | PTE_W | PTE_X)
#define AD (PTE_A | PTE_D)
#define PTE(pa, f) ((((uint64_t)(pa) >> 12) << 10) | (f) | PTE_V)
#define PTR(tbl) PTE((uintptr_t)(tbl), 0)

/* Physical pages for the mapped data (beyond the program's 64 MiB). */
#define P_2M   0x84000000UL            /* 2 MiB aligned */
#define P_2M_B 0x84200000UL            /* another one */
#define P_PAGE(n) (0x84400000UL + 0x1000UL * (n))

/* Virtual layout (Sv39 root index 4: VA 0x1_0000_0000). */
#define VA_BASE 0x100000000UL
#define VA(n)   (VA_BASE + 0x1000UL * (n))   /* 4 KiB pages, l0[n] */
#define VA_2M   (VA_BASE + 0x200000UL)       /* l1[1]: 2 MiB leaf */
#define VA_MIS  (VA_BASE + 0x400000UL)       /* l1[2]: misaligned 2 MiB */
#define VA_L0NL (VA_BASE + 0x600000UL)       /* l1[3] → l0b[0] non-leaf */
#define VA_1G   0x140000000UL                /* root[5]: alias of RAM */
#define VA_U1G  0x180000000UL                /* root[6]: U alias of RAM */
#define RAM     0x80000000UL

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static uint64_t l0b[512] __attribute__((aligned(4096)));
static uint64_t root48[512] __attribute__((aligned(4096)));
static uint64_t t48[512] __attribute__((aligned(4096)));

static volatile uint64_t magic = 0x5a5a1234c0ffee00UL;
static volatile uint64_t last_pc;

static uint64_t ram_alias(uint64_t base, const volatile void *p)
{
	return base + ((uint64_t)(uintptr_t)p - RAM);
}

/* --- S/U-mode accessors: record the pc of the access in last_pc ------- */

static uint64_t s_ld(uint64_t va)
{
	uint64_t v = 0xdead, pc;

	__asm__ volatile(".option push\n .option norvc\n"
			 "la %1, 1f\n 1: ld %0, 0(%2)\n .option pop"
			 : "+&r"(v), "=&r"(pc) : "r"(va) : "memory");
	last_pc = pc;
	return v;
}

static uint64_t s_sd(uint64_t va)
{
	uint64_t pc;

	__asm__ volatile(".option push\n .option norvc\n"
			 "la %0, 1f\n 1: sd %1, 0(%1)\n .option pop"
			 : "=&r"(pc) : "r"(va) : "memory");
	last_pc = pc;
	return 0;
}

/* Call the code at va (li a0, n; ret); 0xdead if fetching it faults. */
static uint64_t s_call(uint64_t va)
{
	register uint64_t a0 __asm__("a0") = 0xdead;

	/* ra is kept in t1, not on the stack: U mode runs this too, and the
	 * stack is an S page. */
	__asm__ volatile("mv t1, ra\n la t0, 1f\n sd t0, %[res](%[rec])\n"
			 "jalr ra, 0(%[va])\n"
			 "1: mv ra, t1\n sd zero, %[res](%[rec])"
			 : "+r"(a0)
			 : [va] "r"(va), [rec] "r"(&s_rec),
			   [res] "i"(offsetof(struct s_rec, resume))
			 : "t0", "t1", "memory");
	return a0;
}

static uint64_t s_set_sum(uint64_t on)
{
	if (on)
		RT_CSR_SET(sstatus, MSTATUS_SUM);
	else
		RT_CSR_CLEAR(sstatus, MSTATUS_SUM);
	return 0;
}

static uint64_t s_set_mxr(uint64_t on)
{
	if (on)
		RT_CSR_SET(sstatus, MSTATUS_MXR);
	else
		RT_CSR_CLEAR(sstatus, MSTATUS_MXR);
	return 0;
}

/* Remap the 2 MiB page to P_2M_B; flush one 4 KiB piece of it other than
 * the one read before: the whole superpage must be forgotten. */
static uint64_t s_remap_2m(uint64_t x)
{
	(void)x;
	l1[1] = PTE(P_2M_B, PTE_R | PTE_W | AD);
	__asm__ volatile("sfence.vma %0, zero" :: "r"(VA_2M + 0x5000)
			 : "memory");
	return 0;
}

/* Remap l0[idx] to physical page pa and flush that address (S mode). */
static volatile uint64_t remap_idx, remap_pa;
static uint64_t s_remap(uint64_t flags)
{
	l0[remap_idx] = PTE(remap_pa, flags);
	__asm__ volatile("sfence.vma %0, zero" :: "r"(VA(remap_idx)) : "memory");
	return 0;
}

/* --- setup ------------------------------------------------------------ */

static void put_code(uint64_t pa, uint32_t n)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)pa;

	p[0] = 0x00000513u | (n << 20);        /* li a0, n */
	p[1] = 0x00008067u;                    /* ret */
}

static void build_tables(void)
{
	for (unsigned i = 0; i < 16; i++)
		for (unsigned j = 0; j < 512; j++)
			((volatile uint64_t *)(uintptr_t)P_PAGE(i))[j] =
				0x1000UL * i + j;
	((volatile uint64_t *)(uintptr_t)P_2M)[0x1238 / 8] = 0x22222222;
	((volatile uint64_t *)(uintptr_t)P_2M_B)[0x1238 / 8] = 0x33333333;
	put_code(P_PAGE(7), 1);
	put_code(P_PAGE(10), 2);
	put_code(P_PAGE(8), 3);
	/* "li a0, 5" straddling pages 11 | 12, then ret; page 13 has the
	 * same upper half for "li a0, 6". */
	*(volatile uint16_t *)(uintptr_t)(P_PAGE(11) + 0xffe) = 0x0513;
	((volatile uint16_t *)(uintptr_t)P_PAGE(12))[0] = 0x0050;
	((volatile uint16_t *)(uintptr_t)P_PAGE(12))[1] = 0x8082;
	((volatile uint16_t *)(uintptr_t)P_PAGE(13))[0] = 0x0060;
	((volatile uint16_t *)(uintptr_t)P_PAGE(13))[1] = 0x8082;
	__asm__ volatile("fence.i" ::: "memory");

	root[0] = PTE(0, PTE_R | PTE_W | AD);             /* MMIO */
	root[2] = PTE(RAM, RWX | AD);                      /* identity */
	root[4] = PTR(l1);
	root[5] = PTE(RAM, PTE_R | AD);                    /* 1 GiB alias */
	root[6] = PTE(RAM, RWX | PTE_U | AD);              /* U alias */
	l1[0] = PTR(l0);
	l1[1] = PTE(P_2M, PTE_R | PTE_W | AD);
	l1[2] = PTE(P_2M + 0x1000, PTE_R | AD);            /* misaligned */
	l1[3] = PTR(l0b);
	l0b[0] = PTR(l0);                                  /* non-leaf at 0 */
	l0[0] = PTE(P_PAGE(0), PTE_R | PTE_W | AD);
	l0[1] = PTE(P_PAGE(1), PTE_R | AD);
	l0[2] = 0;                                         /* invalid */
	l0[3] = PTE(P_PAGE(3), PTE_W | AD);                /* W without R */
	l0[4] = PTE(P_PAGE(4), PTE_X | AD);                /* execute only */
	l0[5] = PTE(P_PAGE(5), PTE_R | PTE_W | PTE_U | AD);
	l0[6] = PTE(P_PAGE(6), PTE_R | PTE_W);             /* A = D = 0 */
	l0[7] = PTE(P_PAGE(7), RWX | AD);                  /* code */
	l0[8] = PTE(P_PAGE(8), RWX | PTE_U | AD);          /* U code */
	l0[9] = PTE(P_PAGE(9), PTE_R | PTE_W | PTE_A);     /* D = 0 */
	l0[11] = PTE(P_PAGE(11), RWX | AD);                /* straddle */
	l0[12] = PTE(P_PAGE(12), RWX | AD);

	root48[0] = PTR(root);          /* the Sv39 root serves as level 2 */
	root48[1] = PTR(t48);           /* VA 512 GiB: */
	t48[0] = PTE(RAM, PTE_R | AD);  /*   1 GiB alias of RAM */
	root48[2] = PTE(0, PTE_R | AD); /* VA 1 TiB: 512 GiB leaf at PA 0 */
}

static void set_satp(uint64_t mode, uint64_t *tbl)
{
	RT_CSR_WRITE(satp, (mode << 60) | ((uint64_t)(uintptr_t)tbl >> 12));
	__asm__ volatile("sfence.vma" ::: "memory");
}

/* Expect exactly one delegated exception since `before`. */
static void check_fault(const char *what, uint64_t before, uint64_t cause,
			uint64_t epc, uint64_t tval)
{
	char buf[48];
	size_t n = 0;

	while (what[n] && n < sizeof(buf) - 8) {
		buf[n] = what[n];
		n++;
	}
	memcpy(buf + n, ".count", 7);
	rt_check(buf, s_rec.count - before, 1);
	memcpy(buf + n, ".cause", 7);
	rt_check(buf, s_rec.cause, cause);
	memcpy(buf + n, ".sepc", 6);
	rt_check(buf, s_rec.epc, epc);
	memcpy(buf + n, ".stval", 7);
	rt_check(buf, s_rec.tval, tval);
}

#define LD_FAULT(what, va) do { \
	uint64_t b_ = s_rec.count, v_ = (va); \
	rt_check(what ".value", run_in(s_ld, v_, 1), 0xdead); \
	check_fault(what, b_, 13, last_pc, v_); \
} while (0)

static void mappings(void)
{
	rt_group("sv39-map");
	rt_check("satp reads back", RT_CSR_READ(satp) >> 60, 8);
	rt_check("4K page", run_in(s_ld, VA(0) + 8 * 5, 1), 5);
	rt_check("4K page 1", run_in(s_ld, VA(1) + 8 * 7, 1), 0x1007);
	rt_check("2M page", run_in(s_ld, VA_2M + 0x1238, 1), 0x22222222);
	rt_check("1G page", run_in(s_ld, ram_alias(VA_1G, &magic), 1), magic);
	rt_check("identity", run_in(s_ld, (uint64_t)(uintptr_t)&magic, 1),
		 magic);
	rt_check("exec 4K", run_in(s_call, VA(7), 1), 1);
	rt_check("no faults", s_rec.count, 0);
}

static void faults(void)
{
	uint64_t b;

	rt_group("sv39-faults");
	LD_FAULT("invalid", VA(2) + 16);
	LD_FAULT("W without R", VA(3));
	LD_FAULT("misaligned 2M", VA_MIS + 8);
	LD_FAULT("non-leaf at level 0", VA_L0NL);
	LD_FAULT("non-canonical", 0x4000000000UL);
	LD_FAULT("non-canonical high", 0xffffff0000000000UL);
	LD_FAULT("unmapped root", 0x1c0000000UL);
	b = s_rec.count;
	run_in(s_sd, VA(1) + 8, 1);
	check_fault("store to R", b, 15, last_pc, VA(1) + 8);
	b = s_rec.count;
	run_in(s_sd, ram_alias(VA_1G, &magic), 1);
	check_fault("store to 1G R", b, 15, last_pc, ram_alias(VA_1G, &magic));
	b = s_rec.count;
	rt_check("fetch RW.value", run_in(s_call, VA(0), 1), 0xdead);
	check_fault("fetch RW", b, 12, VA(0), VA(0));
	b = s_rec.count;
	rt_check("store 2M", run_in(s_sd, VA_2M + 64, 1), 0);
	rt_check("store 2M no fault", s_rec.count, b);
	rt_check("store 2M landed", *(volatile uint64_t *)(P_2M + 64),
		 VA_2M + 64);
}

static void user_bits(void)
{
	uint64_t b;

	rt_group("sum-mxr");
	LD_FAULT("S reads U page", VA(5));
	run_in(s_set_sum, 1, 1);
	rt_check("SUM: S reads U page", run_in(s_ld, VA(5) + 8, 1), 0x5001);
	b = s_rec.count;
	rt_check("SUM: fetch U page.value", run_in(s_call, VA(8), 1), 0xdead);
	check_fault("SUM: fetch U page", b, 12, VA(8), VA(8));
	run_in(s_set_sum, 0, 1);
	LD_FAULT("SUM off again", VA(5));
	LD_FAULT("X-only load", VA(4) + 24);
	run_in(s_set_mxr, 1, 1);
	rt_check("MXR: X-only load", run_in(s_ld, VA(4) + 24, 1), 0x4003);
	run_in(s_set_mxr, 0, 1);
	LD_FAULT("MXR off again", VA(4) + 24);

	rt_group("u-paging");
	/* U runs from the U alias of RAM; returns through the U alias of
	 * s_exit. */
	uint64_t ex = ram_alias(VA_U1G, (void *)s_exit);
	s_fn uld = (s_fn)(uintptr_t)ram_alias(VA_U1G, (void *)s_ld);
	s_fn ucall = (s_fn)(uintptr_t)ram_alias(VA_U1G, (void *)s_call);
	rt_check("U reads U page", run_in_x(uld, VA(5) + 16, 0, ex), 0x5002);
	rt_check("U runs U code", run_in_x(ucall, VA(8), 0, ex), 3);
	b = s_rec.count;
	rt_check("U reads S page.value", run_in_x(uld, VA(0), 0, ex), 0xdead);
	check_fault("U reads S page", b, 13, last_pc, VA(0));
	b = s_rec.count;
	rt_check("U fetches S page.value", run_in_x(ucall, VA(7), 0, ex),
		 0xdead);
	check_fault("U fetches S page", b, 12, VA(7), VA(7));
}

static void accessed_dirty(void)
{
	uint64_t b = s_rec.count;

	rt_group("a-d");
	rt_check("clean PTE", l0[6] & AD, 0);
	rt_check("read", run_in(s_ld, VA(6) + 8, 1), 0x6001);
	rt_check("read sets A only", l0[6] & AD, PTE_A);
	run_in(s_sd, VA(6) + 16, 1);
	rt_check("write sets D", l0[6] & AD, AD);
	rt_check("write landed", *(volatile uint64_t *)(P_PAGE(6) + 16),
		 VA(6) + 16);
	run_in(s_ld, VA(9), 1);
	rt_check("A set, D clear", l0[9] & AD, PTE_A);
	run_in(s_sd, VA(9) + 8, 1);
	rt_check("write after read sets D", l0[9] & AD, AD);
	rt_check("no faults", s_rec.count - b, 0);
}

static void mprv(void)
{
	uint64_t v, ms = (1UL << 17) | (1UL << 11);    /* MPRV, MPP = S */

	rt_group("mprv");
	__asm__ volatile("csrs mstatus, %1\n ld %0, 0(%2)\n csrc mstatus, %1"
			 : "=&r"(v) : "r"(ms), "r"(VA(0) + 24) : "memory");
	rt_check("M load through S translation", v, 3);
	rt_check("M bare", *(volatile uint64_t *)(P_PAGE(0) + 24), 3);
}

static void remap(void)
{
	uint64_t b = s_rec.count;

	rt_group("remap");
	rt_check("data before", run_in(s_ld, VA(0) + 8, 1), 1);
	remap_idx = 0;
	remap_pa = P_PAGE(1);
	run_in(s_remap, PTE_R | PTE_W | AD, 1);
	rt_check("data after sfence", run_in(s_ld, VA(0) + 8, 1), 0x1001);
	rt_check("code before", run_in(s_call, VA(7), 1), 1);
	rt_check("code again", run_in(s_call, VA(7), 1), 1);
	remap_idx = 7;
	remap_pa = P_PAGE(10);
	run_in(s_remap, RWX | AD, 1);
	rt_check("code after sfence", run_in(s_call, VA(7), 1), 2);
	remap_pa = P_PAGE(7);
	run_in(s_remap, RWX | AD, 1);
	rt_check("code back", run_in(s_call, VA(7), 1), 1);
	/* An instruction straddling two pages; only the second is remapped. */
	rt_check("straddle before", run_in(s_call, VA(12) - 2, 1), 5);
	rt_check("straddle again", run_in(s_call, VA(12) - 2, 1), 5);
	remap_idx = 12;
	remap_pa = P_PAGE(13);
	run_in(s_remap, RWX | AD, 1);
	rt_check("straddle, 2nd page remapped",
		 run_in(s_call, VA(12) - 2, 1), 6);
	rt_check("2M before", run_in(s_ld, VA_2M + 0x1238, 1), 0x22222222);
	run_in(s_remap_2m, 0, 1);
	rt_check("2M after sfence of another 4K piece",
		 run_in(s_ld, VA_2M + 0x1238, 1), 0x33333333);
	/* satp switch to the same tables: still right. */
	set_satp(8, root);
	rt_check("after satp write", run_in(s_call, VA(7), 1), 1);
	rt_check("no faults", s_rec.count - b, 0);
}

static void sv48(void)
{
	rt_group("sv48");
	set_satp(9, root48);
	rt_check("satp mode 9", RT_CSR_READ(satp) >> 60, 9);
	rt_check("4K via level 3", run_in(s_ld, VA(1) + 8 * 2, 1), 0x1002);
	rt_check("1G at 512G", run_in(s_ld, ram_alias(0x8000000000UL, &magic),
				     1), magic);
	rt_check("512G leaf", run_in(s_ld, 0x10000000000UL + (uint64_t)(uintptr_t)
				     &magic, 1), magic);
	rt_check("exec", run_in(s_call, VA(7), 1), 1);
	LD_FAULT("sv48 non-canonical", 0x800000000000UL);
	LD_FAULT("sv48 unmapped", 0x18000000000UL);
	set_satp(8, root);
	LD_FAULT("same VA in sv39", 0x8000000000UL);
}

int main(unsigned long hartid, void *fdt)
{
	(void)hartid;
	(void)fdt;
	rt_group("setup");
	rt_check_true("misa has S", has_s());
	pmp_allow_all();
	build_tables();
	s_install();
	RT_CSR_WRITE(medeleg, (1UL << 12) | (1UL << 13) | (1UL << 15));
	set_satp(8, root);
	mappings();
	faults();
	user_bits();
	accessed_dirty();
	mprv();
	remap();
	sv48();
	set_satp(0, 0);
	RT_CSR_WRITE(medeleg, 0);
	return rt_finish();
}
