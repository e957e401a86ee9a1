/* Guest runtime for Loom's bare-metal test programs (no libc).
 *
 * Contract: programs define int main(unsigned long hartid, void *fdt); its
 * return value becomes the emulator's exit status through the SiFive test
 * device. Output goes to the NS16550A UART, one byte at a time, '\n' only.
 * Checks are grouped: rt_group() opens a group, rt_check*() record results,
 * rt_finish() closes the last group and prints "PASS" or "FAIL ...".
 * Output must stay deterministic (it is compared byte for byte with QEMU):
 * never print times, counters or values that depend on the machine model. */
#ifndef LOOM_GUEST_RT_H
#define LOOM_GUEST_RT_H

#include <stdint.h>
#include <stddef.h>

#define RT_UART_BASE     0x10000000UL
#define RT_TEST_BASE     0x100000UL
#define RT_CLINT_BASE    0x2000000UL
#define RT_CLINT_MSIP(h) (RT_CLINT_BASE + 4 * (h))
#define RT_CLINT_MTIMECMP(h) (RT_CLINT_BASE + 0x4000 + 8 * (h))
#define RT_CLINT_MTIME   (RT_CLINT_BASE + 0xbff8)

#define RT_MMIO32(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define RT_MMIO64(a) (*(volatile uint64_t *)(uintptr_t)(a))

#define RT_CSR_READ(csr) ({ uint64_t v_; \
	__asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define RT_CSR_WRITE(csr, v) \
	__asm__ volatile("csrw " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")
#define RT_CSR_SET(csr, v) \
	__asm__ volatile("csrs " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")
#define RT_CSR_CLEAR(csr, v) \
	__asm__ volatile("csrc " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")

/* ---- console and exit ---- */
void rt_putc(char c);
void rt_puts(const char *s);            /* no newline added */
void rt_put_hex(uint64_t v);            /* 0x + 16 digits */
void rt_put_dec(int64_t v);
void rt_put_udec(uint64_t v);
__attribute__((noreturn)) void rt_exit(int code);

/* ---- checks ---- */
void rt_group(const char *name);
int rt_check(const char *what, uint64_t got, uint64_t want);
int rt_check_true(const char *what, int cond);
int rt_failures(void);
int rt_finish(void);                    /* 0 on PASS, 1 on FAIL */

/* ---- traps ----
 * rt_trap_entry is installed as mtvec by start.S. An exception is expected
 * only while rt_trap.armed is set (RT_TRAP_AT arms it); it is recorded and
 * execution resumes at rt_trap.resume (or mepc + insn length when 0), and
 * the record disarms. Any other exception prints a FAIL line and exits 3.
 * Interrupts are always accepted: counted, recorded, and their source
 * silenced (timer: mtimecmp = max, or re-armed rt_trap.timer_rearm ticks
 * ahead; software: msip = 0) before returning. */
struct rt_trap {
	uint64_t count;         /* expected exceptions taken */
	uint64_t cause, epc, tval;
	uint64_t resume;
	uint64_t armed;
	uint64_t irq_count;
	uint64_t irq_cause, irq_epc;
	uint64_t irq_trail;     /* (trail << 4) | code for each interrupt */
	uint64_t mstatus;       /* mstatus seen by the handler, last trap */
	uint64_t timer_rearm;   /* nonzero: timer irq sets mtimecmp = mtime + this */
	uint64_t resume_m;      /* nonzero: the next expected exception returns
				 * to M mode (sets MPP = M), then clears this */
	struct {                /* exception n (count before it) at hist[n & 3] */
		uint64_t cause, epc, tval, mstatus;
	} hist[4];
};
extern volatile struct rt_trap rt_trap;
extern volatile uint64_t rt_vec_hit;    /* last vectored slot used, trap.S */
void rt_trap_entry(void);
void rt_vec_table(void);

/* Run `insns` (assembly text) with an exception expected at its first
 * instruction: pcvar receives that instruction's address, and execution
 * resumes right after `insns`. `arg` is loaded into t2 and a5 first (a5
 * for compressed forms); `insns` may use t1, t2, a4 and a5. Wrap in
 * ".option norvc" when the length matters. */
#define RT_TRAP_AT(pcvar, arg, insns) \
	__asm__ volatile( \
		"mv t2, %[a]\n\t" \
		"mv a5, %[a]\n\t" \
		"la t0, 2f\n\t" \
		"sd t0, %[ro](%[tr])\n\t" \
		"li t0, 1\n\t" \
		"sd t0, %[ao](%[tr])\n\t" \
		"la %[pc], 1f\n" \
		"1:\n\t" insns "\n" \
		"2:\n" \
		: [pc] "=&r"(pcvar) \
		: [a] "r"((uint64_t)(arg)), [tr] "r"(&rt_trap), \
		  [ro] "i"(offsetof(struct rt_trap, resume)), \
		  [ao] "i"(offsetof(struct rt_trap, armed)) \
		: "t0", "t1", "t2", "a4", "a5", "memory")

/* Check that exactly one expected exception was taken since `before`
 * (a copy of rt_trap.count) with the given cause, epc and tval. */
void rt_check_trap(const char *what, uint64_t before, uint64_t cause,
		   uint64_t epc, uint64_t tval);

/* 1 when running on QEMU 7.x (mvendorid 0, marchid = mimpid = 0x07xxyy):
 * used only to accept that version's known spec deviations, each one named
 * where it is used, so the same check line passes on both machines. */
int rt_is_qemu7(void);

/* 1 when mcycle/minstret count retired instructions exactly: always on
 * Loom (held to it, never detected); on QEMU 7 only under -icount (two
 * back-to-back minstret reads then differ by exactly 1; without it they
 * follow the host's cycle counter). */
int rt_counts_exact(void);
/* rt_check of an exact counter value where rt_counts_exact(); elsewhere
 * (QEMU without -icount) the check only checks got >= floor, so the line
 * printed is the same on both. */
int rt_check_count(const char *what, uint64_t got, uint64_t want,
		   uint64_t floor);
/* The same, exact on Loom only: for counts where QEMU 7.2 departs from
 * the spec even under -icount (each call site names the deviation; list
 * in docs/guest-tests.md). */
int rt_check_count_loom(const char *what, uint64_t got, uint64_t want,
			uint64_t floor);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

#endif
