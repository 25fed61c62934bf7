// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal GDB remote-protocol client for the QEMU guest test: what gdb
 * does against `qemu-system-aarch64 -S -gdb ...` to break in a guest, with
 * nothing but the packets (the host has no gdb). Static arm64, run in the
 * host beside QEMU.
 *   gdbpoke SOCKET HW_OFF SW_OFF
 * SOCKET: QEMU's gdbstub (a unix socket); HW_OFF, SW_OFF: offsets from the
 * guest kernel's _text of two functions it runs early, with the MMU off
 * (so their addresses are where the Image was loaded plus the offset).
 * Steps the vCPU from its reset PC until it leaves QEMU's boot stub (the
 * Image's entry), stops at a hardware breakpoint at HW_OFF, then at a
 * software breakpoint at SW_OFF, removes both and detaches. One line per
 * step; the last is "gdbpoke: ok" or "gdbpoke: FAIL ...". Exit 0 on success.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fd;

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("gdbpoke: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static int getch(void)
{
	char c;

	if (read(fd, &c, 1) != 1)
		fail("the stub closed the connection");
	return (unsigned char)c;
}

/* Send $body#xx and wait for the stub's '+'. */
static void put(const char *body)
{
	char buf[512];
	unsigned sum = 0;
	int n;

	for (const char *p = body; *p; p++)
		sum += (unsigned char)*p;
	n = snprintf(buf, sizeof(buf), "$%s#%02x", body, sum & 0xff);
	if (write(fd, buf, (size_t)n) != n)
		fail("write to the stub");
	while (getch() != '+')
		;
}

/* The next packet's body (acknowledged). */
static const char *get(void)
{
	static char buf[4096];
	size_t n = 0;
	int c;

	while (getch() != '$')
		;
	while ((c = getch()) != '#')
		if (n < sizeof(buf) - 1)
			buf[n++] = (char)c;
	buf[n] = 0;
	getch();
	getch();
	if (write(fd, "+", 1) != 1)
		fail("write to the stub");
	return buf;
}

static const char *cmd(const char *body)
{
	put(body);
	return get();
}

/* A stop reply: T05 / S05 (SIGTRAP). */
static void expect_stop(const char *what)
{
	const char *r = get();

	if ((r[0] != 'T' && r[0] != 'S') || strncmp(r + 1, "05", 2))
		fail("%s: stop reply '%s'", what, r);
}

/*
 * PC from 'g' (the core registers: x0..x30, sp, pc, cpsr; 8 bytes each but
 * cpsr, little endian in hex): 'p' needs the XML target description first.
 */
static unsigned long long pc(void)
{
	const char *r = cmd("g");
	unsigned long long v = 0;

	if (strlen(r) < 33 * 16)
		fail("reading the registers: '%.40s'", r);
	for (int i = 7; i >= 0; i--) {
		unsigned b;

		sscanf(r + 32 * 16 + 2 * i, "%2x", &b);
		v = (v << 8) | b;
	}
	return v;
}

static void ok_cmd(const char *body)
{
	const char *r = cmd(body);

	if (strcmp(r, "OK"))
		fail("'%s': '%s'", body, r);
}

/* Z<type>: a breakpoint at addr; continue; the stop must be there; z<type>: removed. */
static void break_at(int type, unsigned long long addr, const char *what)
{
	unsigned long long p;
	char buf[64];

	snprintf(buf, sizeof(buf), "Z%d,%llx,4", type, addr);
	ok_cmd(buf);
	put("c");
	expect_stop(what);
	if ((p = pc()) != addr)
		fail("stopped at 0x%llx, not at the %s 0x%llx", p, what, addr);
	printf("gdbpoke: %s hit at 0x%llx\n", what, addr);
	buf[0] = 'z';
	ok_cmd(buf);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned long long pc0, entry = 0, p;
	int i;

	if (argc != 4)
		fail("usage: gdbpoke SOCKET HW_OFF SW_OFF");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	for (i = 0; i < 100 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)); i++)
		usleep(100000);
	if (i == 100)
		fail("no gdbstub at %s", argv[1]);
	put("?");
	expect_stop("the stopped VM");
	pc0 = pc();
	printf("gdbpoke: stopped at reset, PC 0x%llx\n", pc0);
	for (i = 0; i < 64; i++) {
		put("s");
		expect_stop("a single step");
		p = pc();
		if (p < pc0 || p >= pc0 + 0x1000) {
			entry = p;
			break;
		}
	}
	if (!entry)
		fail("64 single steps from 0x%llx did not leave the boot stub", pc0);
	printf("gdbpoke: %d single steps to the kernel's entry at 0x%llx\n", i + 1, entry);
	break_at(1, entry + strtoull(argv[2], NULL, 0), "hardware breakpoint");
	break_at(0, entry + strtoull(argv[3], NULL, 0), "software breakpoint");
	ok_cmd("D");
	printf("gdbpoke: ok\n");
	return 0;
}
