/* PMP (needs at least two implemented PMP entries): entry readback, a
 * NAPOT entry without permissions denying U loads/stores (exact cause,
 * mepc, mtval; store not performed) but not M, and mstatus.MPRV with
 * MPP = U making M-mode loads obey U's permissions. */
#include "umode.h"

static volatile uint64_t guarded[8] __attribute__((aligned(64)));

static void setup(void)
{
	rt_group("pmp");
	pmp_allow_all();
	rt_check("pmpcfg0 entry 1", (RT_CSR_READ(pmpcfg0) >> 8) & 0xff, 0x1f);
	rt_check("pmpcfg0 entry 0 off", RT_CSR_READ(pmpcfg0) & 0xff, 0);
}

static void pmp_deny(void)
{
	uint64_t pc, io, before, addr = (uint64_t)&guarded[0];

	rt_group("pmp-deny");
	guarded[0] = 0x1234;
	/* Entry 0: NAPOT 64 bytes at `guarded`, no permissions, not locked:
	 * U is denied, M is not. Entry 1 still allows everything else. */
	RT_CSR_WRITE(pmpaddr0, (addr >> 2) | 7);
	RT_CSR_WRITE(pmpcfg0, (RT_CSR_READ(pmpcfg0) & ~0xffUL) | PMP_NAPOT);
	pmp_sync();
	rt_check("M still reads", guarded[0], 0x1234);
	before = rt_trap.count;
	io = addr + 8;
	IN_U(pc, io, "ld t1, 0(a0)");
	rt_check("U load denied: cause", HIST(before).cause, 5);
	rt_check("U load denied: mepc", HIST(before).epc, pc);
	rt_check("U load denied: mtval", HIST(before).tval, addr + 8);
	before = rt_trap.count;
	io = addr + 16;
	IN_U(pc, io, "sd a0, 0(a0)");
	rt_check("U store denied: cause", HIST(before).cause, 7);
	rt_check("U store denied: mtval", HIST(before).tval, addr + 16);
	rt_check("denied store not done", guarded[2], 0);

	/* MPRV = 1, MPP = U: M-mode loads and stores use U's permissions. */
	before = rt_trap.count;
	{
		uint64_t t;

		__asm__ volatile(
			"la t0, 2f\n sd t0, %[ro](%[tr])\n"
			"li t0, 1\n sd t0, %[ao](%[tr])\n"
			"li t0, 0x1800\n csrc mstatus, t0\n"
			"li t0, 0x20000\n csrs mstatus, t0\n"
			"la %[pc], 1f\n"
			"1: ld %[t], 0(%[a])\n"
			"2: li t0, 0x20000\n csrc mstatus, t0\n"
			"li t0, 0x1800\n csrs mstatus, t0\n"
			: [pc] "=&r"(pc), [t] "=&r"(t)
			: [a] "r"(addr), [tr] "r"(&rt_trap),
			  [ro] "i"(offsetof(struct rt_trap, resume)),
			  [ao] "i"(offsetof(struct rt_trap, armed))
			: "t0", "memory");
	}
	rt_check("MPRV load denied", rt_trap.count - before, 1);
	rt_check("MPRV load: cause", rt_trap.cause, 5);
	rt_check("MPRV load: mepc", rt_trap.epc, pc);
	rt_check("MPRV load: mtval", rt_trap.tval, addr);
	rt_check("MPRV cleared again", RT_CSR_READ(mstatus) & MSTATUS_MPRV, 0);
	pmp_allow_all();
	io = addr;
	IN_U(pc, io, "ld a0, 0(a0)");
	rt_check("U reads after PMP reopened", io, 0x1234);
}

int main(void)
{
	setup();
	pmp_deny();
	return rt_finish();
}
