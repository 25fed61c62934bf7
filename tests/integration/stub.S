/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A three-instruction boot loader for tests: enter keel at EL2 with x0 = an
 * arbitrary device tree, with none of the fix-ups U-Boot or QEMU would make,
 * so tests can hand keel broken boot input.
 */
	.globl	_start
_start:
	ldr	x0, =DTB_ADDR
	ldr	x1, =0x40200000
	br	x1
