// SPDX-License-Identifier: GPL-2.0
/*
 * What the host sees of CPUID under keel (arch/x86.h: x86_cpuid_filter):
 * the hardware's answer with the virtualization extensions keel owns
 * hidden (VMX, SVM and its leaf), the hypervisor bit set, and keel's own
 * leaves at KEEL_CPUID_BASE: signature and ABI version, the x86 counterpart
 * of the arm64 device-tree node. Plain C: the host unit tests build it.
 */
#include <arch/x86.h>
#include <hv/string.h>
#include <keel/abi.h>

#define CPUID1_ECX_VMX BIT(5)
#define CPUID1_ECX_OSXSAVE BIT(27)
#define CPUID1_ECX_HYPERVISOR BIT(31)
#define CPUID81_ECX_SVM BIT(2)
#define KEEL_CPUID_LAST (KEEL_CPUID_BASE + 1)

void x86_cpuid_filter(uint32_t leaf, uint32_t sub, uint32_t r[4], bool osxsave)
{
	(void)sub;
	if (leaf >= KEEL_CPUID_BASE && leaf <= KEEL_CPUID_BASE + 0xff) {
		/* keel's range replaces whatever hypervisor keel itself runs under. */
		r[0] = r[1] = r[2] = r[3] = 0;
		if (leaf == KEEL_CPUID_BASE) {
			r[0] = KEEL_CPUID_LAST;
			memcpy(&r[1], KEEL_CPUID_SIGNATURE, 4);
			memcpy(&r[2], KEEL_CPUID_SIGNATURE + 4, 4);
			memcpy(&r[3], KEEL_CPUID_SIGNATURE + 8, 4);
		} else if (leaf == KEEL_CPUID_LAST) {
			r[0] = KEEL_ABI_VERSION;
		}
		return;
	}
	switch (leaf) {
	case 1:
		/* OSXSAVE mirrors CR4.OSXSAVE: the host's, not keel's, whose CPUID this ran */
		r[2] = (r[2] & ~(CPUID1_ECX_VMX | CPUID1_ECX_OSXSAVE)) | CPUID1_ECX_HYPERVISOR |
		       (osxsave ? CPUID1_ECX_OSXSAVE : 0);
		break;
	case 0x80000001:
		r[2] &= ~CPUID81_ECX_SVM;
		break;
	case 0x8000000a: /* SVM revision and features: none without SVM */
		r[0] = r[1] = r[2] = r[3] = 0;
		break;
	}
}
