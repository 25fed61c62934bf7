/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ARCH_FAKE_MM_H
#define ARCH_FAKE_MM_H

#include <stdint.h>

/*
 * The fake arch's entry format (arch/fake/mm.c), deliberately unlike any
 * real one so that core code relying on an encoding fails its host tests:
 * an all-zero entry is *valid*, a leaf records its level and stage, and the
 * canonical invalid entry is not zero.
 */
typedef uint64_t pte_t;

#endif
