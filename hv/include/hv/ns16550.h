/* SPDX-License-Identifier: GPL-2.0 */
/* 16550 UART registers (in units of the port's register stride), shared by the consoles that drive one. */
#ifndef HV_NS16550_H
#define HV_NS16550_H

#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

#endif
