/* Code remapping under running harts with paging on (docs/stress.md, G10-G14).
 *
 * Every hart runs in S mode under Sv39 (or Sv48 with -DSVMODE=48) in one of
 * NAS address spaces, each with its own root table and ASID.  All of them
 * map the same virtual range to code, each its own: 4 KiB pages, a pair of
 * pages whose first holds direct jumps (jal, bne) into the second and an
 * instruction that straddles into it, a 2 MiB megapage and (address space 0
 * only) a 1 GiB gigapage.  Every function there returns a constant that
 * names its address space, slot, entry point and code version, the version
 * twice (bits 24-27 and 4-7: the straddling lui carries the high copy from
 * the second page, its addiw the low one).
 *
 * Hart 0 plays the OS.  ROUNDS times it picks a slot of some address space,
 * rewrites that slot's PTE (leaf of the right level) to point at a physical
 * page or superpage holding the next version of the code, runs one of four
 * sfence.vma forms (global; one address anywhere in the remapped page or
 * superpage; one ASID; address + ASID), checks that it runs the new code
 * itself, then shoots the change down on every other hart: a request word,
 * an IPI (CLINT msip written through the identity map from S; the M handler
 * forwards it as SSIP, as an SBI would), and waits until every hart has
 * acknowledged it and run SETTLE more full iterations.
 *
 * The other harts loop: for each address space in turn, csrw satp (ASID
 * tagged, no sfence: a real OS does not flush on a switch between ASIDs),
 * then REPS times every entry point of every slot.  Their IPI handler runs
 * the requested sfence.vma and only then raises the slot's minimum version.
 * Each call is checked exactly: the constant must be one of the
 * acknowledged version or the one after it (the PTE may already have
 * changed again, not yet shot down), never an older one, with the right
 * address space, slot and entry and both version copies equal.  At the end
 * hart 0 checks: no bad call on any hart, calls = iterations x calls per
 * iteration exactly, the per-version counts add up to the calls, and every
 * version of every slot was run at least SETTLE x REPS x entries times by
 * every hart (each hart really ran each new mapping).
 *
 * Waits are on other harts' progress only, never on a clock; a lost hart
 * or IPI hangs, and the runner's generous timeout is the hang guard.
 * Needs -m 3G (the gigapage's versions sit at 2, 3 and 4 GiB).
 * Build-time knobs: SVMODE (39, 48), ROUNDS, SETTLE, REPS, SEED. */
#include "smode.h"
#include "smp.h"

#ifndef SVMODE
#define SVMODE 39
#endif
#ifndef ROUNDS
#define ROUNDS 200
#endif
#ifndef SETTLE
#define SETTLE 2
#endif
#ifndef REPS
#define REPS 4
#endif
#ifndef SEED
#define SEED 1
#endif

#define NAS 4                   /* address spaces, ASID a + 1 */
#define NV 4                    /* versions of a 4 KiB or 2 MiB slot */
#define NVG 3                   /* versions of the gigapage */
enum { S_PG0, S_PG1, S_XP, S_MEGA, S_GIGA, NSLOT };
static const char *const slot_name[NSLOT] = {
	"page0", "page1", "xpage", "mega", "giga"
};

#define PTE_V 1UL
#define PTE_R 2UL
#define PTE_W 4UL
#define PTE_X 8UL
#define PTE_G 32UL
#define PTE_A 64UL
#define PTE_D 128UL
#define PTE_PTR(pa) ((((uint64_t)(pa)) >> 12) << 10 | PTE_V)
#define PTE_CODE(pa) (PTE_PTR(pa) | PTE_R | PTE_X | PTE_A)
#define PTE_KERN(pa) (PTE_PTR(pa) | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G)

#if SVMODE == 48
#define SATP_MODE 9UL
#define VA_HI (1UL << 39)       /* root index 1: a 4-level walk */
#elif SVMODE == 39
#define SATP_MODE 8UL
#define VA_HI 0UL
#else
#error SVMODE must be 39 or 48
#endif
#define VA_BASE (VA_HI + (4UL << 30))        /* top[4] -> l1 */
/* Loom's TLB is direct mapped on (va >> 12) & 255, shared by fetches and
 * data: the entry points sit at indexes 0xc0-0xff, away from this program's
 * text, data and stacks, so a stale entry is not evicted at once by the
 * next call's return (the TLB breaks of docs/stress.md stay visible). */
#define L0_FIRST 0xc0
#define VA_PG(i) (VA_BASE + 0x1000UL * (L0_FIRST + (i)))  /* l0[0xc0 + i] */
#define VA_P VA_PG(3)                        /* xpage: fixed jumps page */
#define VA_V VA_PG(4)                        /* xpage: remapped page */
#define VA_MEGA (VA_BASE + 0x200000UL)       /* l1[1] */
#define VA_GIGA (VA_HI + (5UL << 30))        /* top[5], space 0 only */
#define OFF_G 0x078d0000UL

/* Physical pools (RAM is 0x80000000..; the program uses the first MiB). */
#define PA_POOL 0x84000000UL
#define PA_PAGE(a, si, v) (PA_POOL + 0x1000UL * (((a) * 3 + (si)) * NV + (v)))
#define PA_TRAMP(a) (PA_POOL + 0x100000UL + 0x1000UL * (a))
#define PA_MEGA(a, v) (0x85000000UL + 0x200000UL * ((a) * NV + (v)))
static const uint64_t pa_giga[NVG] = { 0x80000000UL, 0xc0000000UL,
				       0x100000000UL };

#define CLINT_MSIP(h) (0x2000000UL + 4 * (h))

/* Entry points: offset from the slot's remapped base, entry id. */
struct entry { int64_t off; unsigned e; };
static const struct entry ent_pg[] = { { 0, 0 }, { 0xf00, 1 } };
static const struct entry ent_xp[] = {
	{ -0x1000, 1 },         /* P+0:     jal x0, V+0x10 */
	{ -0xf00, 2 },          /* P+0x100: li t0,1; bne t0, x0, V+0x20 */
	{ -4, 3 },              /* P+0xffc: c.nop, falls into the next one */
	{ -2, 3 },              /* P+0xffe: lui straddling into V */
	{ 0x100, 4 },           /* V+0x100: called directly */
};
static const struct entry ent_mega[] = {
	{ 0xe0000, 0 }, { 0xe1000, 1 }, { 0x1f5000, 2 }, { 0x1ff000, 3 }
};
static const struct entry ent_giga[] = { { OFF_G, 0 }, { OFF_G + 0x201000, 1 } };
static const struct entry *const ents[NSLOT] = {
	ent_pg, ent_pg, ent_xp, ent_mega, ent_giga
};
static const unsigned nents[NSLOT] = { 2, 2, 5, 4, 2 };
static const uint64_t slot_va[NSLOT] = {
	VA_PG(0), VA_PG(1), VA_V, VA_MEGA, VA_GIGA
};
static const uint64_t slot_size[NSLOT] = {
	0x1000, 0x1000, 0x1000, 0x200000, 1UL << 30
};

static unsigned nver(unsigned s)
{
	return s == S_GIGA ? NVG : NV;
}

static int slot_in(unsigned a, unsigned s)
{
	return s != S_GIGA || a == 0;
}

static uint32_t value(unsigned a, unsigned s, unsigned e, unsigned v)
{
	return 0x10000000U | v << 24 | a << 20 | s << 16 | e << 12 | v << 4 | 5;
}

/* Page tables: top = Sv39 root or Sv48 level-2 table of the high range. */
static uint64_t top[NAS][512] __attribute__((aligned(4096)));
static uint64_t l1[NAS][512] __attribute__((aligned(4096)));
static uint64_t l0[NAS][512] __attribute__((aligned(4096)));
#if SVMODE == 48
static uint64_t root48[NAS][512] __attribute__((aligned(4096)));
static uint64_t kern2[512] __attribute__((aligned(4096)));
#define ROOT(a) root48[a]
#else
#define ROOT(a) top[a]
#endif

static uint64_t satp_of(unsigned a)
{
	return SATP_MODE << 60 | (uint64_t)(a + 1) << 44 |
	       (uint64_t)(uintptr_t)ROOT(a) >> 12;
}

static volatile uint64_t *pte_of(unsigned a, unsigned s)
{
	switch (s) {
	case S_PG0: return &l0[a][L0_FIRST];
	case S_PG1: return &l0[a][L0_FIRST + 1];
	case S_XP: return &l0[a][L0_FIRST + 4];
	case S_MEGA: return &l1[a][1];
	default: return &top[0][5];
	}
}

static uint64_t leaf_of(unsigned a, unsigned s, unsigned v)
{
	switch (s) {
	case S_PG0: case S_PG1: case S_XP: return PTE_CODE(PA_PAGE(a, s, v));
	case S_MEGA: return PTE_CODE(PA_MEGA(a, v));
	default: return PTE_CODE(pa_giga[v]);
	}
}

/* Physical address of the remapped base of slot s, version v. */
static uint64_t pa_of(unsigned a, unsigned s, unsigned v)
{
	return leaf_of(a, s, v) >> 10 << 12;
}

/* ---- code emission (M mode, physical addresses, before any hart runs) -- */

static void put16(uint64_t pa, uint32_t h)
{
	*(volatile uint16_t *)(uintptr_t)pa = (uint16_t)h;
}

static void put32(uint64_t pa, uint32_t w)
{
	put16(pa, w);
	put16(pa + 2, w >> 16);
}

static uint32_t lui_a0(uint32_t v)
{
	return (v & 0xfffff000U) | 10 << 7 | 0x37;
}

static uint32_t addiw_a0(uint32_t v)
{
	return (v & 0xfff) << 20 | 10 << 15 | 10 << 7 | 0x1b;
}

#define RET 0x00008067U         /* jalr x0, 0(ra) */

static void emit_ret(uint64_t pa, uint32_t v)    /* low 12 bits < 0x800 */
{
	put32(pa, lui_a0(v));
	put32(pa + 4, addiw_a0(v));
	put32(pa + 8, RET);
}

static uint32_t jal_x0(int32_t off)
{
	uint32_t o = (uint32_t)off;

	return (o >> 20 & 1) << 31 | (o >> 1 & 0x3ff) << 21 |
	       (o >> 11 & 1) << 20 | (o >> 12 & 0xff) << 12 | 0x6f;
}

static uint32_t bne_t0_x0(int32_t off)
{
	uint32_t o = (uint32_t)off;

	return (o >> 12 & 1) << 31 | (o >> 5 & 0x3f) << 25 | 0 << 20 |
	       5 << 15 | 1 << 12 | (o >> 1 & 0xf) << 8 | (o >> 11 & 1) << 7 |
	       0x63;
}

static void emit_all(void)
{
	for (unsigned a = 0; a < NAS; a++) {
		uint64_t p = PA_TRAMP(a);
		uint32_t st = value(a, S_XP, 3, 0);

		/* The jumps page: identical bits in every version of V. */
		put32(p + 0, jal_x0(0x1010));
		put32(p + 0x100, 0x00100293);           /* li t0, 1 */
		put32(p + 0x104, bne_t0_x0(0x1000 + 0x20 - 0x104));
		put16(p + 0xffc, 0x0001);               /* c.nop */
		put16(p + 0xffe, lui_a0(st));           /* low half: no version */
		for (unsigned v = 0; v < NV; v++) {
			for (unsigned s = S_PG0; s <= S_PG1; s++)
				for (unsigned i = 0; i < nents[s]; i++)
					emit_ret(pa_of(a, s, v) + ents[s][i].off,
						 value(a, s, ents[s][i].e, v));
			uint64_t q = pa_of(a, S_XP, v);
			uint32_t sv = value(a, S_XP, 3, v);

			put16(q + 0, lui_a0(sv) >> 16);  /* straddle's high half */
			put32(q + 2, addiw_a0(sv));
			put32(q + 6, RET);
			emit_ret(q + 0x10, value(a, S_XP, 1, v));
			emit_ret(q + 0x20, value(a, S_XP, 2, v));
			emit_ret(q + 0x100, value(a, S_XP, 4, v));
			for (unsigned i = 0; i < nents[S_MEGA]; i++)
				emit_ret(pa_of(a, S_MEGA, v) + ents[S_MEGA][i].off,
					 value(a, S_MEGA, ents[S_MEGA][i].e, v));
		}
	}
	for (unsigned v = 0; v < NVG; v++)
		for (unsigned i = 0; i < nents[S_GIGA]; i++)
			emit_ret(pa_giga[v] + ents[S_GIGA][i].off,
				 value(0, S_GIGA, ents[S_GIGA][i].e, v));
}

static void build_tables(void)
{
	for (unsigned a = 0; a < NAS; a++) {
#if SVMODE == 48
		ROOT(a)[0] = PTE_PTR(kern2);
		ROOT(a)[1] = PTE_PTR(top[a]);
#else
		top[a][0] = PTE_KERN(0);                /* devices */
		top[a][2] = PTE_KERN(0x80000000UL);     /* this program, pools */
#endif
		top[a][4] = PTE_PTR(l1[a]);
		l1[a][0] = PTE_PTR(l0[a]);
		l0[a][L0_FIRST + 3] = PTE_CODE(PA_TRAMP(a));
		for (unsigned s = 0; s < NSLOT; s++)
			if (slot_in(a, s))
				*pte_of(a, s) = leaf_of(a, s, 0);
	}
#if SVMODE == 48
	kern2[0] = PTE_KERN(0);
	kern2[2] = PTE_KERN(0x80000000UL);
#endif
}

/* ---- shared state ---- */

static volatile struct {
	uint64_t gen, a, s, gver, kind, va;
} req;
static uint64_t cur[NAS][NSLOT];        /* hart 0 only */
static volatile uint64_t ready, stop, nharts;
static uint64_t msave[RT_SMP_MAX_HARTS][2];

struct hstate {
	volatile uint64_t iters, ack_gen, ack_iter, done;
	volatile uint64_t must[NAS][NSLOT];
	uint64_t calls, bad, next, mixed;
	uint64_t bad_a, bad_s, bad_e, bad_got, bad_must;
	uint64_t hist[NAS][NSLOT][NV];
} __attribute__((aligned(64)));
static struct hstate hs[RT_SMP_MAX_HARTS];

static uint64_t hart_id(void)
{
	uint64_t t;

	__asm__ volatile("mv %0, tp" : "=r"(t));
	return t;
}

static void sfence(unsigned kind, uint64_t va, uint64_t asid)
{
	switch (kind) {
	case 0: __asm__ volatile("sfence.vma" ::: "memory"); break;
	case 1: __asm__ volatile("sfence.vma %0" :: "r"(va) : "memory"); break;
	case 2: __asm__ volatile("sfence.vma x0, %0" :: "r"(asid) : "memory"); break;
	default:
		__asm__ volatile("sfence.vma %0, %1" :: "r"(va), "r"(asid) : "memory");
	}
}

static uint32_t call_at(uint64_t va)
{
	uint64_t (*fn)(void) = (uint64_t (*)(void))(uintptr_t)va;

	return (uint32_t)fn();
}

/* The IPI (SSIP forwarded by m_vec): run the requested sfence, then (and
 * only then) expect the new version. */
void ipi_handle(void)
{
	struct hstate *me = &hs[hart_id()];
	uint64_t g = req.gen;

	__asm__ volatile("fence r, r" ::: "memory");  /* pairs with os_round */
	if (g == me->ack_gen)
		return;                                 /* nothing new */
	sfence((unsigned)req.kind, req.va, req.a + 1);
	me->must[req.a][req.s] = req.gver;
	me->ack_iter = me->iters;
	__asm__ volatile("fence rw, w" ::: "memory"); /* pairs with os_round */
	me->ack_gen = g;
}

static void check_call(struct hstate *me, unsigned a, unsigned s,
		       const struct entry *en)
{
	uint64_t m = me->must[a][s];    /* before the call: an IPI may come */
	uint32_t r = call_at(slot_va[s] + (uint64_t)en->off);
	unsigned v = r >> 4 & 0xf, vh = r >> 24 & 0xf, nv = nver(s);
	unsigned old = (unsigned)(m % nv), nxt = (unsigned)((m + 1) % nv);

	me->calls++;
	/* Before this hart's sfence.vma either PTE may serve any fetch, so the
	 * straddling lui and the addiw after it may come from two versions;
	 * each copy must still be one of the two. */
	if ((r & ~0x0f0000f0U) == value(a, s, en->e, 0) &&
	    (v == old || v == nxt) && (vh == old || vh == nxt)) {
		me->hist[a][s][v]++;
		me->next += v != old;
		me->mixed += vh != v;
		return;
	}
	if (!me->bad++) {
		me->bad_a = a;
		me->bad_s = s;
		me->bad_e = en->e;
		me->bad_got = r;
		me->bad_must = m;
	}
}

static unsigned calls_per_iter(void)
{
	unsigned n = 0;

	for (unsigned a = 0; a < NAS; a++)
		for (unsigned s = 0; s < NSLOT; s++)
			if (slot_in(a, s))
				n += REPS * nents[s];
	return n;
}

static void worker(uint64_t h)
{
	struct hstate *me = &hs[h];

	while (!stop) {
		for (unsigned k = 0; k < NAS; k++) {
			unsigned a = (unsigned)(k + h) % NAS;

			RT_CSR_WRITE(satp, satp_of(a));
			for (unsigned rep = 0; rep < REPS; rep++)
				for (unsigned s = 0; s < NSLOT; s++)
					if (slot_in(a, s))
						for (unsigned i = 0; i < nents[s]; i++)
							check_call(me, a, s, &ents[s][i]);
		}
		me->iters++;
	}
	__asm__ volatile("fence rw, w" ::: "memory");    /* pairs with hart 0 */
	me->done = 1;
	for (;;)
		__asm__ volatile("wfi");
}

static uint64_t os_bad, os_calls, os_first_bad;

/* Hart 0 is the only writer of the PTEs: it must see exactly version v. */
static void os_check(unsigned a, unsigned s, unsigned v)
{
	for (unsigned i = 0; i < nents[s]; i++) {
		uint32_t r = call_at(slot_va[s] + (uint64_t)ents[s][i].off);

		os_calls++;
		if (r != value(a, s, ents[s][i].e, v) && !os_bad++)
			os_first_bad = r;
	}
}

/* One remap: PTE, local sfence, own check, shootdown, wait for progress. */
static void os_round(uint64_t g, uint64_t *rng, unsigned n)
{
	unsigned a, s;

	do {
		a = (unsigned)(rt_rand(rng) % NAS);
		s = (unsigned)(rt_rand(rng) % NSLOT);
	} while (!slot_in(a, s));
	uint64_t gv = ++cur[a][s];
	unsigned v = (unsigned)(gv % nver(s));
	unsigned kind = (unsigned)(rt_rand(rng) % 4);
	uint64_t va = slot_va[s] + rt_rand(rng) % slot_size[s];

	/* Run the old version first, as the process being remapped would:
	 * its translations are then cached (TLB, jump cache, TBs, links) when
	 * the PTE changes, and the sfence.vma must drop them. */
	RT_CSR_WRITE(satp, satp_of(a));
	os_check(a, s, (unsigned)((gv - 1) % nver(s)));
	*pte_of(a, s) = leaf_of(a, s, v);
	/* The PTE store before the sfence.vma below (and the remote ones). */
	__asm__ volatile("fence rw, rw" ::: "memory");
	sfence(kind, va, a + 1);
	os_check(a, s, v);
	req.a = a;
	req.s = s;
	req.gver = gv;
	req.kind = kind;
	req.va = va;
	/* Request fields before gen (pairs with the fence r,r in ipi_handle);
	 * PTE and request before the IPI. */
	__asm__ volatile("fence rw, w" ::: "memory");
	req.gen = g;
	__asm__ volatile("fence rw, rw" ::: "memory");
	for (unsigned h = 1; h < n; h++)
		RT_MMIO32(CLINT_MSIP(h)) = 1;
	for (unsigned h = 1; h < n; h++) {
		while (hs[h].ack_gen != g)
			;
		/* ack_iter before ack_gen (fence rw,w in ipi_handle). */
		__asm__ volatile("fence r, r" ::: "memory");
		uint64_t want = hs[h].ack_iter + SETTLE + 1;
		while (hs[h].iters < want)
			;
	}
}

static void report_hart(unsigned h, unsigned cpi)
{
	struct hstate *me = &hs[h];
	uint64_t sum = 0, short_cells = 0;

	rt_puts("hart ");
	rt_put_udec(h);
	rt_puts(":\n");
	if (me->bad) {
		rt_puts("  first bad call: space ");
		rt_put_udec(me->bad_a);
		rt_puts(" slot ");
		rt_puts(slot_name[me->bad_s]);
		rt_puts(" entry ");
		rt_put_udec(me->bad_e);
		rt_puts(" got ");
		rt_put_hex(me->bad_got);
		rt_puts(" acknowledged version ");
		rt_put_udec(me->bad_must);
		rt_puts("\n");
	}
	rt_check("  calls with old, wrong or torn code", me->bad, 0);
	rt_check("  calls = iterations x calls per iteration", me->calls,
		 me->iters * cpi);
	for (unsigned a = 0; a < NAS; a++)
		for (unsigned s = 0; s < NSLOT; s++) {
			if (!slot_in(a, s))
				continue;
			for (unsigned v = 0; v < nver(s); v++) {
				/* versions gv <= cur with gv % nv == v, each run
				 * by every hart for SETTLE full iterations */
				uint64_t k = cur[a][s] >= v ?
					(cur[a][s] - v) / nver(s) + 1 : 0;

				sum += me->hist[a][s][v];
				short_cells += me->hist[a][s][v] <
					       k * SETTLE * REPS * nents[s];
			}
		}
	rt_check("  per-version counts add up to the calls", sum + me->bad,
		 me->calls);
	rt_check("  versions run fewer times than after their shootdown",
		 short_cells, 0);
	rt_puts("info: hart ");
	rt_put_udec(h);
	rt_puts(" iterations ");
	rt_put_udec(me->iters);
	rt_puts(" early-new-version calls ");
	rt_put_udec(me->next);
	rt_puts(" mixed-version calls ");
	rt_put_udec(me->mixed);
	rt_puts("\n");
}

static void os_main(uint64_t hart)
{
	uint64_t n = nharts, rng = SEED * 0x9e3779b97f4a7c15UL | 1;
	unsigned cpi = calls_per_iter();

	(void)hart;
	for (unsigned h = 1; h < n; h++)
		while (hs[h].iters < SETTLE)
			;
	for (uint64_t g = 1; g <= ROUNDS; g++)
		os_round(g, &rng, (unsigned)n);
	stop = 1;
	for (unsigned h = 1; h < n; h++)
		while (!hs[h].done)
			;
	__asm__ volatile("fence r, r" ::: "memory");     /* pairs with worker */

	rt_group("remap");
	uint64_t remaps = 0;
	for (unsigned a = 0; a < NAS; a++)
		for (unsigned s = 0; s < NSLOT; s++)
			remaps += cur[a][s];
	rt_check("remaps done", remaps, ROUNDS);
	if (os_bad) {
		rt_puts("  hart 0 first bad call got ");
		rt_put_hex(os_first_bad);
		rt_puts("\n");
	}
	rt_check("hart 0 runs the new code right after its sfence.vma", os_bad, 0);
	uint64_t os_want = 0;
	for (unsigned a = 0; a < NAS; a++)
		for (unsigned s = 0; s < NSLOT; s++)
			os_want += 2 * cur[a][s] * nents[s];
	rt_check("hart 0 calls", os_calls, os_want);
	for (unsigned h = 1; h < n; h++)
		report_hart(h, cpi);
	rt_exit(rt_finish());
}

/* ---- trap vectors, entry into S ---- */

void m_vec(void);
void s_vec_ipi(void);
__asm__(
	".pushsection .text\n"
	".balign 4\n"
	".globl m_vec\n"
	"m_vec:\n"
	/* M: forward a machine software interrupt as SSIP; the rest goes to
	 * the runtime's handler (which fails the run: nothing else is
	 * expected). */
	"csrrw t0, mscratch, t0\n"
	"sd t1, 0(t0)\n sd t2, 8(t0)\n"
	"csrr t1, mcause\n"
	"li t2, 0x8000000000000003\n"
	"bne t1, t2, 1f\n"
	"csrr t1, mhartid\n slli t1, t1, 2\n"
	"li t2, 0x2000000\n add t1, t1, t2\n sw zero, 0(t1)\n"
	"li t1, 2\n csrs mip, t1\n"
	"ld t1, 0(t0)\n ld t2, 8(t0)\n csrrw t0, mscratch, t0\n"
	"mret\n"
	"1: ld t1, 0(t0)\n ld t2, 8(t0)\n csrrw t0, mscratch, t0\n"
	"j rt_trap_entry\n"
	".balign 4\n"
	".globl s_vec_ipi\n"
	"s_vec_ipi:\n"
	/* S: only SSIP is delegated. */
	"addi sp, sp, -128\n"
	"sd ra, 0(sp)\n sd t0, 8(sp)\n sd t1, 16(sp)\n sd t2, 24(sp)\n"
	"sd a0, 32(sp)\n sd a1, 40(sp)\n sd a2, 48(sp)\n sd a3, 56(sp)\n"
	"sd a4, 64(sp)\n sd a5, 72(sp)\n sd a6, 80(sp)\n sd a7, 88(sp)\n"
	"sd t3, 96(sp)\n sd t4, 104(sp)\n sd t5, 112(sp)\n sd t6, 120(sp)\n"
	"li t0, 2\n csrc sip, t0\n"
	"call ipi_handle\n"
	"ld ra, 0(sp)\n ld t0, 8(sp)\n ld t1, 16(sp)\n ld t2, 24(sp)\n"
	"ld a0, 32(sp)\n ld a1, 40(sp)\n ld a2, 48(sp)\n ld a3, 56(sp)\n"
	"ld a4, 64(sp)\n ld a5, 72(sp)\n ld a6, 80(sp)\n ld a7, 88(sp)\n"
	"ld t3, 96(sp)\n ld t4, 104(sp)\n ld t5, 112(sp)\n ld t6, 120(sp)\n"
	"addi sp, sp, 128\n"
	"sret\n"
	".popsection\n");

static __attribute__((noreturn)) void enter_s(uint64_t h, void (*fn)(uint64_t))
{
	pmp_allow_all();
	RT_CSR_WRITE(mscratch, (uint64_t)(uintptr_t)msave[h]);
	RT_CSR_WRITE(mtvec, (uint64_t)(uintptr_t)m_vec);
	RT_CSR_WRITE(medeleg, 0);
	RT_CSR_WRITE(mideleg, 2);                       /* SSI */
	RT_CSR_WRITE(mie, h ? 0xa : 0);                 /* MSIE, SSIE */
	RT_CSR_WRITE(stvec, (uint64_t)(uintptr_t)s_vec_ipi);
	RT_CSR_WRITE(satp, satp_of(0));
	__asm__ volatile("sfence.vma\n fence.i" ::: "memory");
	__asm__ volatile("mv tp, %0\n csrw mepc, %1\n"
			 "li t0, 0x1800\n csrc mstatus, t0\n"
			 "li t0, 0x802\n csrs mstatus, t0\n"   /* MPP=S, SIE */
			 "mv a0, %0\n mret"
			 :: "r"(h), "r"(fn) : "t0", "a0", "memory");
	__builtin_unreachable();
}

void rt_secondary_main(uint64_t h)
{
	while (!ready)
		;
	__asm__ volatile("fence r, rw" ::: "memory");   /* pairs with main */
	if (h >= nharts)
		for (;;)
			__asm__ volatile("wfi");
	enter_s(h, worker);
}

int main(uint64_t hart, void *fdt)
{
	uint64_t n = rt_fdt_cpu_count(fdt);

	(void)hart;
	rt_puts("paging: sv");
	rt_put_udec(SVMODE);
	rt_puts(" harts=");
	rt_put_udec(n);
	rt_puts(" rounds=");
	rt_put_udec(ROUNDS);
	rt_puts(" settle=");
	rt_put_udec(SETTLE);
	rt_puts(" reps=");
	rt_put_udec(REPS);
	rt_puts(" seed=");
	rt_put_udec(SEED);
	rt_puts("\n");
	rt_group("setup");
	if (!rt_check("hart count in 1..32", n >= 1 && n <= RT_SMP_MAX_HARTS, 1))
		return rt_finish();
	emit_all();
	build_tables();
	nharts = n;
	__asm__ volatile("fence rw, w" ::: "memory");   /* pairs with secondaries */
	ready = 1;
	enter_s(0, os_main);
}
