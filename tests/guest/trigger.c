/* Debug triggers (Sdtrig), in the spirit of riscv-tests' rv64mi-p-breakpoint
 * but written for this suite: the trigger CSRs' WARL behaviour, execute /
 * load / store address matches raising breakpoint exceptions (mcause 3,
 * mepc = the instruction, mtval = the matching address) before the
 * instruction has any effect, the privilege bits (M needs mstatus.MIE,
 * Sdtrig's re-entrancy option 1, which riscv-tests' breakpoint test
 * assumes; a U-only trigger fires in U, not in M), the reset state and
 * exact read-back of a legacy mcontrol as that test checks them, a
 * store-data match, a trigger set
 * on code that already ran (translated, chained, cached) and cleared
 * again, per-hart triggers: hart 1's triggers never fire on hart 0
 * running the same code and data at the same time, and minstret across a
 * trigger (the instruction does not retire). */
#include "umode.h"

/* Spin until *v >= want and return what was read.  No deadline: mtime
 * follows the host's clock, so a bound in it fails a correct run on a
 * loaded host (docs/stress.md, "No deadlines"); a lost hart hangs, and the
 * runner's timeout is the hang guard. */
static uint64_t wait_ge(volatile uint64_t *v, uint64_t want)
{
	uint64_t got;

	while ((got = __atomic_load_n(v, __ATOMIC_ACQUIRE)) < want)
		;
	return got;
}

#define CSR_TSELECT  "0x7a0"
#define CSR_TDATA1   "0x7a1"
#define CSR_TDATA2   "0x7a2"
#define CSR_TINFO    "0x7a4"
#define CSR_TCONTROL "0x7a5"

#define CSRR(c) ({ uint64_t v_; __asm__ volatile("csrr %0, " c : "=r"(v_)); v_; })
#define CSRW(c, v) __asm__ volatile("csrw " c ", %0" :: "r"((uint64_t)(v)) : "memory")

#define TYPE6   (6UL << 60)
#define TYPE2   (2UL << 60)
#define MC_M    (1UL << 6)
#define MC_S    (1UL << 4)
#define MC_U    (1UL << 3)
#define MC_X    4UL
#define MC_W    2UL
#define MC_R    1UL
#define MC6_SELECT (1UL << 21)
#define MC6_SIZE(n) ((uint64_t)(n) << 16)
#define MATCH(n) ((uint64_t)(n) << 7)
#define MTE     8UL
#define MIE     8UL     /* mstatus.MIE: M-mode triggers fire only with it */
#define M_ON()  RT_CSR_SET(mstatus, MIE)
#define M_OFF() RT_CSR_CLEAR(mstatus, MIE)

/* victim(a0) = a0 + 1; victim_store(a0) stores a0 to victim_data;
 * victim_load() loads it; victim_u is victim returning through t1. */
extern char victim[], victim_store[], victim_load[], victim_u[];
extern char victim_sd[], victim_ld[];     /* their memory instructions */
__asm__(".text\n.option push\n.option norvc\n"
	".globl victim\nvictim:\n addi a0, a0, 1\n ret\n"
	".globl victim_u\nvictim_u:\n addi a0, a0, 1\n jr t1\n"
	".globl victim_store\nvictim_store:\n la t1, victim_data\n"
	"victim_sd: sd a0, 0(t1)\n ret\n"
	".globl victim_load\nvictim_load:\n la t1, victim_data\n"
	"victim_ld: ld a0, 0(t1)\n ret\n"
	".option pop\n");
volatile uint64_t victim_data;
static volatile uint64_t other_data;

static uint64_t call_victim(uint64_t v)
{
	register uint64_t a0 __asm__("a0") = v;
	__asm__ volatile("call victim" : "+r"(a0) :: "ra", "t1", "memory");
	return a0;
}

static void call_store(uint64_t v)
{
	register uint64_t a0 __asm__("a0") = v;
	__asm__ volatile("call victim_store" : "+r"(a0) :: "ra", "t1", "memory");
}

static uint64_t call_load(void)
{
	register uint64_t a0 __asm__("a0");
	__asm__ volatile("call victim_load" : "=r"(a0) :: "ra", "t1", "memory");
	return a0;
}

/* Call fn(arg) with an exception expected somewhere inside: the handler
 * resumes after the call.  Returns a0. */
#define TRAP_CALL(fn, arg) ({ \
	register uint64_t a0_ __asm__("a0") = (arg); \
	__asm__ volatile( \
		"la t0, 2f\n sd t0, %[ro](%[tr])\n" \
		"li t0, 1\n sd t0, %[ao](%[tr])\n" \
		"call " fn "\n2:\n" \
		: "+r"(a0_) \
		: [tr] "r"(&rt_trap), \
		  [ro] "i"(offsetof(struct rt_trap, resume)), \
		  [ao] "i"(offsetof(struct rt_trap, armed)) \
		: "t0", "t1", "ra", "memory"); \
	a0_; })

/* Call fn(arg) expecting one breakpoint at epc with tval. */
#define EXPECT_BP(what, fn, arg, want_epc, want_tval) do { \
	uint64_t before_ = rt_trap.count; \
	TRAP_CALL(fn, arg); \
	rt_check(what " count", rt_trap.count - before_, 1); \
	rt_check(what " mcause", rt_trap.cause, 3); \
	rt_check(what " mepc", rt_trap.epc, (uint64_t)(want_epc)); \
	rt_check(what " mtval", rt_trap.tval, (uint64_t)(want_tval)); \
} while (0)

static void set_trigger(unsigned i, uint64_t tdata1, uint64_t tdata2)
{
	CSRW(CSR_TSELECT, i);
	CSRW(CSR_TDATA1, 0);
	CSRW(CSR_TDATA2, tdata2);
	CSRW(CSR_TDATA1, tdata1);
}

static void clear_triggers(void)
{
	for (unsigned i = 0; i < 2; i++) {
		CSRW(CSR_TSELECT, i);
		CSRW(CSR_TDATA1, 0);
	}
}

static void csrs(void)
{
	rt_group("csrs");
	/* Reset: every trigger an inert mcontrol (type 2, nothing enabled). */
	for (unsigned i = 0; i < 4; i++) {
		CSRW(CSR_TSELECT, i);
		rt_check("reset tdata1 = type 2, inert", CSRR(CSR_TDATA1),
			 TYPE2);
	}
	/* A legacy mcontrol reads back exactly as written. */
	uint64_t t2 = TYPE2 | MC_M | MC_X;
	CSRW(CSR_TDATA1, t2);
	rt_check("mcontrol m/execute reads back", CSRR(CSR_TDATA1), t2);
	CSRW(CSR_TDATA1, TYPE2 | MC_M | MC_X | MATCH(1));
	rt_check("mcontrol: no NAPOT (maskmax 0)",
		 (CSRR(CSR_TDATA1) >> 7) & 0xf, 0);
	CSRW(CSR_TSELECT, 1);
	rt_check("tselect 1 kept", CSRR(CSR_TSELECT), 1);
	CSRW(CSR_TSELECT, 0);
	rt_check("tselect 0 kept", CSRR(CSR_TSELECT), 0);
	CSRW(CSR_TSELECT, 1000);
	rt_check_true("tselect 1000 not kept", CSRR(CSR_TSELECT) != 1000);
	CSRW(CSR_TSELECT, 0);
	rt_check_true("tinfo lists mcontrol6", (CSRR(CSR_TINFO) >> 6) & 1);
	CSRW(CSR_TDATA1, 0);
	rt_check("tdata1 = 0 disables (type 15)", CSRR(CSR_TDATA1) >> 60, 15);
	uint64_t t1 = TYPE6 | MC_M | MC_U | MC_X | MATCH(0);
	CSRW(CSR_TDATA1, t1);
	rt_check("mcontrol6 m/u/execute kept", CSRR(CSR_TDATA1), t1);
	CSRW(CSR_TDATA1, TYPE6 | MC_M | MC_X | (1UL << 12));
	rt_check("action 1 (debug mode) not kept",
		 (CSRR(CSR_TDATA1) >> 12) & 0xf, 0);
	CSRW(CSR_TDATA1, TYPE6 | MC_M | MC_X | (1UL << 59));
	rt_check("dmode not writable from M", (CSRR(CSR_TDATA1) >> 59) & 1, 0);
	CSRW(CSR_TDATA2, 0x12345678);
	rt_check("tdata2 kept", CSRR(CSR_TDATA2), 0x12345678);
	CSRW(CSR_TDATA1, 0);
	CSRW(CSR_TCONTROL, ~0UL);
	rt_check("tcontrol mte/mpte", CSRR(CSR_TCONTROL), 0x88);
	CSRW(CSR_TCONTROL, 0);
}

static void exec_m(void)
{
	rt_group("execute-m");
	/* Translate, chain and cache victim's code first. */
	uint64_t sum = 0;
	for (int i = 0; i < 200; i++)
		sum = call_victim(sum);
	rt_check("victim ran", sum, 200);

	set_trigger(0, TYPE6 | MC_M | MC_X | MATCH(0), (uint64_t)victim);
	/* MIE = 0: M-mode triggers do not fire. */
	rt_check("no fire in M while MIE=0", call_victim(1), 2);
	M_ON();
	CSRW(CSR_TCONTROL, MTE);
	EXPECT_BP("exec", "victim", 0, victim, victim);
	rt_check("tcontrol: trap saved mte in mpte, mret restored mte",
		 CSRR(CSR_TCONTROL), 0x88);
	CSRW(CSR_TCONTROL, 0);
	rt_check("handler ran with MIE=0 (no re-trigger)",
		 rt_trap.mstatus & MIE, 0);
	rt_check("MIE restored by mret", RT_CSR_READ(mstatus) & MIE, MIE);
	/* Legacy mcontrol (type 2) too, on the ret. */
	set_trigger(0, TYPE2 | MC_M | MC_X | MATCH(0), (uint64_t)victim + 4);
	rt_check("type 2 kept", CSRR(CSR_TDATA1) >> 60, 2);
	EXPECT_BP("exec type2", "victim", 0, victim + 4, victim + 4);
	/* NAPOT over both instructions (8 bytes). */
	set_trigger(0, TYPE6 | MC_M | MC_X | MATCH(1), (uint64_t)victim | 3);
	EXPECT_BP("exec napot", "victim", 0, victim, victim);
	clear_triggers();
	rt_check("cleared: no trap", call_victim(5), 6);
	M_OFF();
}

static void data_m(void)
{
	rt_group("load-store-m");
	M_ON();
	victim_data = 7;
	for (int i = 0; i < 100; i++)
		call_store(7);
	set_trigger(0, TYPE6 | MC_M | MC_W | MATCH(0), (uint64_t)&victim_data);
	EXPECT_BP("store", "victim_store", 8, victim_sd, &victim_data);
	rt_check("store did not happen", victim_data, 7);
	rt_check("load not watched", call_load(), 7);
	other_data = 1;
	rt_check("other address not watched", other_data, 1);
	/* A byte inside the doubleword matches too. */
	set_trigger(0, TYPE6 | MC_M | MC_R | MATCH(0), (uint64_t)&victim_data + 3);
	EXPECT_BP("load", "victim_load", 0, victim_ld, &victim_data);
	call_store(9);
	clear_triggers();
	rt_check("store not watched", victim_data, 9);
	/* Store data value 0x55 (64-bit): 0x54 passes, 0x55 traps. */
	set_trigger(0, TYPE6 | MC_M | MC_W | MC6_SELECT | MC6_SIZE(5) | MATCH(0),
		    0x55);
	call_store(0x54);
	rt_check("store 0x54 passes", victim_data, 0x54);
	EXPECT_BP("store data", "victim_store", 0x55, victim_sd,
		  &victim_data);
	rt_check("0x55 not stored", victim_data, 0x54);
	clear_triggers();
	call_store(0x55);
	rt_check("cleared: stored", victim_data, 0x55);
	M_OFF();
}

static void modes(void)
{
	uint64_t pc, io;

	rt_group("modes");
	pmp_allow_all();
	/* U-only execute trigger: fires in U (mepc = victim, MPP = U) ... */
	set_trigger(0, TYPE6 | MC_U | MC_X | MATCH(0), (uint64_t)victim_u);
	uint64_t before = rt_trap.count;
	io = 1;
	IN_U(pc, io, "jal t1, victim_u");
	(void)pc;
	rt_check("U trap count", rt_trap.count - before, 2);  /* + ecall */
	rt_check("U trap cause", HIST(before).cause, 3);
	rt_check("U trap epc", HIST(before).epc, (uint64_t)victim_u);
	rt_check("U trap MPP", (HIST(before).mstatus >> 11) & 3, 0);
	rt_check("U victim skipped", io, 1);
	/* ... but not in M, even with MIE. */
	M_ON();
	rt_check("M not enabled: no fire", call_victim(1), 2);
	/* An M-only trigger does not fire in U. */
	set_trigger(0, TYPE6 | MC_M | MC_X | MATCH(0), (uint64_t)victim_u);
	io = 1;
	before = rt_trap.count;
	IN_U(pc, io, "jal t1, victim_u");
	rt_check("U run of M trigger: only the ecall", rt_trap.count - before, 1);
	rt_check("U victim ran", io, 2);
	clear_triggers();
	M_OFF();
}

/* --- per-hart triggers ----------------------------------------------------- */

static volatile uint64_t phase, hart0_runs;
static uint64_t hart1_result[4];

void rt_secondary_main(uint64_t hart)
{
	if (hart != 1)
		for (;;)
			__asm__ volatile("wfi");
	/* Hart 1: arm execute and store triggers on the shared victims. */
	M_ON();
	set_trigger(0, TYPE6 | MC_M | MC_X | MATCH(0), (uint64_t)victim);
	set_trigger(1, TYPE6 | MC_M | MC_W | MATCH(0), (uint64_t)&victim_data);
	__atomic_store_n(&phase, 1, __ATOMIC_RELEASE);
	/* Hart 0 runs them meanwhile; then hart 1 must still trap (hart 0
	 * takes no trap: rt_trap is not touched by it). */
	wait_ge(&hart0_runs, 1000);
	uint64_t before = rt_trap.count;
	TRAP_CALL("victim", 0);
	hart1_result[0] = rt_trap.count - before;
	hart1_result[1] = rt_trap.epc;
	before = rt_trap.count;
	TRAP_CALL("victim_store", 3);
	hart1_result[2] = rt_trap.count - before;
	hart1_result[3] = rt_trap.epc;
	clear_triggers();
	__atomic_store_n(&phase, 2, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("wfi");
}

static void per_hart(void)
{
	rt_group("per-hart");
	M_ON();                 /* hart 0 could fire in M: it has none */
	rt_check("hart 1 armed", wait_ge(&phase, 1), 1);
	uint64_t sum = 0;
	for (int i = 0; i < 2000; i++) {
		sum = call_victim(sum);
		call_store(i);
		if (i == 999)
			__atomic_store_n(&hart0_runs, 1000, __ATOMIC_RELEASE);
	}
	rt_check("hart 0 ran victim untrapped", sum, 2000);
	rt_check("hart 0 stores landed", victim_data, 1999);
	rt_check("hart 1 done", wait_ge(&phase, 2), 2);
	rt_check("hart 1 exec trap", hart1_result[0], 1);
	rt_check("hart 1 exec epc", hart1_result[1], (uint64_t)victim);
	rt_check("hart 1 store trap", hart1_result[2], 1);
	rt_check("hart 1 store epc", hart1_result[3], (uint64_t)victim_sd);
	M_OFF();
}

/* minstret across a trigger (docs/riscv.md "Counters"): the breakpoint
 * is taken before the instruction, which does not retire.  count_seq reads
 * minstret, runs two nops and the instruction at count_hit (an addi, or a
 * store to victim_data); count_handler, installed as mtvec, reads minstret
 * into t3 and resumes after the instruction.  count_seq returns the
 * difference: 3 (the first read and the nops). */
extern char count_seq[], count_hit[], count_handler[];
__asm__(".text\n.option push\n.option norvc\n"
	".globl count_seq\ncount_seq:\n la t4, victim_data\n"
	" csrr t5, minstret\n nop\n nop\n"
	".globl count_hit\ncount_hit: sd t5, 0(t4)\n"
	" sub a0, t3, t5\n ret\n"
	".balign 4\n.globl count_handler\ncount_handler:\n"
	" csrr t3, minstret\n csrr t4, mepc\n addi t4, t4, 4\n"
	" csrw mepc, t4\n mret\n"
	".option pop\n");

static uint64_t call_count_seq(void)
{
	register uint64_t a0 __asm__("a0");
	__asm__ volatile("call count_seq" : "=r"(a0)
			 :: "ra", "t3", "t4", "t5", "memory");
	return a0;
}

static void counts(void)
{
	uint64_t saved = RT_CSR_READ(mtvec), mie = RT_CSR_READ(mie);

	rt_group("counts");
	RT_CSR_WRITE(mtvec, (uint64_t)count_handler);
	RT_CSR_WRITE(mie, 0);       /* MIE on for the triggers, no interrupt */
	M_ON();
	set_trigger(0, TYPE6 | MC_M | MC_X | MATCH(0), (uint64_t)count_hit);
	rt_check("execute trigger: 3 retired before", call_count_seq(), 3);
	set_trigger(0, TYPE6 | MC_M | MC_W | MATCH(0), (uint64_t)&victim_data);
	rt_check("store trigger: 3 retired before", call_count_seq(), 3);
	M_OFF();
	clear_triggers();
	RT_CSR_WRITE(mie, mie);
	RT_CSR_WRITE(mtvec, saved);
}

int main(void)
{
	csrs();
	exec_m();
	data_m();
	modes();
	per_hart();
	counts();
	return rt_finish();
}
