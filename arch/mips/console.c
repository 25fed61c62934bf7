// SPDX-License-Identifier: GPL-2.0
/*
 * MIPS boot console: a polled 16550, reached uncached through KSEG1. On the
 * Malta it is the southbridge's COM1 at ISA port 0x3f8 behind the GT-64120's
 * PCI I/O window at 0x18000000 (set up by the boot stub, as YAMON does);
 * that address is also the default until arch_console_init().
 */
#include <arch/mips.h>
#include <hv/arch/console.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/ns16550.h>

#define MALTA_COM1 0x180003f8ULL

static uint64_t uart_pa = MALTA_COM1;
static unsigned uart_shift;

static volatile uint8_t *reg(unsigned r) { return (volatile uint8_t *)kseg1(uart_pa + (r << uart_shift)); }

int arch_console_init(const struct boot_uart *uart)
{
	/* KSEG1 reaches the low 512 MiB only; 4-byte-wide registers would need 32-bit accesses. */
	if (uart->kind != UART_NS16550 || uart->base >= 0x20000000 || uart->reg_width > 1)
		return -ENODEV;
	uart_pa = uart->base;
	uart_shift = uart->reg_shift;
	/* 1.8432 MHz clock / 16 / 1 = 115200 8N1, FIFOs on, no interrupts. */
	*reg(UART_IER) = 0;
	*reg(UART_LCR) = LCR_DLAB;
	*reg(UART_DLL) = 1;
	*reg(UART_DLM) = 0;
	*reg(UART_LCR) = LCR_8N1;
	*reg(UART_FCR) = 0x07;
	*reg(UART_MCR) = 0x03;
	return 0;
}

static void uart_putc(char c)
{
	/* Bounded wait: a missing UART must not hang keel. */
	for (unsigned i = 0; i < 100000 && !(*reg(UART_LSR) & LSR_THRE); i++)
		;
	*reg(UART_THR) = c;
}

void arch_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}
