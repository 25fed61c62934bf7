// SPDX-License-Identifier: GPL-2.0
/*
 * MIPS virtualization report. Hardware virtualization on MIPS is the VZ
 * ASE (Config3.VZ): a root and a guest context, each with kernel/user
 * modes, GuestCtl0 and a guest TLB. Without it there is one privileged
 * mode, so root mode is just kernel mode and a host could only be
 * deprivileged by trap-and-emulate, which an unmodified Linux host does not
 * support (Linux 6.1 has no paravirtual user-mode guest kernel).
 */
#include <arch/mips.h>
#include <hv/arch/mm.h>
#include <hv/arch/virt.h>
#include <hv/errno.h>
#include <hv/printf.h>

#define CONF_BE BIT(15)
#define CONF_AT(c) (((c) >> 13) & 3)
#define CONF_AR(c) (((c) >> 10) & 7)
#define CONF_MT(c) (((c) >> 7) & 7)
#define CONF3_PW BIT(24)
#define CONF3_RXI BIT(12)
#define CONF3_LPA BIT(7)
#define CONF3_VEIC BIT(6)
#define CONF3_VINT BIT(5)
#define CONF3_MT BIT(2)
#define CONF5_EVA BIT(28)
#define CP0_GUESTCTL0 12, 6

extern const char *mips_privilege;

static const char *yn(uint32_t v) { return v ? "yes" : "no"; }

static const char *company(unsigned id)
{
	switch (id) {
	case 0x01: return "MIPS Technologies / Imagination";
	case 0x0d: return "Cavium";
	case 0x14: return "Loongson";
	case 0x1a: return "Ingenic";
	default: return "unknown company";
	}
}

int arch_virt_probe(void)
{
	static const char *const at[] = { "MIPS32", "MIPS64 (32-bit segments only)", "MIPS64", "?" };
	static const char *const mt[] = { "no MMU", "standard TLB", "BAT", "fixed mapping", "dual VTLB/FTLB",
					  "?", "?", "?" };
	uint32_t prid = read_c0_32(CP0_PRID);
	uint32_t c0 = read_c0_32(CP0_CONFIG), c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0;
	bool has4 = false, has5 = false;

	if (c0 & CONF_M)
		c1 = read_c0_32(CP0_CONFIG1);
	if (c1 & CONF_M)
		c2 = read_c0_32(CP0_CONFIG2);
	if (c2 & CONF_M)
		c3 = read_c0_32(CP0_CONFIG3);
	if (c3 & CONF_M) {
		has4 = true;
		c4 = read_c0_32(CP0_CONFIG4);
	}
	if (has4 && (c4 & CONF_M)) {
		has5 = true;
		c5 = read_c0_32(CP0_CONFIG5);
	}

	hv_printf("keel: mips64: PRId 0x%08x: %s, processor 0x%02x, revision 0x%02x\n", prid,
		  company((prid >> 16) & 0xff), (prid >> 8) & 0xff, prid & 0xff);
	hv_printf("keel: mips64: ISA %s release %u, %s-endian, MMU: %s with %u entries, %u physical address bits\n",
		  at[CONF_AT(c0)], CONF_AR(c0) + 1, (c0 & CONF_BE) ? "big" : "little", mt[CONF_MT(c0)],
		  mips_tlb_entries(), arch_host_ia_bits());
	hv_printf("keel: mips64: Config 0x%08x Config1 0x%08x Config2 0x%08x Config3 0x%08x", c0, c1, c2, c3);
	if (has4)
		hv_printf(" Config4 0x%08x", c4);
	if (has5)
		hv_printf(" Config5 0x%08x", c5);
	hv_printf("\n");
	hv_printf("keel: mips64: RI/XI %s, hardware page walker %s, large physical addresses %s, "
		  "vectored interrupts %s, external interrupt controller %s, MT %s, EVA %s\n",
		  yn(c3 & CONF3_RXI), yn(c3 & CONF3_PW), yn(c3 & CONF3_LPA), yn(c3 & CONF3_VINT),
		  yn(c3 & CONF3_VEIC), yn(c3 & CONF3_MT), has5 ? yn(c5 & CONF5_EVA) : "no");
	if (has5)
		hv_printf("keel: MMID: %s (Config5.MI)\n", (c5 & CONF5_MI) ? "present" : "absent");
	else
		hv_printf("keel: MMID: absent (no Config5)\n");

	if (!(c3 & CONF3_VZ)) {
		mips_privilege = "kernel mode (no VZ: root = kernel mode)";
		hv_printf("keel: VZ: absent (Config3.VZ = 0; no QEMU MIPS model implements VZ)\n");
		hv_printf("keel: mips64: root mode = kernel mode: without VZ keel runs in the only privileged mode\n");
		return -ENODEV;
	}
	mips_privilege = "root kernel mode (VZ)";
	hv_printf("keel: VZ: present (GuestCtl0 0x%08x): keel runs in root kernel mode\n",
		  read_c0_32(CP0_GUESTCTL0));
	return 0;
}
