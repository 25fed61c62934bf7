/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's self-hosted debug state in the CPU while it runs (debug.c), as
 * KVM 6.1 switches it (arch/arm64/kvm/debug.c, hyp/include/hyp/debug-sr.h).
 */
#ifndef ARCH_ARM64_DEBUG_H
#define ARCH_ARM64_DEBUG_H

#include <hv/types.h>
#include <keel/abi.h>

#define OSLSR_OSLK (1UL << 1) /* OSLSR_EL1.OSLK: the guest's OS lock (set through OSLAR_EL1) */

/* One run's: what of the host's debug state keel holds while the guest's (or the host's for it) is armed. */
struct arm64_dbg_run {
	uint64_t host_mdscr;
	uint64_t mdcr;        /* MDCR_EL2 for the guest, without the debug bits */
	bool armed;           /* breakpoints/watchpoints of the guest or of dbg_ext are in the CPU */
	bool guest_owns;      /* the guest's own (ctx.dbg), accessed directly (TDA clear, no TDE) */
	uint64_t host[KEEL_DBG_KINDS][16];
};

struct vcpu;
void arm64_debug_enter(struct vcpu *v, uint64_t mdcr);
void arm64_debug_update(struct vcpu *v);
void arm64_debug_exit(struct vcpu *v);
unsigned arm64_debug_exception(struct vcpu *v, uint64_t esr);

#endif
