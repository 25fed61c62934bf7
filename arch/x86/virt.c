// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 virtualization: the report and the choice, as kvm_intel / kvm_amd
 * choose: VMX where the CPU has it (EPT and unrestricted guest are required
 * to run an unmodified host; a real VMXON proves it works, and keel stays
 * in VMX root operation), else SVM with nested paging (svm.c).
 */
#include <arch/x86.h>
#include <hv/arch/virt.h>
#include <hv/errno.h>
#include <hv/printf.h>
#include <hv/string.h>

static const char *yn(uint64_t v) { return v ? "yes" : "no"; }

/* The hypervisor we run under, if the CPU says there is one (QEMU's TCG: "TCGTCGTCGTCG"). */
static void hypervisor_vendor(char out[13])
{
	uint32_t a, b, c, d;

	out[0] = 0;
	cpuid(1, &a, &b, &c, &d);
	if (!(c & BIT(31)))
		return;
	cpuid(0x40000000, &a, &b, &c, &d);
	memcpy(out, &b, 4);
	memcpy(out + 4, &c, 4);
	memcpy(out + 8, &d, 4);
	out[12] = 0;
}

static void report_svm(void)
{
	uint32_t a = 0, b = 0, c = 0, d = 0;

	if (!x86_cpu.svm) {
		hv_printf("keel: SVM: absent\n");
		return;
	}
	if (x86_cpu.max_ext_leaf >= 0x8000000a)
		cpuid(0x8000000a, &a, &b, &c, &d);
	hv_printf("keel: SVM: present (AMD-V rev %u, %u ASIDs): nested paging %s, next-RIP save %s, "
		  "decode assists %s\n",
		  a & 0xff, b, yn(d & BIT(0)), yn(d & BIT(3)), yn(d & BIT(7)));
}

int arch_virt_probe(void)
{
	char hv[13];

	hypervisor_vendor(hv);
	hv_printf("keel: x86_64: %s family 0x%x model 0x%x stepping %u \"%s\", %u-bit physical addresses%s%s\n",
		  x86_cpu.vendor, x86_cpu.family, x86_cpu.model, x86_cpu.stepping, x86_cpu.brand,
		  x86_cpu.phys_bits, hv[0] ? ", under hypervisor " : "", hv);
	report_svm();
	if (!x86_cpu.vmx) {
		x86_privilege = "ring 0 (no VMX)";
		hv_printf("keel: VMX: absent (CPUID.1:ECX.VMX = 0%s)%s\n",
			  !strcmp(hv, "TCGTCGTCGTCG") ? "; QEMU's TCG does not emulate VMX" : "",
			  x86_cpu.svm ? ": keel uses SVM" : ": keel cannot run a host on this CPU");
		/* As kvm_amd: SVM where the CPU has it and VMX does not exist. */
		return x86_cpu.svm ? x86_svm_probe() : -ENODEV;
	}

	return x86_vmx_probe();
}
