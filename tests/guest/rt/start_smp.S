/* Guest runtime entry for the many-hart programs (tests/stress/guest,
 * bench/guest/smp_*): the same contract as start.S (a0 = hartid, a1 = FDT;
 * hart 0 clears .bss and runs main(hartid, fdt), the others wait for that and
 * run rt_secondary_main(hartid, fdt) or park in wfi), but with room for
 * RT_SMP_MAX_HARTS harts: 32 stacks of 4 KiB fill the 128 KiB stack region
 * that link.ld reserves (8 x 16 KiB). Harts beyond the table park. Programs
 * using this file must keep their stack use small (no big locals). */
#define RT_STACK_SIZE (4 * 1024)
#define RT_SMP_MAX_HARTS 32

	.section .text.init, "ax", @progbits
	.globl _start
_start:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	csrw	mie, zero
	la	t0, rt_trap_entry
	csrw	mtvec, t0
	li	t0, RT_SMP_MAX_HARTS
	bgeu	a0, t0, park
	li	t0, RT_STACK_SIZE
	mul	t0, t0, a0
	la	sp, __stack_top
	sub	sp, sp, t0
	mv	s0, a0
	mv	s1, a1
	bnez	a0, secondary

	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	fence	rw, rw
	la	t0, rt_boot_done
	li	t1, 1
	sw	t1, 0(t0)
	mv	a0, s0
	mv	a1, s1
	call	main
	call	rt_exit

secondary:
	la	t0, rt_secondary_main
	beqz	t0, park
	la	t1, rt_boot_done
3:	lw	t2, 0(t1)
	beqz	t2, 3b
	fence	rw, rw
	mv	a0, s0
	mv	a1, s1
	jalr	t0
park:
	wfi
	j	park

	.weak	rt_secondary_main

	.data
	.align	2
	.globl	rt_boot_done
rt_boot_done:
	.word	0
