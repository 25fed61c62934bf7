// SPDX-License-Identifier: GPL-2.0
/* hv_vsnprintf formats and truncation, hv_printf/hv_panic/boot_fail on the fake console. */
#include <limits.h>

#include "test_util.h"

#include <hv/boot.h>
#include <hv/printf.h>

/* Formats the compiler must not check (deliberately unsupported conversions). */
static int fmt_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#define CHECK(expect, ...)                                                   \
	do {                                                                 \
		char b_[128];                                                \
		int n_ = hv_snprintf(b_, sizeof(b_), __VA_ARGS__);           \
		assert_string_equal(b_, expect);                             \
		assert_int_equal(n_, strlen(expect));                        \
	} while (0)

static void test_integers(void **state)
{
	(void)state;
	CHECK("0 1 -1 42", "%d %i %d %d", 0, 1, -1, 42);
	CHECK("-2147483648 2147483647", "%d %d", INT_MIN, INT_MAX);
	CHECK("4294967295", "%u", UINT_MAX);
	CHECK("dead BEEF", "%x %X", 0xdeadu, 0xbeefu);
	CHECK("ffffffffffffffff", "%llx", ~0ULL);
	CHECK("-9223372036854775808", "%lld", LLONG_MIN);
	CHECK("18446744073709551615", "%llu", ULLONG_MAX);
	CHECK("123456789abc", "%lx", 0x123456789abcUL);
	CHECK("-5 5", "%ld %lu", -5L, 5UL);
	CHECK("4096 1000", "%zu %zx", (size_t)4096, (size_t)4096);
	CHECK("0x1000 0x0", "%p %p", (void *)0x1000, (void *)0);
}

static void test_width_flags(void **state)
{
	(void)state;
	CHECK("   42|42   |00042", "%5d|%-5d|%05d", 42, 42, 42);
	CHECK("-0042|  -42", "%05d|%5d", -42, -42);
	CHECK("0000beef", "%08x", 0xbeefu);
	CHECK("00000000deadbeef", "%016llx", 0xdeadbeefULL);
	CHECK("  x|x  ", "%3c|%-3c", 'x', 'x');
	CHECK("   ab|ab   |", "%5s|%-5s|", "ab", "ab");
	CHECK("   42|42   |", "%*d|%*d|", 5, 42, -5, 42);
	CHECK("123456", "%3d", 123456);
}

static void test_strings_chars(void **state)
{
	(void)state;
	CHECK("keel", "%s", "keel");
	CHECK("ke|ke", "%.2s|%.*s", "keel", 2, "keel");
	CHECK("", "%s", "");
	CHECK("a%b", "a%%b");
	CHECK("c=A", "c=%c", 'A');
}

static void test_unsupported(void **state)
{
	char b[64];

	(void)state;
	/* Shown as written; no argument consumed. */
	assert_int_equal(fmt_unchecked(b, sizeof(b), "[%q]"), 4);
	assert_string_equal(b, "[%q]");
	fmt_unchecked(b, sizeof(b), "%q%d", 7);
	assert_string_equal(b, "%q7");
	fmt_unchecked(b, sizeof(b), "end%");
	assert_string_equal(b, "end%");
	fmt_unchecked(b, sizeof(b), "end%l");
	assert_string_equal(b, "end%l");

	/* Combinations the compiler warns about, still handled sensibly. */
	fmt_unchecked(b, sizeof(b), "%-05d|", 7);
	assert_string_equal(b, "7    |");
	fmt_unchecked(b, sizeof(b), "%010p", (void *)0x1000);
	assert_string_equal(b, "0x00001000");
	fmt_unchecked(b, sizeof(b), "%s", (char *)NULL);
	assert_string_equal(b, "(null)");
}

static void test_truncation(void **state)
{
	char b[8];

	(void)state;
	memset(b, 'x', sizeof(b));
	/* C99 semantics: the full length is returned, the buffer is always terminated. */
	assert_int_equal(hv_snprintf(b, sizeof(b), "%s", "0123456789"), 10);
	assert_string_equal(b, "0123456");
	assert_int_equal(hv_snprintf(b, 1, "%d", 12345), 5);
	assert_string_equal(b, "");
	memset(b, 'x', sizeof(b));
	assert_int_equal(hv_snprintf(b, 0, "%d", 12345), 5);
	assert_int_equal(b[0], 'x');
	assert_int_equal(hv_snprintf(NULL, 0, "%s-%d", "ab", 7), 4);
	assert_int_equal(hv_snprintf(b, sizeof(b), "%08x", 0x12u), 8);
	assert_string_equal(b, "0000001");
}

static void test_printf_console(void **state)
{
	char longline[400];

	(void)state;
	fake_console_reset();
	hv_printf("hello %s %d\n", "keel", 1);
	assert_string_equal(fake_console_output(), "hello keel 1\n");
	assert_int_equal(fake_locks_held(), 0);

	/* Longer than the line buffer: cut, and marked as cut. */
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	fake_console_reset();
	hv_printf("%s\n", longline);
	assert_int_equal(strlen(fake_console_output()), 255 + strlen("[...]\n"));
	assert_non_null(strstr(fake_console_output(), "aaaa[...]\n"));
}

static void test_panic(void **state)
{
	(void)state;
	fake_cpu = 3;
	fake_halts = 0;
	EXPECT_PANIC(hv_panic("broken %s %d", "invariant", 7),
		     "keel PANIC (cpu 3): broken invariant 7\n");
	assert_int_equal(fake_halts, 1);
	/* An existing newline is not doubled. */
	EXPECT_PANIC(hv_panic("x\n"), "keel PANIC (cpu 3): x\n");
	assert_string_equal(fake_console_output(), "keel PANIC (cpu 3): x\n");
	/* HV_ASSERT says what and where. */
	EXPECT_PANIC(HV_ASSERT(1 + 1 == 3), "assertion failed: 1 + 1 == 3 at");
	fake_cpu = 0;
}

static void test_boot_fail(void **state)
{
	(void)state;
	fake_system_off_calls = 0;
	EXPECT_PANIC(boot_fail("no DT: %s", "bad magic"), "keel: boot failed: no DT: bad magic\n");
	assert_int_equal(fake_system_off_calls, 1);
	EXPECT_PANIC(boot_fail("with newline\n"), "keel: boot failed: with newline\n");
	assert_string_equal(fake_console_output(), "keel: boot failed: with newline\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_width_flags),
		cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_printf_console),
		cmocka_unit_test(test_panic),
		cmocka_unit_test(test_boot_fail),
	};

	return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
