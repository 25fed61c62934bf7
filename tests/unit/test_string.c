// SPDX-License-Identifier: GPL-2.0
/* hv/src/string.c, built with its functions renamed hv_* (see unit.mk), against libc. */
#include "test_util.h"

void *hv_memcpy(void *dst, const void *src, size_t n);
void *hv_memmove(void *dst, const void *src, size_t n);
void *hv_memset(void *dst, int c, size_t n);
int hv_memcmp(const void *a, const void *b, size_t n);
void *hv_memchr(const void *s, int c, size_t n);
size_t hv_strlen(const char *s);
size_t hv_strnlen(const char *s, size_t max);
int hv_strcmp(const char *a, const char *b);
int hv_strncmp(const char *a, const char *b, size_t n);
char *hv_strchr(const char *s, int c);
char *hv_strrchr(const char *s, int c);

#define BUF 256
#define MAXN 150 /* past the 64-byte unrolled loop, from every relative alignment */

static int sign(int v) { return (v > 0) - (v < 0); }

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

/* Every alignment of source and destination (8, 4 or 1 apart), every length up to MAXN bytes. */
static void test_memcpy(void **state)
{
	_Alignas(16) unsigned char src[BUF], a[BUF], b[BUF];

	(void)state;
	fill(src, BUF, 1);
	for (size_t so = 0; so < 9; so++)
		for (size_t dof = 0; dof < 9; dof++)
			for (size_t n = 0; n <= MAXN; n++) {
				memset(a, 0xee, BUF);
				memset(b, 0xee, BUF);
				assert_ptr_equal(hv_memcpy(a + dof, src + so, n), a + dof);
				memcpy(b + dof, src + so, n);
				assert_memory_equal(a, b, BUF);
			}
}

static void test_memmove_overlap(void **state)
{
	_Alignas(16) unsigned char a[BUF], b[BUF];

	(void)state;
	for (size_t from = 0; from < 20; from++)
		for (size_t to = 0; to < 20; to++)
			for (size_t n = 0; n <= MAXN; n++) {
				fill(a, BUF, 3);
				fill(b, BUF, 3);
				assert_ptr_equal(hv_memmove(a + to, a + from, n), a + to);
				memmove(b + to, b + from, n);
				assert_memory_equal(a, b, BUF);
			}
}

static void test_memset(void **state)
{
	unsigned char a[BUF], b[BUF];

	(void)state;
	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n <= 40; n++) {
			memset(a, 0x11, BUF);
			memset(b, 0x11, BUF);
			/* Only the low byte of c counts. */
			assert_ptr_equal(hv_memset(a + off, 0x1a5, n), a + off);
			memset(b + off, 0xa5, n);
			assert_memory_equal(a, b, BUF);
		}
}

static void test_memcmp_memchr(void **state)
{
	(void)state;
	assert_int_equal(hv_memcmp("abc", "abc", 3), 0);
	assert_int_equal(hv_memcmp("abc", "abd", 2), 0);
	assert_true(hv_memcmp("abc", "abd", 3) < 0);
	/* Bytes compare as unsigned. */
	assert_true(hv_memcmp("\x80", "\x01", 1) > 0);
	assert_int_equal(hv_memcmp(NULL, NULL, 0), 0);

	const char *s = "hello\0world";
	assert_ptr_equal(hv_memchr(s, 'o', 11), s + 4);
	assert_ptr_equal(hv_memchr(s, 'w', 11), s + 6);
	assert_ptr_equal(hv_memchr(s, '\0', 11), s + 5);
	assert_null(hv_memchr(s, 'w', 6));
	/* c is converted to unsigned char. */
	const char *ff = "\xff";
	assert_ptr_equal(hv_memchr(ff, 0xff, 1), ff);
	assert_ptr_equal(hv_memchr(ff, -1, 1), ff);
}

static void test_strlen(void **state)
{
	(void)state;
	assert_int_equal(hv_strlen(""), 0);
	assert_int_equal(hv_strlen("keel"), 4);
	assert_int_equal(hv_strnlen("keel", 2), 2);
	assert_int_equal(hv_strnlen("keel", 10), 4);
	assert_int_equal(hv_strnlen("keel", 0), 0);
	/* strnlen must not read past max. */
	char unterminated[3] = { 'a', 'b', 'c' };
	assert_int_equal(hv_strnlen(unterminated, sizeof(unterminated)), 3);
}

static void test_strcmp(void **state)
{
	static const char *const s[] = { "", "a", "ab", "abc", "abd", "b", "\x80", "A" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(s); i++)
		for (size_t j = 0; j < ARRAY_SIZE(s); j++) {
			assert_int_equal(sign(hv_strcmp(s[i], s[j])), sign(strcmp(s[i], s[j])));
			for (size_t n = 0; n < 5; n++)
				assert_int_equal(sign(hv_strncmp(s[i], s[j], n)),
						 sign(strncmp(s[i], s[j], n)));
		}
}

static void test_strchr(void **state)
{
	const char *s = "a/b/c";

	(void)state;
	assert_ptr_equal(hv_strchr(s, '/'), s + 1);
	assert_ptr_equal(hv_strrchr(s, '/'), s + 3);
	assert_ptr_equal(hv_strchr(s, 'a'), s);
	assert_ptr_equal(hv_strrchr(s, 'a'), s);
	assert_null(hv_strchr(s, 'x'));
	assert_null(hv_strrchr(s, 'x'));
	/* The terminator is part of the string. */
	assert_ptr_equal(hv_strchr(s, '\0'), s + 5);
	assert_ptr_equal(hv_strrchr(s, '\0'), s + 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy),
		cmocka_unit_test(test_memmove_overlap),
		cmocka_unit_test(test_memset),
		cmocka_unit_test(test_memcmp_memchr),
		cmocka_unit_test(test_strlen),
		cmocka_unit_test(test_strcmp),
		cmocka_unit_test(test_strchr),
	};

	return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
