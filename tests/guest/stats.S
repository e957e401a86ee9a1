/* stats.S — a guest with known event counts for -stats FILE (stats-counts.py,
 * docs/stats.md).  Run with -smp 2 -bios none.  No runtime (rt/): every
 * instruction hart 0 retires is in this file, so its count is exact and
 * known (stats-counts.py holds the formula).
 *
 * Hart 0 (interrupts off: mie = 0): a loop of LOOPN iterations; NECALL
 * ecalls and NILL illegal instructions (each handled by `trap`, which
 * steps mepc over the 4-byte instruction); one SC without a reservation
 * (fails) and one LR/SC pair (succeeds); NIPI rounds of: set hart 1's
 * MSIP, wfi until hart 1 answers by setting MSIP0, clear MSIP0; then
 * power off through the SiFive test device.
 *
 * WFI wakes on a pending interrupt that is enabled in mie, whatever
 * mstatus.MIE says; so hart 0 sets mie.MSIE but keeps mstatus.MIE = 0:
 * the software interrupt wakes it and is never taken (no trap, exact
 * count).  Hart 1 takes each MSI (mstatus.MIE = 1): the handler clears
 * MSIP1, counts it with one amoadd.w and sets MSIP0.
 */
#define LOOPN  1000
#define NECALL 5
#define NILL   3
#define NIPI   4
#define CLINT  0x2000000
#define TEST   0x100000

	.section .text.init, "ax", @progbits
	.option norvc
	.globl _start
_start:
	csrw	mie, zero
	la	t0, trap
	csrw	mtvec, t0
	li	t4, CLINT		/* MSIP0 */
	li	t5, CLINT + 4		/* MSIP1 */
	bnez	a0, hart1

	li	t1, LOOPN
1:	addi	t1, t1, -1
	bnez	t1, 1b

	li	s2, NECALL
2:	ecall
	addi	s2, s2, -1
	bnez	s2, 2b

	li	s2, NILL
3:	csrw	mhartid, zero		/* read-only CSR: illegal instruction */
	addi	s2, s2, -1
	bnez	s2, 3b

	la	a1, cell
	sc.w	a2, a2, (a1)		/* no reservation: fails */
	lr.w	a2, (a1)
	sc.w	a3, a2, (a1)		/* succeeds */

	li	t0, 8
	csrw	mie, t0			/* MSIE: wakes wfi, never taken */
	li	s2, NIPI
4:	li	t2, 1
	sw	t2, 0(t5)
5:	wfi
	lw	t2, 0(t4)
	beqz	t2, 5b			/* (wfi woke only on MSIP0) */
	sw	zero, 0(t4)
	addi	s2, s2, -1
	bnez	s2, 4b

	li	t0, TEST
	li	t1, 0x5555
	sw	t1, 0(t0)
6:	j	6b

hart1:
	li	t0, 1
	bne	a0, t0, park		/* harts beyond 1 (none with -smp 2) */
	la	t6, acks
	li	t0, 8
	csrw	mie, t0
	csrsi	mstatus, 8
park:	wfi
	j	park

	.align	2
trap:
	csrr	t3, mcause
	bltz	t3, irq
	csrr	t3, mepc
	addi	t3, t3, 4
	csrw	mepc, t3
	mret
irq:
	sw	zero, 0(t5)		/* clear MSIP1 first: hart 0 sets it again */
	li	t2, 1
	amoadd.w zero, t2, (t6)
	sw	t2, 0(t4)		/* answer: MSIP0 */
	mret

	.data
	.align	3
cell:	.word	0
acks:	.word	0
