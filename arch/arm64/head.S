/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keel's arm64 entry points. keel is an arm64 Image (same 64-byte header as
 * Linux), so U-Boot's bootm/booti and QEMU's -kernel all enter it at EL2
 * with x0 = DTB. PSCI CPU_ON/CPU_SUSPEND bring secondaries in at
 * arm64_secondary_entry with x0 = keel's logical CPU index.
 */
#define STACK_SIZE 16384
#define HV_MAX_CPUS 8
#define STR_(x) #x
#define STR(x) STR_(x)

/* The board's early UART (arch/arm64/boards/<plat>.mk): TX register, status register, busy bit. */
#if defined(KEEL_EARLY_UART_pl011)
#define EARLY_UART KEEL_EARLY_UART_pl011
#define EARLY_TX 0x00
#define EARLY_STATUS 0x18	/* UARTFR */
#define EARLY_BUSY_BIT 5	/* TXFF */
#elif defined(KEEL_EARLY_UART_cdns)
#define EARLY_UART KEEL_EARLY_UART_cdns
#define EARLY_TX 0x30		/* TX_RX_FIFO */
#define EARLY_STATUS 0x2c	/* Channel_sts */
#define EARLY_BUSY_BIT 4	/* TFUL */
#endif

	.section .text.head, "ax"
	.globl	_start
_start:
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0x200000		/* text_offset: keel is linked at RAM base + 2 MiB */
	.quad	__keel_image_size	/* image_size: the whole reservation, pool included */
	.quad	0xa			/* flags: little endian, 4K pages, 2 MiB aligned base */
	.quad	0, 0, 0
	.ascii	"ARM\x64"		/* magic */
	.long	0

primary_entry:
	msr	daifset, #0xf
	mov	x19, x0
	isb
	mrs	x20, cntpct_el0		/* for the boot-time report */
	mrs	x1, CurrentEL
	cmp	x1, #(2 << 2)
	b.ne	wrong_el
	adr	x1, _start
	ldr	x2, =_start
	cmp	x1, x2
	b.ne	wrong_addr

	/* Clear BSS (stacks and page-table bootstrap pool live there). */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	stp	xzr, xzr, [x1], #16
	b	1b
2:
	mov	x0, #0
	bl	set_stack_vbar
	adrp	x1, arm64_boot_counter
	str	x20, [x1, :lo12:arm64_boot_counter]
	mov	x0, x19
	bl	arm64_boot_primary
	b	halt

	.text
	.globl	arm64_secondary_entry
arm64_secondary_entry:
	msr	daifset, #0xf
	cmp	x0, #HV_MAX_CPUS
	b.hs	halt
	mov	x19, x0
	bl	set_stack_vbar
	bl	arm64_mmu_enable
	mov	x0, x19
	bl	arm64_boot_secondary
	b	halt

/* x0 = cpu index: sp = top of that CPU's stack, VBAR_EL2 = keel's vectors. */
set_stack_vbar:
	adrp	x1, arm64_stacks
	add	x1, x1, :lo12:arm64_stacks
	add	x0, x0, #1
	mov	x2, #STACK_SIZE
	madd	x1, x0, x2, x1
	mov	sp, x1
	adrp	x1, arm64_vectors
	add	x1, x1, :lo12:arm64_vectors
	msr	vbar_el2, x1
	isb
	ret

/*
 * Enter the host at EL1: ELR_EL2/SPSR_EL2 are set by the caller.
 * x0 = host x0, x1 = top of this CPU's keel stack (reset so traps start on an empty stack).
 */
	.globl	arm64_el1_eret
arm64_el1_eret:
	mov	sp, x1
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	eret

/* Entered wrongly: say so on the platform's default UART (MMU is off) and stop. */
wrong_el:
	adr	x0, msg_el
	b	early_puts
wrong_addr:
	adr	x0, msg_addr
early_puts:
#ifdef EARLY_UART
	ldr	x1, =EARLY_UART
1:	ldrb	w2, [x0], #1
	cbz	w2, halt
2:	ldr	w3, [x1, #EARLY_STATUS]	/* wait while the TX FIFO is full */
	tbnz	w3, #EARLY_BUSY_BIT, 2b
	str	w2, [x1, #EARLY_TX]
	b	1b
#else
	b	halt			/* the board has no early UART: nowhere to say it */
#endif

	.globl	halt
halt:
	msr	daifset, #0xf
1:	wfi
	b	1b

	.section .rodata
msg_el:
	.asciz	"\r\nkeel: boot failed: not entered at EL2 (firmware must hand over at EL2 for keel to own virtualization)\r\n"
msg_addr:
	.asciz	"\r\nkeel: boot failed: not loaded at its link address " STR(KEEL_BASE) " (check the FIT load/entry addresses)\r\n"

	.section .bss
	.balign	16
	.globl	arm64_stacks
arm64_stacks:
	.space	STACK_SIZE * HV_MAX_CPUS
