/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ARCH_X86_SPINLOCK_H
#define ARCH_X86_SPINLOCK_H

#include <stdint.h>

/* Ticket lock: fair; a locked XADD takes a ticket, the holder bumps owner. */
struct spinlock {
	volatile uint16_t owner;
	volatile uint16_t next;
};

#define SPINLOCK_INIT { 0, 0 }

#endif
