/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ARCH_MIPS_MM_H
#define ARCH_MIPS_MM_H

#include <stdint.h>

/* keel's software page-table entry (MIPS has no hardware walker): see arch/mips/mm.c. */
typedef uint64_t pte_t;

#endif
