// SPDX-License-Identifier: GPL-2.0
/*
 * The host's second-stage faults, for SVM and VMX alike. A store to its
 * local APIC page, which keel maps read-only (apic.c says why), is carried
 * out: keel reads the instruction through the host's own page tables,
 * decodes it (emulate.c) and performs the store on this CPU's APIC. A
 * fault on host memory met a change to the table and is retried, as on
 * arm64 (hv/src/host.c). Any other fault touched keel's own memory: the
 * host gets #GP(0), as for an access that cannot complete, and keel says
 * so now and then.
 */
#include <arch/emulate.h>
#include <arch/x86.h>
#include <hv/errno.h>
#include <hv/host.h>
#include <hv/printf.h>
#include <hv/string.h>

#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define LOW_4G (1ULL << 32)

/* The host's virtual address va through its own 4-level page tables (long mode), -EFAULT if unmapped. */
static int host_translate(uint64_t cr3, uint64_t efer, uint64_t va, uint64_t *pa)
{
	uint64_t table = cr3 & PTE_ADDR_MASK, e = 0;

	if (!(efer & EFER_LMA))
		return -EFAULT;
	for (int level = 3; level >= 0; level--) {
		if (table >= LOW_4G)
			return -EFAULT; /* keel reaches the low 4 GiB only */
		e = ((const uint64_t *)phys_ptr(table))[(va >> (12 + 9 * level)) & 511];
		if (!(e & 1))
			return -EFAULT;
		if (level && level < 3 && (e & BIT(7))) { /* a 1 GiB or 2 MiB page */
			uint64_t size = 1ULL << (12 + 9 * level);

			*pa = (e & PTE_ADDR_MASK & ~(size - 1)) | (va & (size - 1));
			return 0;
		}
		table = e & PTE_ADDR_MASK;
	}
	*pa = table | (va & 0xfff);
	return 0;
}

/* Up to n bytes of the host's instruction at linear address ip (a page boundary may cut it short). */
static unsigned fetch_insn(const struct x86_host_view *h, uint8_t *buf, unsigned n)
{
	uint64_t pa;
	unsigned got = 0;

	while (got < n && !host_translate(h->cr3, h->efer, h->ip + got, &pa) && pa < LOW_4G) {
		unsigned chunk = MIN(n - got, (unsigned)(PAGE_SIZE - (pa & (PAGE_SIZE - 1))));

		memcpy(buf + got, phys_ptr(pa), chunk);
		got += chunk;
	}
	return got;
}

int x86_host_stage2_fault(unsigned cpu, uint64_t gpa, bool write, bool fetch, const struct x86_host_view *h,
			  uint64_t r[X86_NR_GPRS])
{
	static unsigned reported;
	uint8_t insn[15];
	struct x86_store st;
	unsigned n;

	if ((gpa & ~0xfffULL) != x86_lapic_base || !write || fetch) {
		/* Host memory after all: caught in a change (break-before-make) or a block keel folds back. */
		if ((gpa & ~0xfffULL) != x86_lapic_base && host_stage2_fault(gpa))
			return 0;
		if (reported < 10) {
			reported++;
			hv_printf("keel: the host %s 0x%llx (keel's memory) at RIP 0x%llx: #GP injected\n",
				  fetch ? "fetched from" : write ? "wrote to" : "read", (unsigned long long)gpa,
				  (unsigned long long)h->ip);
		}
		return -EFAULT;
	}
	n = fetch_insn(h, insn, sizeof(insn));
	if (x86_decode_store(insn, n, r, &st) || st.size != 4 || (gpa & 3))
		return -EINVAL;
	if (st.xchg_reg >= 0)
		r[st.xchg_reg] = x86_apic_read(gpa & 0xfff);
	x86_apic_host_store(cpu, gpa & 0xfff, (uint32_t)st.value);
	return (int)st.len;
}
