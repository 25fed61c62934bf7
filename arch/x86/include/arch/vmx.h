/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel VMX as keel configures it: the capability MSRs a CPU reports and
 * the VMCS controls keel computes from them (vmx_caps.c, as KVM's
 * setup_vmcs_config): what keel needs to run its host must be there (min),
 * what the host would miss without it is taken where it exists (opt), and
 * the rest is what the CPU insists on (allowed-0 bits). Plain C: the host
 * unit tests build it with recorded MSR values.
 */
#ifndef ARCH_X86_VMX_H
#define ARCH_X86_VMX_H

#include <hv/types.h>

#define MSR_IA32_FEATURE_CONTROL 0x03a
#define FEATURE_CONTROL_LOCK BIT(0)
#define FEATURE_CONTROL_VMX_SMX BIT(1)
#define FEATURE_CONTROL_VMX BIT(2) /* VMX outside SMX */
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_MISC 0x485
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490
#define VMX_BASIC_TRUE_CTLS BIT(55)

/* Pin-based */
#define PIN_NMI_EXITING BIT(3)
#define PIN_VIRTUAL_NMIS BIT(5)
/* Primary processor-based */
#define PROC_NMI_WINDOW BIT(22)
#define PROC_USE_MSR_BITMAPS BIT(28)
#define PROC_SECONDARY BIT(31)
/* Secondary processor-based */
#define PROC2_EPT BIT(1)
#define PROC2_RDTSCP BIT(3)
#define PROC2_VPID BIT(5)
#define PROC2_UNRESTRICTED BIT(7)
#define PROC2_INVPCID BIT(12)
#define PROC2_XSAVES BIT(20)
/* VM-exit */
#define EXIT_HOST_64 BIT(9)
#define EXIT_SAVE_PAT BIT(18)
#define EXIT_LOAD_PAT BIT(19)
#define EXIT_SAVE_EFER BIT(20)
#define EXIT_LOAD_EFER BIT(21)
/* VM-entry */
#define ENTRY_IA32E_GUEST BIT(9)
#define ENTRY_LOAD_PAT BIT(14)
#define ENTRY_LOAD_EFER BIT(15)

/* The capability MSRs, as read (IA32_VMX_*; the TRUE_* ones only where BASIC bit 55 says they exist). */
struct vmx_caps {
	uint64_t basic, pin, proc, exit, entry, misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t proc2, ept_vpid;
	uint64_t true_pin, true_proc, true_exit, true_entry;
};

/* What keel runs with; equal on every CPU (vmx_check_processor_compat). */
struct vmx_config {
	uint32_t revision;   /* VMCS revision identifier */
	uint32_t vmcs_size;
	uint32_t pin, proc, proc2, exit, entry;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_vpid;
};

/*
 * keel's VMX configuration for a CPU reporting c: 0 and *cfg, or -EIO with
 * *why naming what is missing (a control keel needs, EPT with a 4-level
 * write-back walk, a VMCS keel can address).
 */
int vmx_setup_config(const struct vmx_caps *c, struct vmx_config *cfg, const char **why);

/*
 * IA32_FEATURE_CONTROL as the firmware left it: -ENODEV if it is locked
 * with VMX outside SMX off (only the firmware setup can turn it on), else 0
 * and *write: the value keel locks it with, or 0 if it is locked already.
 */
int vmx_feature_control(uint64_t fc, uint64_t *write);

#endif
