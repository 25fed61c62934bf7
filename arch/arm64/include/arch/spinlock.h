/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ARCH_ARM64_SPINLOCK_H
#define ARCH_ARM64_SPINLOCK_H

#include <stdint.h>

/* Ticket lock: fair, and needs only exclusive loads/stores (LSE not assumed). */
struct spinlock {
	volatile uint16_t owner;
	volatile uint16_t next;
};

#define SPINLOCK_INIT { 0, 0 }

#endif
