// SPDX-License-Identifier: GPL-2.0
/*
 * The fake arch: keel's arch contract as a host process, for unit tests.
 * One CPU, a console that is a buffer, a halt that tests can catch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/fake.h>
#include <hv/arch/console.h>
#include <hv/arch/cpu.h>
#include <hv/arch/spinlock.h>
#include <hv/arch/virt.h>
#include <hv/boot.h>
#include <hv/errno.h>

static char console_buf[64 * 1024];
static size_t console_len;

unsigned long fake_system_off_calls;
unsigned fake_cpu;
jmp_buf fake_halt_jmp;
volatile bool fake_halt_armed;
unsigned long fake_halts;

static struct spinlock *held[64];
static unsigned nr_held;

const char *fake_console_output(void) { return console_buf; }

void fake_console_reset(void)
{
	console_len = 0;
	console_buf[0] = '\0';
}

void fake_reset_counters(void)
{
	fake_tlb_flushes = 0;
	fake_tlb_last_ia = fake_tlb_last_size = 0;
	fake_pte_writes = 0;
	fake_bbm_violations = 0;
	fake_system_off_calls = 0;
	fake_halts = 0;
}

int arch_console_init(const struct boot_uart *uart)
{
	return uart && uart->kind != UART_NONE ? 0 : -ENODEV;
}

void arch_console_write(const char *s, size_t n)
{
	static int verbose = -1;
	size_t room = sizeof(console_buf) - 1 - console_len;

	if (verbose < 0)
		verbose = getenv("KEEL_TEST_VERBOSE") != NULL;
	if (verbose) {
		fwrite(s, 1, n, stdout);
		fflush(stdout);
	}
	memcpy(console_buf + console_len, s, MIN(n, room));
	console_len += MIN(n, room);
	console_buf[console_len] = '\0';
}

const char *arch_name(void) { return "fake"; }
const char *arch_privilege_name(void) { return "host process"; }
unsigned arch_cpu_index(void) { return fake_cpu; }

void arch_cpu_halt(void)
{
	fake_halts++;
	if (fake_halt_armed) {
		fake_halt_armed = false;
		/* The halted CPU never releases its locks; the test goes on without it. */
		while (nr_held)
			held[--nr_held]->held = 0;
		longjmp(fake_halt_jmp, 1);
	}
	fprintf(stderr, "fake arch: CPU halted outside an expected panic; console:\n%s\n", console_buf);
	abort();
}

void arch_system_off(void) { fake_system_off_calls++; }

void arch_spin_lock(struct spinlock *l)
{
	if (l->held) {
		fprintf(stderr, "fake arch: self-deadlock on spinlock %p\n", (void *)l);
		abort();
	}
	if (nr_held == ARRAY_SIZE(held)) {
		fprintf(stderr, "fake arch: too many spinlocks held\n");
		abort();
	}
	l->held = 1;
	held[nr_held++] = l;
}

void arch_spin_unlock(struct spinlock *l)
{
	unsigned i;

	if (!l->held) {
		fprintf(stderr, "fake arch: unlocking spinlock %p that is not held\n", (void *)l);
		abort();
	}
	l->held = 0;
	for (i = 0; i < nr_held; i++)
		if (held[i] == l) {
			held[i] = held[--nr_held];
			break;
		}
}

unsigned fake_locks_held(void) { return nr_held; }

int arch_virt_probe(void) { return 0; }

int arch_host_launch(struct boot_info *bi)
{
	(void)bi;
	return -ENOSYS;
}
