/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HV_PRINTF_H
#define HV_PRINTF_H

#include <hv/types.h>

/* %c %s %d %i %u %x %X %p %% with l/ll/z modifiers, width, '0' and '-' flags. */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
/* Formats into a line buffer and writes it to the console under the console lock. */
void hv_printf(const char *fmt, ...) __printf(1, 2);

/* Print and stop this CPU for good: only for broken invariants and fatal boot input. */
void __noreturn hv_panic(const char *fmt, ...) __printf(1, 2);

#define HV_ASSERT(c)                                                              \
	do {                                                                        \
		if (!(c))                                                           \
			hv_panic("assertion failed: %s at %s:%d\n", #c, __FILE__, __LINE__); \
	} while (0)

#endif
