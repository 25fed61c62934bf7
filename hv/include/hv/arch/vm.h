/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arch contract: what the arch-neutral VM objects (hv/src/vm.c) need from
 * the virtualization hardware. Implemented in arch/<arch>/vm.c.
 */
#ifndef HV_ARCH_VM_H
#define HV_ARCH_VM_H

#include <hv/types.h>

struct pgtable;

/* Largest guest IPA size in bits the arch's stage 2 supports; 0 if the arch runs no guests. */
unsigned arch_vm_max_ipa_bits(void);
/* Width of a VMID: guests get 1 .. 2^bits - 1 (VMID 0 is the host's); 0 if no guests. */
unsigned arch_vm_vmid_bits(void);
/* The calling CPU starts running guests (it may have missed TLB maintenance while it was off). */
void arch_vm_cpu_enable(void);
/* The calling CPU stops running guests. */
void arch_vm_cpu_disable(void);
/*
 * Invalidate, on every CPU, all TLB entries tagged with pt's VMID (a guest
 * stage 2). Called before the VMID is handed to another VM.
 */
void arch_vm_tlb_flush_vmid(const struct pgtable *pt);

#endif
