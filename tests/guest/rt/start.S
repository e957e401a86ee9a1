/* Guest runtime entry: every hart arrives here with a0 = hartid, a1 = FDT,
 * in M mode. Hart 0 sets up a stack, clears .bss, runs main() and exits with
 * its return value through the SiFive test device. Other harts wait for hart
 * 0 to finish .bss, then run rt_secondary_main(hartid) if the program defines
 * it (SMP tests) or park in a wfi loop. Unexpected traps before main's own
 * handler is installed end the run with status 3 (rt_trap_entry's default). */
#define RT_STACK_SIZE (16 * 1024)
#define RT_MAX_HARTS 32     /* == RT_SMP_MAX_HARTS (smp.h); link.ld's stack region */

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
	/* sp = __stack_top - hartid * RT_STACK_SIZE; harts beyond the table park. */
	li	t0, RT_MAX_HARTS
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
