// SPDX-License-Identifier: GPL-2.0
/*
 * Polled console on the UART the DT names (hv/src/dt.c picks the kind by compatible): PL011 (QEMU
 * virt), 16550 (many boards), Cadence (Xilinx Zynq/ZynqMP).
 */
#include <arch/arm64.h>
#include <hv/arch/console.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/ns16550.h>

#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_TXFF (1U << 5)
#define CDNS_CR 0x00   /* Control */
#define CDNS_CR_TX_EN (1U << 4)
#define CDNS_CR_TX_DIS (1U << 5)
#define CDNS_SR 0x2c   /* Channel_sts */
#define CDNS_SR_TFUL (1U << 4)
#define CDNS_FIFO 0x30 /* TX_RX_FIFO */

static struct boot_uart uart;

static uint32_t ns_read(unsigned reg)
{
	uint64_t a = uart.base + ((uint64_t)reg << uart.reg_shift);

	return uart.reg_width == 4 ? mmio_read32(a) : mmio_read8(a);
}

static void ns_write(unsigned reg, uint32_t v)
{
	uint64_t a = uart.base + ((uint64_t)reg << uart.reg_shift);

	if (uart.reg_width == 4)
		mmio_write32(a, v);
	else
		mmio_write8(a, (uint8_t)v);
}

static void putc_raw(char c)
{
	/* Bounded waits: a dead UART must not hang keel. */
	unsigned spins = 1u << 20;

	if (uart.kind == UART_PL011) {
		while ((mmio_read32(uart.base + PL011_FR) & PL011_FR_TXFF) && --spins)
			;
		mmio_write32(uart.base + PL011_DR, (uint8_t)c);
	} else if (uart.kind == UART_CDNS) {
		while ((mmio_read32(uart.base + CDNS_SR) & CDNS_SR_TFUL) && --spins)
			;
		mmio_write32(uart.base + CDNS_FIFO, (uint8_t)c);
	} else if (uart.kind == UART_NS16550) {
		while (!(ns_read(UART_LSR) & LSR_THRE) && --spins)
			;
		ns_write(UART_THR, (uint8_t)c);
	}
}

int arch_console_init(const struct boot_uart *u)
{
	if (u->kind != UART_PL011 && u->kind != UART_NS16550 && u->kind != UART_CDNS)
		return -ENODEV;
	uart = *u;
	if (uart.kind == UART_NS16550 && !uart.reg_width)
		uart.reg_width = 1;
	if (uart.kind == UART_CDNS) {
		/* Firmware normally leaves the transmitter on; entered straight from reset it is off. */
		uint32_t cr = mmio_read32(uart.base + CDNS_CR);

		if (!(cr & CDNS_CR_TX_EN) || (cr & CDNS_CR_TX_DIS))
			mmio_write32(uart.base + CDNS_CR, (cr & ~CDNS_CR_TX_DIS) | CDNS_CR_TX_EN);
	}
	return 0;
}

void arch_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			putc_raw('\r');
		putc_raw(s[i]);
	}
}
