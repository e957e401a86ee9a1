/* Control flow across translation blocks, in assembly: a 4-byte instruction
 * straddling a 4 KiB page boundary (and a block running from one page into
 * the next), an indirect-jump table hit in a rotating pattern, one run of
 * code entered at three different points, a recursive
 * fib in plain call/return code, and a page-crossing loop branch. Each
 * result is checked with rt_check(name, got, want) from the runtime. */

	.macro CHECK name, reg, want
	la	a0, \name
	mv	a1, \reg
	li	a2, \want
	call	rt_check
	.endm

	.text
	.globl	main
main:
	addi	sp, sp, -48
	sd	ra, 40(sp)
	sd	s1, 32(sp)
	sd	s2, 24(sp)
	sd	s3, 16(sp)

	la	a0, g_page
	call	rt_group
	/* 1000 calls of straddle_fn (returns 7 each). */
	li	s1, 0
	li	s2, 1000
1:	call	straddle_fn
	add	s1, s1, a0
	addi	s2, s2, -1
	bnez	s2, 1b
	CHECK	n_straddle, s1, 7000
	/* A loop whose body crosses the page boundary: 300 iterations. */
	call	cross_loop
	mv	s1, a0
	CHECK	n_cross, s1, 300 * 3

	la	a0, g_indirect
	call	rt_group
	/* for i in 0..999: s1 += table[i % 8]() where target k adds k*k+1. */
	li	s1, 0
	li	s2, 0
2:	andi	t0, s2, 7
	slli	t0, t0, 3
	la	t1, jump_table
	add	t1, t1, t0
	ld	t1, 0(t1)
	jalr	ra, 0(t1)
	add	s1, s1, a0
	addi	s2, s2, 1
	li	t0, 1000
	bltu	s2, t0, 2b
	/* Sum over k of (k*k + 1) = 148, times 125 rounds. */
	CHECK	n_indirect, s1, 148 * 125

	la	a0, g_entries
	call	rt_group
	/* Entering one run of code at three points, in rotation, 300 times:
	 * entry_a adds 1+2+4, entry_b 2+4, entry_c 4: 100 * (7+6+4). */
	li	s1, 0
	li	s2, 100
3:	mv	a0, s1
	call	entry_a
	call	entry_b
	call	entry_c
	mv	s1, a0
	addi	s2, s2, -1
	bnez	s2, 3b
	CHECK	n_entries, s1, 100 * 17

	la	a0, g_recursion
	call	rt_group
	li	a0, 20
	call	fib
	mv	s1, a0
	CHECK	n_fib, s1, 6765
	li	a0, 25
	call	fib
	mv	s1, a0
	CHECK	n_fib25, s1, 75025

	call	rt_finish
	ld	s3, 16(sp)
	ld	s2, 24(sp)
	ld	s1, 32(sp)
	ld	ra, 40(sp)
	addi	sp, sp, 48
	ret

/* fib(n) = n < 2 ? n : fib(n-1) + fib(n-2), with a real stack frame. */
fib:
	li	t0, 2
	bltu	a0, t0, 9f
	addi	sp, sp, -32
	sd	ra, 24(sp)
	sd	s0, 16(sp)
	sd	s1, 8(sp)
	mv	s0, a0
	addi	a0, a0, -1
	call	fib
	mv	s1, a0
	addi	a0, s0, -2
	call	fib
	add	a0, a0, s1
	ld	s1, 8(sp)
	ld	s0, 16(sp)
	ld	ra, 24(sp)
	addi	sp, sp, 32
9:	ret

entry_a:
	addi	a0, a0, 1
entry_b:
	addi	a0, a0, 2
entry_c:
	addi	a0, a0, 4
	ret

	.macro TARGET k
target\k:
	li	a0, \k * \k + 1
	ret
	.endm
	TARGET 0
	TARGET 1
	TARGET 2
	TARGET 3
	TARGET 4
	TARGET 5
	TARGET 6
	TARGET 7

	/* Code laid out around a page boundary. */
	.section .text.pages, "ax", @progbits
	.balign	4096
	.skip	4096 - 6
straddle_fn:                    /* page offset 4090 */
	c.li	a0, 0
	c.addi	a0, 1
	.option push
	.option norvc
	addi	a0, a0, 2       /* bytes 4094..4097: crosses the page */
	.option pop
	addi	a0, a0, 4
	ret

	.balign	4096
	.skip	4096 - 12
cross_loop:                     /* loop body spans the next boundary */
	li	a0, 0
	li	t0, 300
1:	addi	a0, a0, 1
	.option push
	.option norvc
	addi	a0, a0, 1
	addi	a0, a0, 1
	addi	t0, t0, -1
	.option pop
	bnez	t0, 1b
	ret

	.section .rodata
	.balign	8
jump_table:
	.dword	target0, target1, target2, target3
	.dword	target4, target5, target6, target7
g_page:		.string "page-cross"
g_indirect:	.string "indirect"
g_recursion:	.string "recursion"
g_entries:	.string "entry-points"
n_entries:	.string "three entries into one block"
n_straddle:	.string "insn straddling a page"
n_cross:	.string "loop across a page"
n_indirect:	.string "jump table"
n_fib:		.string "fib(20)"
n_fib25:	.string "fib(25)"
