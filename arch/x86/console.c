// SPDX-License-Identifier: GPL-2.0
/*
 * x86 boot console: a polled 16550 at an I/O port (COM1, 0x3f8, from the
 * start: it is fixed on a PC), mirrored to bochs' port 0xe9 when that
 * debug port answers.
 */
#include <arch/x86.h>
#include <hv/arch/console.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/ns16550.h>

#define E9_PORT 0xe9

static uint16_t uart_port = 0x3f8;
static bool e9;

int arch_console_init(const struct boot_uart *uart)
{
	if (uart->kind != UART_NS16550 || uart->base > 0xfff8 || uart->reg_shift)
		return -ENODEV;
	uart_port = uart->base;
	/* 115200 8N1, FIFOs on, no interrupts; an absent UART reads 0xff everywhere. */
	outb(uart_port + UART_IER, 0);
	outb(uart_port + UART_LCR, LCR_DLAB);
	outb(uart_port + UART_DLL, 1);
	outb(uart_port + UART_DLM, 0);
	outb(uart_port + UART_LCR, LCR_8N1);
	outb(uart_port + UART_FCR, 0x07);
	outb(uart_port + UART_MCR, 0x03);
	/* bochs' port_e9_hack reads back 0xe9; elsewhere the port floats (0xff). */
	e9 = inb(E9_PORT) == E9_PORT;
	return 0;
}

static void uart_putc(char c)
{
	/* Bounded wait: a missing or stuck UART must not hang keel. */
	for (unsigned i = 0; i < 100000 && !(inb(uart_port + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(uart_port + UART_THR, c);
	if (e9)
		outb(E9_PORT, c);
}

void arch_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}
