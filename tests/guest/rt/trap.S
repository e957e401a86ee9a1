/* Guest runtime trap entry: saves all integer registers on the current stack
 * (frame of 32 slots, slot i = x[i], slot 2 = sp before the trap), calls
 * rt_trap_dispatch(frame) in rt.c, which records the trap and rewrites mepc,
 * then restores every register (a test may edit frame slots) and mret's.
 * rt_vec_table is a vectored-mode mtvec table (16 slots): each slot records
 * its index in rt_vec_hit and falls into the common entry. */

	.text
	.align	6
	.globl	rt_trap_entry
rt_trap_entry:
	addi	sp, sp, -256
	.irp	n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, \n*8(sp)
	.endr
	addi	t0, sp, 256
	sd	t0, 2*8(sp)
	mv	a0, sp
	call	rt_trap_dispatch
	.irp	n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, \n*8(sp)
	.endr
	addi	sp, sp, 256
	mret

	.align	6
	.globl	rt_vec_table
rt_vec_table:
	.option push
	.option norvc
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	j	rt_vec_slot\n
	.endr
	.option pop

	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
rt_vec_slot\n:
	csrw	mscratch, t0
	addi	sp, sp, -16
	sd	t1, 0(sp)
	li	t0, \n
	la	t1, rt_vec_hit
	sd	t0, 0(t1)
	ld	t1, 0(sp)
	addi	sp, sp, 16
	csrr	t0, mscratch
	j	rt_trap_entry
	.endr

	.data
	.align	3
	.globl	rt_vec_hit
rt_vec_hit:
	.dword	-1
