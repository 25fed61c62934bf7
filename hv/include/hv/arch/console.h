/* SPDX-License-Identifier: GPL-2.0 */
/* Arch contract: the boot console (polled, no interrupts). */
#ifndef HV_ARCH_CONSOLE_H
#define HV_ARCH_CONSOLE_H

#include <hv/types.h>

struct boot_uart;
/* Start using the UART described by the boot info (arm64: from the DT). -ENODEV if unusable. */
int arch_console_init(const struct boot_uart *uart);
/* Write bytes; "\n" is sent as "\r\n". Must work before arch_console_init() where the arch has a fixed UART. */
void arch_console_write(const char *s, size_t n);

#endif
