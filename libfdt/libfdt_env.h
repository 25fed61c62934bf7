/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libfdt's environment for keel: freestanding, no libc. Replaces upstream's
 * libfdt_env.h (see libfdt.mk); found first because upstream's is removed
 * from the extracted sources. DT cells are big-endian: swapped with compiler
 * builtins on little-endian CPUs.
 */
#ifndef LIBFDT_ENV_H
#define LIBFDT_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hv/string.h>

/*
 * libfdt wants INT_MAX from <limits.h>. Not included: a cross compiler
 * without its target libc (mips64el here) resolves <limits.h> to the build
 * machine's glibc header. The compiler's own macro is the same value.
 */
#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif

typedef uint16_t fdt16_t;
typedef uint32_t fdt32_t;
typedef uint64_t fdt64_t;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FDT_BE16(x) (x)
#define FDT_BE32(x) (x)
#define FDT_BE64(x) (x)
#else
#define FDT_BE16(x) __builtin_bswap16(x)
#define FDT_BE32(x) __builtin_bswap32(x)
#define FDT_BE64(x) __builtin_bswap64(x)
#endif

static inline uint16_t fdt16_to_cpu(fdt16_t x) { return FDT_BE16(x); }
static inline fdt16_t cpu_to_fdt16(uint16_t x) { return FDT_BE16(x); }
static inline uint32_t fdt32_to_cpu(fdt32_t x) { return FDT_BE32(x); }
static inline fdt32_t cpu_to_fdt32(uint32_t x) { return FDT_BE32(x); }
static inline uint64_t fdt64_to_cpu(fdt64_t x) { return FDT_BE64(x); }
static inline fdt64_t cpu_to_fdt64(uint64_t x) { return FDT_BE64(x); }

#endif
