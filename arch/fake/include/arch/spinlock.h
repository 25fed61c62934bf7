/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ARCH_FAKE_SPINLOCK_H
#define ARCH_FAKE_SPINLOCK_H

/* Single-threaded host tests: a lock is a flag, taking a held one is a bug (self-deadlock). */
struct spinlock {
	int held;
};

#define SPINLOCK_INIT { 0 }

#endif
