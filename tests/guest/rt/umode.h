/* Helpers for tests that run code in U mode (priv.c, pmp.c): IN_U runs a
 * snippet in U mode and comes back to M through an ecall; PMP helpers open
 * all memory to U (harmless where no PMP entries exist). */
#ifndef LOOM_GUEST_UMODE_H
#define LOOM_GUEST_UMODE_H

#include "insn.h"

#define MSTATUS_MPP (3UL << 11)
#define MSTATUS_MPRV (1UL << 17)
#define PMP_R 1
#define PMP_W 2
#define PMP_X 4
#define PMP_NAPOT 0x18

/* Runs `insns` in a lower mode entered by mret: `setmpp` is the asm that
 * sets mstatus.MPP after it was cleared (empty: U).  The first instruction
 * of `insns` (at pcvar) may trap; the handler then resumes after `insns`
 * (still in that mode), where an ecall returns to M.  a0 is passed in and
 * out as `io`. */
#define RT_IN_MODE(setmpp, pcvar, io, insns) \
	__asm__ volatile( \
		"la t0, 2f\n sd t0, %[ro](%[tr])\n" \
		"li t0, 1\n sd t0, %[ao](%[tr])\n" \
		"la %[pc], 3f\n" \
		"mv a0, %[v]\n" \
		"la t0, 3f\n csrw mepc, t0\n" \
		"li t0, 0x1800\n csrc mstatus, t0\n" \
		setmpp \
		"mret\n" \
		"3:\n" insns "\n" \
		"2: la t0, 4f\n sd t0, %[ro](%[tr])\n" \
		"li t0, 1\n sd t0, %[ao](%[tr])\n sd t0, %[mo](%[tr])\n" \
		"ecall\n" \
		"4: mv %[v], a0\n" \
		: [pc] "=&r"(pcvar), [v] "+r"(io) \
		: [tr] "r"(&rt_trap), \
		  [ro] "i"(offsetof(struct rt_trap, resume)), \
		  [ao] "i"(offsetof(struct rt_trap, armed)), \
		  [mo] "i"(offsetof(struct rt_trap, resume_m)) \
		: "t0", "t1", "a0", "memory")

/* Runs `insns` in U mode (see RT_IN_MODE). */
#define IN_U(pcvar, io, insns) RT_IN_MODE("", pcvar, io, insns)

#define HIST(n) rt_trap.hist[(n) & 3]

static inline uint64_t insn_bits(uint64_t pc)
{
	const volatile uint16_t *p = (const volatile uint16_t *)(uintptr_t)pc;

	return (p[0] & 3) != 3 ? p[0] : (p[0] | (uint64_t)p[1] << 16);
}

static inline int has_s(void)
{
	return (RT_CSR_READ(misa) >> ('S' - 'A')) & 1;
}

/* PMP changes need an sfence.vma where address translation (S mode)
 * exists; without S the instruction may be illegal. */
static inline void pmp_sync(void)
{
	if (has_s())
		__asm__ volatile("sfence.vma" ::: "memory");
}

static inline void pmp_allow_all(void)
{
	RT_CSR_WRITE(pmpaddr0, 0);
	RT_CSR_WRITE(pmpaddr1, ~0UL >> 10);     /* NAPOT: the whole space */
	RT_CSR_WRITE(pmpcfg0, (uint64_t)(PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 8);
	pmp_sync();
}

#endif
