/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ARCH_MIPS_SPINLOCK_H
#define ARCH_MIPS_SPINLOCK_H

#include <stdint.h>

/*
 * Ticket lock in one 32-bit word so LL/SC can take a ticket atomically:
 * owner ("now serving") in the low half, next ticket in the high half
 * (little-endian layout: owner is the halfword at offset 0).
 */
struct spinlock {
	union {
		volatile uint32_t word;
		struct {
			volatile uint16_t owner;
			volatile uint16_t next;
		} h;
	};
};

#define SPINLOCK_INIT { { 0 } }

#endif
