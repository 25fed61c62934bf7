/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ARCH_ARM64_MM_H
#define ARCH_ARM64_MM_H

#include <stdint.h>

/* VMSAv8-64 descriptor, 4 KiB granule. */
typedef uint64_t pte_t;

#endif
