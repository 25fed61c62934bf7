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
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/string.h>

/* IA32_VMX_PROCBASED_CTLS2 allowed-1 bits */
#define CTLS2_EPT BIT(1)
#define CTLS2_VPID BIT(5)
#define CTLS2_UG BIT(7)
/* IA32_VMX_EPT_VPID_CAP */
#define EPT_CAP_XONLY BIT(0)
#define EPT_CAP_WALK4 BIT(6)
#define EPT_CAP_WALK5 BIT(7)
#define EPT_CAP_UC BIT(8)
#define EPT_CAP_WB BIT(14)
#define EPT_CAP_2M BIT(16)
#define EPT_CAP_1G BIT(17)
#define EPT_CAP_INVEPT BIT(20)
#define EPT_CAP_AD BIT(21)
#define EPT_CAP_INVEPT_SINGLE BIT(25)
#define EPT_CAP_INVEPT_ALL BIT(26)
#define VPID_CAP_INVVPID BIT(32)

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

static int vmxon(uint64_t basic)
{
	uint32_t *region = page_alloc(0);
	uint64_t pa, cr0, cr4;
	uint8_t fail;

	if (!region) {
		hv_printf("keel: VMX: no page for the VMXON region\n");
		return -ENOMEM;
	}
	region[0] = basic & 0x7fffffff; /* VMCS revision identifier */
	pa = pa_addr(ptr_to_pa(region));

	/* CR0/CR4 must honour the VMX fixed bits (CR4.VMXE is among CR4's fixed-1 bits). */
	cr0 = (read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) & rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	cr4 = (read_cr4() | rdmsr(MSR_IA32_VMX_CR4_FIXED0) | CR4_VMXE) & rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	write_cr0(cr0);
	write_cr4(cr4);
	__asm__ volatile("vmxon %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	if (fail) {
		hv_printf("keel: VMX: VMXON failed (region 0x%llx, CR0 0x%llx, CR4 0x%llx)\n",
			  (unsigned long long)pa, (unsigned long long)cr0, (unsigned long long)cr4);
		write_cr4(cr4 & ~CR4_VMXE);
		page_free(region, 0);
		return -EIO;
	}
	x86_cpu.vmx_on = true;
	x86_privilege = "VMX root, ring 0";
	hv_printf("keel: VMX: VMXON ok (VMXON region 0x%llx, revision 0x%x): keel stays in VMX root operation\n",
		  (unsigned long long)pa, region[0]);
	return 0;
}

int arch_virt_probe(void)
{
	uint64_t fc, basic, procbased, ctls2 = 0, cap = 0;
	char hv[13];
	int ret;

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

	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX)) {
		x86_privilege = "ring 0 (VMX disabled by firmware)";
		hv_printf("keel: VMX: present but disabled by the firmware (IA32_FEATURE_CONTROL 0x%llx: "
			  "locked without VMX outside SMX)\n", (unsigned long long)fc);
		return -ENODEV;
	}
	hv_printf("keel: VMX: present, IA32_FEATURE_CONTROL 0x%llx (%s)\n", (unsigned long long)fc,
		  fc & FEATURE_CONTROL_LOCK ? "locked, VMX enabled" : "unlocked: keel enables VMX and locks it");
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_VMX | FEATURE_CONTROL_LOCK);

	basic = rdmsr(MSR_IA32_VMX_BASIC);
	hv_printf("keel: VMX: IA32_VMX_BASIC 0x%llx: VMCS revision 0x%llx, %llu-byte VMCS, memory type %s, "
		  "true controls %s\n", (unsigned long long)basic, (unsigned long long)(basic & 0x7fffffff),
		  (unsigned long long)((basic >> 32) & 0x1fff), ((basic >> 50) & 0xf) == 6 ? "WB" : "UC",
		  yn(basic & BIT(55)));

	procbased = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	if (procbased & BIT(63)) /* allowed-1 of "activate secondary controls" */
		ctls2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32;
	hv_printf("keel: VMX: secondary controls %s: EPT %s, unrestricted guest %s, VPID %s\n",
		  yn(procbased & BIT(63)), yn(ctls2 & CTLS2_EPT), yn(ctls2 & CTLS2_UG),
		  yn(ctls2 & CTLS2_VPID));
	if (ctls2 & (CTLS2_EPT | CTLS2_VPID))
		cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if (ctls2 & CTLS2_EPT) {
		hv_printf("keel: EPT: 4-level walk %s, WB %s, UC %s, 2M pages %s, 1G pages %s, execute-only %s, "
			  "A/D bits %s, INVEPT %s (single-context %s, all-context %s)\n",
			  yn(cap & EPT_CAP_WALK4), yn(cap & EPT_CAP_WB), yn(cap & EPT_CAP_UC),
			  yn(cap & EPT_CAP_2M), yn(cap & EPT_CAP_1G), yn(cap & EPT_CAP_XONLY),
			  yn(cap & EPT_CAP_AD), yn(cap & EPT_CAP_INVEPT), yn(cap & EPT_CAP_INVEPT_SINGLE),
			  yn(cap & EPT_CAP_INVEPT_ALL));
		x86_cpu.ept_1g = cap & EPT_CAP_1G;
		x86_cpu.invept_all = (cap & EPT_CAP_INVEPT) && (cap & EPT_CAP_INVEPT_ALL);
	} else {
		hv_printf("keel: EPT: absent\n");
	}
	if (ctls2 & CTLS2_VPID)
		hv_printf("keel: VPID: INVVPID %s\n", yn(cap & VPID_CAP_INVVPID));

	ret = vmxon(basic);
	if (ret)
		return ret;
	/* keel maps the host with a 4-level WB EPT and runs its real-mode boot code unpaged. */
	if (!(ctls2 & CTLS2_EPT) || !(cap & EPT_CAP_WALK4) || !(cap & EPT_CAP_WB) || !(ctls2 & CTLS2_UG)) {
		hv_printf("keel: VMX: keel needs EPT (4-level, WB) and unrestricted guest to run a host\n");
		return -ENODEV;
	}
	return 0;
}
