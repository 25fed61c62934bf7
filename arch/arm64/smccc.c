// SPDX-License-Identifier: GPL-2.0
/*
 * SMCCC calls from the host (trapped SMC or HVC): PSCI is relayed to the
 * firmware with keel's own entry point substituted wherever a CPU will
 * (re)start, so every CPU comes back through keel's EL2 init; SMCCC
 * arch calls are answered as SMCCC 1.1; vendor-hyp calls go to keel.
 */
#include <arch/arm64.h>
#include <arch/smccc.h>
#include <arch/sysreg.h>
#include <hv/cpu.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/owner.h>
#include <hv/printf.h>
#include <hv/spinlock.h>
#include <keel/abi.h>

static struct spinlock psci_lock = SPINLOCK_INIT;
static bool firmware_smccc_1_1;

int64_t arm64_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fid, x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2, x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
			   "x16", "x17", "memory");
	return (int64_t)x0;
}

/* Does the firmware itself speak SMCCC 1.1 (so arch calls such as workarounds can be relayed)? */
void arm64_smccc_probe_firmware(void)
{
	firmware_smccc_1_1 = arm64_smc(PSCI_FN(PSCI_FEATURES), SMCCC_VERSION, 0, 0) == 0 &&
			     arm64_smc(SMCCC_VERSION, 0, 0, 0) >= SMCCC_VERSION_1_1;
}

unsigned arm64_cpu_by_mpidr(uint64_t mpidr)
{
	const struct boot_info *bi = boot_info_get();

	for (unsigned i = 0; i < bi->nr_cpus; i++)
		if (bi->cpu_hwid[i] == (mpidr & MPIDR_AFF_MASK))
			return i;
	return HV_MAX_CPUS;
}

static bool host_owns(uint64_t pa)
{
	struct page_info pi;

	return !owner_get(pa_init(ALIGN_DOWN(pa, PAGE_SIZE)), &pi) && pi.owner == OWNER_HOST;
}

static int64_t psci_cpu_on(struct trap_frame *f)
{
	uint64_t target = f->x[1], entry = f->x[2];
	unsigned idx = arm64_cpu_by_mpidr(target);
	struct arm64_cpu *c;
	int64_t ret;

	if (idx >= HV_MAX_CPUS)
		return PSCI_RET_INVALID_PARAMS;
	if (!host_owns(entry))
		return PSCI_RET_INVALID_ADDRESS;
	c = &arm64_cpus[idx];
	spin_lock(&psci_lock);
	c->index = idx;
	c->mpidr = target & MPIDR_AFF_MASK;
	c->host_entry = entry;
	c->host_ctx = f->x[3];
	ret = arm64_smc(PSCI_FN64(PSCI_CPU_ON), target, (uintptr_t)arm64_secondary_entry, idx);
	spin_unlock(&psci_lock);
	return ret;
}

/* Suspend calls that may lose context resume at an entry point: make it keel's. */
static int64_t psci_suspend(struct trap_frame *f, unsigned fn)
{
	struct arm64_cpu *c = (struct arm64_cpu *)read_sysreg(tpidr_el2);
	bool sys = fn == PSCI_SYSTEM_SUSPEND;
	uint64_t entry = sys ? f->x[1] : f->x[2];

	if (!host_owns(entry))
		return PSCI_RET_INVALID_ADDRESS;
	c->host_entry = entry;
	c->host_ctx = sys ? f->x[2] : f->x[3];
	if (sys)
		return arm64_smc(PSCI_FN64(fn), (uintptr_t)arm64_secondary_entry, c->index, 0);
	return arm64_smc(PSCI_FN64(fn), f->x[1], (uintptr_t)arm64_secondary_entry, c->index);
}

static int64_t psci_call(struct trap_frame *f, uint32_t fid)
{
	unsigned fn = fid & 0x1f;

	switch (fn) {
	case PSCI_CPU_ON:
		return psci_cpu_on(f);
	case PSCI_CPU_SUSPEND:
	case PSCI_SYSTEM_SUSPEND:
		return psci_suspend(f, fn);
	case PSCI_FEATURES:
		if ((uint32_t)f->x[1] == SMCCC_VERSION)
			return 0;
		break;
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
		hv_printf("keel: host requested %s\n", fn == PSCI_SYSTEM_OFF ? "SYSTEM_OFF" : "SYSTEM_RESET");
		break;
	}
	return arm64_smc(fid, f->x[1], f->x[2], f->x[3]);
}

static int64_t vendor_hyp_call(struct trap_frame *f, uint32_t fid)
{
	struct hc_args a;
	int64_t ret;

	switch (fid) {
	case KEEL_SMCCC_VENDOR_HYP_UID:
		f->x[1] = KEEL_UID_W1;
		f->x[2] = KEEL_UID_W2;
		f->x[3] = KEEL_UID_W3;
		return KEEL_UID_W0;
	case KEEL_SMCCC_VENDOR_HYP_REVISION:
		f->x[1] = KEEL_ABI_MINOR;
		return KEEL_ABI_MAJOR;
	}
	if ((fid & ~0xffffU) != KEEL_HC(0))
		return SMCCC_RET_NOT_SUPPORTED;
	for (unsigned i = 0; i < 6; i++)
		a.arg[i] = f->x[i + 1];
	a.ret[0] = a.ret[1] = a.ret[2] = 0;
	ret = hypercall_dispatch(fid & 0xffff, &a);
	if (ret == -ENOSYS)
		return SMCCC_RET_NOT_SUPPORTED;
	f->x[1] = a.ret[0];
	f->x[2] = a.ret[1];
	f->x[3] = a.ret[2];
	return ret;
}

void arm64_smccc_host_call(struct trap_frame *f, bool smc)
{
	uint32_t fid = (uint32_t)f->x[0];
	int64_t ret = SMCCC_RET_NOT_SUPPORTED;

	(void)smc;
	if (!(fid & KEEL_SMCCC_FAST) || (f->x[0] >> 32)) {
		f->x[0] = (uint64_t)SMCCC_RET_NOT_SUPPORTED; /* yielding calls, malformed ids */
		return;
	}
	switch ((fid >> 24) & 0x3f) {
	case 0: /* arm architecture calls */
		if (fid == SMCCC_VERSION)
			ret = SMCCC_VERSION_1_1;
		else if (fid == SMCCC_ARCH_FEATURES && ((uint32_t)f->x[1] == SMCCC_VERSION ||
							(uint32_t)f->x[1] == SMCCC_ARCH_FEATURES))
			ret = 0;
		else if (firmware_smccc_1_1)
			ret = arm64_smc(fid, f->x[1], f->x[2], f->x[3]); /* e.g. Spectre workarounds */
		break;
	case 4: /* standard secure services: PSCI */
		if ((fid & 0xffff) < 0x20)
			ret = psci_call(f, fid);
		break;
	case 6:
		ret = vendor_hyp_call(f, fid);
		break;
	}
	f->x[0] = (uint64_t)ret;
}
