// SPDX-License-Identifier: GPL-2.0
/*
 * keel's C string functions (no libc). GCC may emit calls to memcpy, memset,
 * memmove and memcmp on its own, even with -ffreestanding.
 */
#include <hv/string.h>
#include <hv/types.h>

/*
 * Without this GCC recognises the loops below as memset/memcpy and turns
 * them into calls to themselves.
 */
#define __no_libcall __attribute__((optimize("no-tree-loop-distribute-patterns")))

/*
 * Word accesses for the bulk of buffers whose offsets agree modulo the word
 * (page zeroing, table and context copies), 32-bit ones where they agree
 * only modulo 4: libfdt moves 4-byte aligned blobs by 4-byte multiples at
 * every property or node it inserts.
 */
typedef unsigned long __attribute__((may_alias)) word_t;
typedef uint32_t __attribute__((may_alias)) u32_t;
#define WORD sizeof(word_t)

/* The widest unit both d and s can be aligned to at once: 8, 4 or 1. */
static size_t copy_unit(uintptr_t d, uintptr_t s)
{
	return !((d - s) % WORD) ? WORD : !((d - s) % 4) ? 4 : 1;
}

__no_libcall void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	size_t unit = copy_unit((uintptr_t)d, (uintptr_t)s);

	for (; n && !IS_ALIGNED((uintptr_t)d, unit); n--)
		*d++ = *s++;
	if (unit == WORD) {
		/* Eight words a turn (four load/store pairs): parts of a vCPU context page cross at every guest exit. */
		for (; n >= 8 * WORD; n -= 8 * WORD, d += 8 * WORD, s += 8 * WORD) {
			const word_t *sw = (const word_t *)s;
			word_t *dw = (word_t *)d;
			word_t w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3], w4 = sw[4], w5 = sw[5], w6 = sw[6],
			       w7 = sw[7];

			dw[0] = w0;
			dw[1] = w1;
			dw[2] = w2;
			dw[3] = w3;
			dw[4] = w4;
			dw[5] = w5;
			dw[6] = w6;
			dw[7] = w7;
		}
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(word_t *)d = *(const word_t *)s;
	} else if (unit == 4) {
		for (; n >= 4; n -= 4, d += 4, s += 4)
			*(u32_t *)d = *(const u32_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

__no_libcall void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	size_t unit;

	if (d == s || !n)
		return dst;
	/* Copying forwards is safe unless dst starts inside src. */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return memcpy(dst, src, n);
	d += n;
	s += n;
	unit = copy_unit((uintptr_t)d, (uintptr_t)s);
	for (; n && !IS_ALIGNED((uintptr_t)d, unit); n--)
		*--d = *--s;
	if (unit == WORD) {
		for (; n >= 2 * WORD; n -= 2 * WORD) {
			word_t w0, w1;

			d -= 2 * WORD;
			s -= 2 * WORD;
			w0 = ((const word_t *)s)[0];
			w1 = ((const word_t *)s)[1];
			((word_t *)d)[1] = w1;
			((word_t *)d)[0] = w0;
		}
		for (; n >= WORD; n -= WORD) {
			d -= WORD;
			s -= WORD;
			*(word_t *)d = *(const word_t *)s;
		}
	} else if (unit == 4) {
		for (; n >= 4; n -= 4) {
			d -= 4;
			s -= 4;
			*(u32_t *)d = *(const u32_t *)s;
		}
	}
	while (n--)
		*--d = *--s;
	return dst;
}

__no_libcall void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	word_t w = (unsigned char)c;

	for (; n && !IS_ALIGNED((uintptr_t)d, WORD); n--)
		*d++ = (unsigned char)c;
	if (n >= WORD) {
		w |= w << 8;
		w |= w << 16;
		w |= (w << 16) << 16; /* no-op where a word is 32 bits */
		for (; n >= WORD; n -= WORD, d += WORD)
			*(word_t *)d = w;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

__no_libcall int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

__no_libcall void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

__no_libcall size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

__no_libcall size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return *x - *y;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
		if (!*x)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}
