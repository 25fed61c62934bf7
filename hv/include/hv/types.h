/* SPDX-License-Identifier: GPL-2.0 */
/* Basic types of the keel core. Freestanding: only compiler-provided headers. */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (a) - 1, (a))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define BIT(n) (1ULL << (n))

#define __noreturn __attribute__((noreturn))
#define __unused __attribute__((unused))
#define __aligned(n) __attribute__((aligned(n)))
#define __section(s) __attribute__((section(s)))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/*
 * Addresses of different spaces are distinct one-member structs so that a
 * physical address cannot silently be used as an intermediate (guest) one.
 */
typedef struct { uint64_t pa; } paddr_t;
typedef struct { uint64_t ipa; } ipaddr_t;

static inline paddr_t pa_init(uint64_t a) { return (paddr_t){ a }; }
static inline uint64_t pa_addr(paddr_t p) { return p.pa; }
static inline paddr_t pa_add(paddr_t p, uint64_t n) { return (paddr_t){ p.pa + n }; }
static inline ipaddr_t ipa_init(uint64_t a) { return (ipaddr_t){ a }; }
static inline uint64_t ipa_addr(ipaddr_t i) { return i.ipa; }

/*
 * keel maps its own memory 1:1 (VA == PA) at every privilege level it runs
 * in, and the host unit tests hand it malloc'ed memory whose pointers are the
 * "physical" addresses; so conversion is a cast on every arch.
 */
static inline void *pa_to_ptr(paddr_t p) { return (void *)(uintptr_t)p.pa; }
static inline paddr_t ptr_to_pa(const void *v) { return (paddr_t){ (uintptr_t)v }; }

/* [base, base + size): a physical range. */
struct mem_range {
	uint64_t base;
	uint64_t size;
};

static inline uint64_t range_end(const struct mem_range *r) { return r->base + r->size; }
static inline bool ranges_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

#endif
