/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ARCH_X86_MM_H
#define ARCH_X86_MM_H

#include <stdint.h>

/* An x86-64 long-mode paging entry (PT_STAGE_HYP) or an EPT entry (PT_STAGE_GUEST). */
typedef uint64_t pte_t;

#endif
