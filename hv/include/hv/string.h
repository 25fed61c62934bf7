/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C string functions keel provides itself (hv/src/string.c) because it has
 * no libc; libfdt and the compiler call them by these names. Host unit tests
 * link libc's instead. Prefixed path (<hv/string.h>) so it never shadows libc.
 */
#ifndef HV_STRING_H
#define HV_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

#endif
