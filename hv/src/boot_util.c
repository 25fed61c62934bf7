// SPDX-License-Identifier: GPL-2.0
/* Helpers on struct boot_info shared by every arch's boot path. */
#include <hv/arch/cpu.h>
#include <hv/boot.h>
#include <hv/printf.h>

uint64_t boot_mem_total(const struct boot_info *bi)
{
	uint64_t total = 0;
	unsigned i;

	for (i = 0; i < bi->nr_mem; i++)
		total += bi->mem[i].size;
	return total;
}

bool boot_range_in_ram(const struct boot_info *bi, uint64_t base, uint64_t size)
{
	unsigned i;

	if (!size || base + size - 1 < base)
		return false;
	for (i = 0; i < bi->nr_mem; i++)
		if (base >= bi->mem[i].base && base + size - 1 <= range_end(&bi->mem[i]) - 1)
			return true;
	return false;
}

void boot_fail(const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Callers may or may not end the message with a newline. */
	if (n > 0 && (size_t)n < sizeof(msg) && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	hv_printf("keel: boot failed: %s\n", msg);
	arch_system_off();
	arch_cpu_halt();
}
