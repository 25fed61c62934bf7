/* SPDX-License-Identifier: GPL-2.0 */
/* Arch contract: spinlocks. arch/<arch>/include/arch/spinlock.h defines struct spinlock. */
#ifndef HV_ARCH_SPINLOCK_H
#define HV_ARCH_SPINLOCK_H

#include <arch/spinlock.h>

void arch_spin_lock(struct spinlock *l);
void arch_spin_unlock(struct spinlock *l);

#endif
