// SPDX-License-Identifier: GPL-2.0
/*
 * Formatted output. Supported: %c %s %d %i %u %x %X %p %%, the length
 * modifiers l, ll and z, a field width (digits or *), the '0' and '-' flags,
 * and a precision for %s (".N" or ".*"). Anything else is printed verbatim.
 */
#include <hv/arch/console.h>
#include <hv/arch/cpu.h>
#include <hv/printf.h>
#include <hv/spinlock.h>
#include <hv/string.h>

#define PRINTF_LINE 256

static struct spinlock console_lock = SPINLOCK_INIT;

struct out {
	char *buf;
	size_t size;
	size_t len; /* what the whole output needs, even past size */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, unsigned width, bool left, char pad)
{
	size_t i;

	if (!left)
		for (i = n; i < width; i++)
			put(o, pad);
	for (i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		for (i = n; i < width; i++)
			put(o, ' ');
}

static void put_number(struct out *o, unsigned long long v, bool neg, unsigned base, bool upper,
		       const char *prefix, unsigned width, bool left, bool zero)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0, plen = strlen(prefix), i;
	unsigned total;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		plen++;
	total = n + plen;
	if (!left && !zero)
		for (; total < width; total++)
			put(o, ' ');
	if (neg)
		put(o, '-');
	for (i = 0; prefix[i]; i++)
		put(o, prefix[i]);
	if (!left && zero)
		for (; total < width; total++)
			put(o, '0');
	while (n)
		put(o, tmp[--n]);
	if (left)
		for (; total < width; total++)
			put(o, ' ');
}

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		bool left = false, zero = false;
		unsigned width = 0;
		int prec = -1, lng = 0;
		const char *spec = fmt;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = true;
			else
				zero = true;
		}
		if (*fmt == '*') {
			int w = va_arg(ap, int);

			if (w < 0) {
				left = true;
				w = -w;
			}
			width = w;
			fmt++;
		} else {
			for (; *fmt >= '0' && *fmt <= '9'; fmt++)
				width = width * 10 + (*fmt - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				for (; *fmt >= '0' && *fmt <= '9'; fmt++)
					prec = prec * 10 + (*fmt - '0');
			}
		}
		if (*fmt == 'z') {
			lng = 3;
			fmt++;
		} else {
			for (; *fmt == 'l' && lng < 2; fmt++)
				lng++;
		}

		switch (*fmt) {
		case 'c':
			put_padded(&o, &(char){ (char)va_arg(ap, int) }, 1, width, left, ' ');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			put_padded(&o, s, prec >= 0 ? strnlen(s, prec) : strlen(s), width, left, ' ');
			break;
		}
		case 'd':
		case 'i': {
			long long v = lng == 0 ? va_arg(ap, int) :
				      lng == 1 ? va_arg(ap, long) :
				      lng == 2 ? va_arg(ap, long long) :
						 (long long)va_arg(ap, size_t);
			unsigned long long mag = v < 0 ? -(unsigned long long)v : (unsigned long long)v;

			put_number(&o, mag, v < 0, 10, false, "", width, left, zero);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			unsigned long long v = lng == 0 ? va_arg(ap, unsigned int) :
					       lng == 1 ? va_arg(ap, unsigned long) :
					       lng == 2 ? va_arg(ap, unsigned long long) :
							  va_arg(ap, size_t);

			put_number(&o, v, false, *fmt == 'u' ? 10 : 16, *fmt == 'X', "", width, left, zero);
			break;
		}
		case 'p':
			put_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x", width, left,
				   zero);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown conversion: show it as written rather than guess at varargs. */
			if (!*fmt)
				fmt--;
			for (; spec <= fmt; spec++)
				put(&o, *spec);
			break;
		}
	}
	if (size)
		buf[MIN(o.len, size - 1)] = '\0';
	return o.len > (size_t)__INT_MAX__ ? __INT_MAX__ : (int)o.len;
}

int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void console_put(const char *buf, int n)
{
	static const char trunc[] = "[...]\n";

	if (n < PRINTF_LINE) {
		arch_console_write(buf, n);
	} else {
		/* Longer than a line: say so rather than lose the end silently. */
		arch_console_write(buf, PRINTF_LINE - 1);
		arch_console_write(trunc, sizeof(trunc) - 1);
	}
}

void hv_printf(const char *fmt, ...)
{
	char buf[PRINTF_LINE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	spin_lock(&console_lock);
	console_put(buf, n);
	spin_unlock(&console_lock);
}

void hv_panic(const char *fmt, ...)
{
	char buf[PRINTF_LINE];
	va_list ap;
	int n;

	n = hv_snprintf(buf, sizeof(buf), "keel PANIC (cpu %u): ", arch_cpu_index());
	va_start(ap, fmt);
	n += hv_vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n < PRINTF_LINE - 1 && buf[n - 1] != '\n') {
		buf[n++] = '\n';
		buf[n] = '\0';
	}
	/*
	 * No console lock: the panicking CPU may be the one holding it, and a
	 * garbled last line beats a silent hang.
	 */
	console_put(buf, n);
	arch_cpu_halt();
}
