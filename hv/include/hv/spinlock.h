/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Locks. Functions that expect a lock to be held end in _locked. Lock order
 * (outer first): vm_table_lock, vm->lock, owner_lock, page pool lock,
 * console lock.
 */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <hv/arch/spinlock.h>

static inline void spin_lock(struct spinlock *l) { arch_spin_lock(l); }
static inline void spin_unlock(struct spinlock *l) { arch_spin_unlock(l); }

#endif
