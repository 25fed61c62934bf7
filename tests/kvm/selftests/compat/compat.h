/* Forced include (-include) for Linux 6.1.y KVM selftests: dirty_log_test.c of the stable tree uses
 * TEST_ASSERT_EQ, which its own test_util.h only gained in 6.5. Macros expand at the use site, so
 * TEST_ASSERT may be defined after this header. */
#ifndef KEEL_SELFTEST_COMPAT_H
#define KEEL_SELFTEST_COMPAT_H

#ifndef TEST_ASSERT_EQ
#define TEST_ASSERT_EQ(a, b)                                                            \
	do {                                                                            \
		typeof(a) __a = (a);                                                    \
		typeof(b) __b = (b);                                                    \
		TEST_ASSERT(__a == __b, "%s == %s: 0x%llx != 0x%llx", #a, #b,           \
			    (unsigned long long)__a, (unsigned long long)__b);          \
	} while (0)
#endif

#endif
