/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-keel virtual GICv3 (KVM_DEV_TYPE_ARM_VGIC_V3 as Linux 6.1 gives
 * it, without LPIs): a distributor per VM and a redistributor per vCPU
 * emulated in keel (vgic.c: state; vgic_mmio.c: registers), delivered
 * through the GICv3 list registers (vgic_lr.c). The shim creates it with
 * KEEL_HC_IRQCHIP and drives the attributes; guests' SGIs, EOIs and
 * register accesses never leave keel.
 *
 * Locking: vm->arch.vgic.lock covers every interrupt's state, the
 * distributor's and every vCPU's private interrupts (another vCPU's SGI or
 * GICR access, the host's IRQ_LINE touch them); it nests inside vm->lock.
 * What a vCPU's list registers hold is its running CPU's alone.
 */
#ifndef ARCH_ARM64_VGIC_H
#define ARCH_ARM64_VGIC_H

#include <hv/spinlock.h>
#include <hv/types.h>
#include <keel/abi.h>

#define VGIC_NR_SGIS 16
#define VGIC_NR_PRIVATE 32
#define VGIC_MAX_IRQS 1024 /* INTIDs 0..1019 (1020..1023 special), as KVM's VGIC_MAX_SPI + 1 */
#define VGIC_IRQS_PER_PAGE (PAGE_SIZE / sizeof(struct vgic_irq))
#define VGIC_SPI_PAGES ((VGIC_MAX_IRQS - VGIC_NR_PRIVATE + VGIC_IRQS_PER_PAGE - 1) / VGIC_IRQS_PER_PAGE)
#define VGIC_MAX_LRS 16
#define VGIC_NO_ADDR (~0ULL)
#define VGIC_HOST_VTIMER_PPI 27 /* the CPU's virtual timer on the host's GIC (the physical side of a HW LR) */
#define VGIC_MIN_LPI KEEL_VGIC_MIN_LPI
#define VGIC_LPI_ID_BITS 16      /* GICD_TYPER.IDbits with LPIs, as KVM's INTERRUPT_ID_BITS_ITS */
#define VGIC_LPI_SLOTS KEEL_VGIC_LPI_SLOTS /* LPIs pending or active at once on one vCPU (vgic_lpi.c) */

/* struct vgic_irq.flags */
#define VI_ENABLED (1U << 0)
#define VI_LATCH (1U << 1)   /* pending by an edge, a GIC{D,R}_ISPENDR write or an SGI */
#define VI_LINE (1U << 2)    /* the input line (level-sensitive interrupts) */
#define VI_ACTIVE (1U << 3)
#define VI_GROUP1 (1U << 4)
#define VI_EDGE (1U << 5)
#define VI_RESAMPLE (1U << 6) /* SPIs: the host hears of its EOIs, its line lowered (KEEL_IRQCHIP_RESAMPLE) */
#define VI_RELOAD (1U << 7)   /* active state written since a list register took it: sync keeps the written one */

struct vgic_irq {
	uint8_t prio;
	uint8_t flags;
	uint16_t target; /* SPIs: the vCPU index GICD_IROUTER names, or VGIC_NO_TARGET */
	uint32_t route;  /* SPIs: GICD_IROUTER's Aff2 << 16 | Aff1 << 8 | Aff0 (Aff3 and IRM are RAZ/WI, as KVM's) */
};
#define VGIC_NO_TARGET 0xffff

/* A redistributor's LPIs (the VM has an ITS, in the host): those pending or active here, a slot each. */
struct vgic_lpis {
	bool enabled;           /* GICR_CTLR.EnableLPIs */
	uint32_t live;          /* slots in use */
	uint64_t pendbaser;     /* GICR_PENDBASER (the host's ITS saves pending state there) */
	uint32_t intid[VGIC_LPI_SLOTS];
	struct vgic_irq irq[VGIC_LPI_SLOTS];
};

/* One vCPU's redistributor and CPU interface (in struct vcpu_arch). */
struct vgic_cpu {
	struct vgic_irq priv[VGIC_NR_PRIVATE];
	uint32_t live;          /* its SGIs and PPIs pending or active (a superset): flushes look only at these */
	uint32_t vmcr;          /* ICH_VMCR_EL2: the guest's PMR, BPRs, group enables, EOI mode */
	uint32_t ap0r[4], ap1r[4];
	uint16_t lr_pending;    /* list registers written pending */
	uint8_t used_lrs;
	bool dirty;             /* something became deliverable since the flush (under the vgic lock) */
	bool eoi_out;           /* this run's ctx.exit.eoi has bits: the host must hear of them */
	bool polling;           /* waiting at EL2 in a guest WFI (vgic_wfi_poll): it sees dirty without a kick */
	bool timer_active;      /* keel holds the virtual timer's physical PPI active on this CPU (vgic_flush) */
	bool rd_last;           /* GICR_TYPER.Last, as the host says */
	bool sync_req;          /* another vCPU waits for this one's list registers folded back (vgic_sync clears it) */
	uint64_t *sync_wait;    /* [KEEL_MAX_VCPUS / 64]: the vCPUs its active-state access waits for (extra page) */
	uint64_t rd_base;       /* IPA of its redistributor's frames, VGIC_NO_ADDR until placed */
	struct vgic_lpis *lpis; /* its LPI state, in the vCPU's extra page (arch_vcpu_init) */
};

/* A VM's distributor (struct vm_arch). */
struct vgic {
	struct spinlock lock;
	bool ready;             /* KEEL_IRQCHIP_INIT done: the state below exists, vCPUs fixed */
	uint32_t nr_irqs;       /* INTIDs below it exist (private ones included) */
	unsigned nr_vcpus;
	uint64_t dist_base;     /* guest IPA, VGIC_NO_ADDR until set */
	uint64_t rd_lo, rd_hi;  /* every redistributor placed lies in [rd_lo, rd_hi) (0, 0: none) */
	uint32_t ctlr;          /* GICD_CTLR.EnableGrp0 / EnableGrp1 */
	uint8_t vtimer_ppi, ptimer_ppi; /* the timers' PPIs, every vCPU's (KEEL_IRQCHIP_TIMERS) */
	bool lpis;              /* KEEL_IRQCHIP_LPIS: the host emulates an ITS, the redistributors have LPIs */
	uint64_t propbaser;     /* GICR_PROPBASER, one for every redistributor (as KVM keeps it) */
	struct vgic_irq *spi[VGIC_SPI_PAGES];
	uint32_t spi_live[VGIC_MAX_IRQS / 32]; /* SPIs pending or active: flushes look only at these */
};

struct vm;
struct vcpu;
struct memcache;

/* vgic.c */
int vgic_call(struct vm *vm, uint64_t op, const uint64_t *arg, uint64_t *ret);
struct vgic_irq *vgic_irq_locked(struct vm *vm, struct vcpu *v, unsigned intid);
void vgic_irq_changed_locked(struct vm *vm, struct vcpu *v, unsigned intid, uint64_t *kick);
void vgic_irq_kick_locked(struct vm *vm, struct vcpu *v, unsigned intid, uint64_t *kick);
void vgic_all_changed_locked(struct vm *vm, uint64_t *kick);
void vgic_set_line_locked(struct vm *vm, struct vcpu *v, unsigned intid, bool level, uint64_t *kick);
bool vgic_deliverable_locked(const struct vm *vm, const struct vgic_irq *irq);
struct vcpu *vgic_vcpu_by_route(struct vm *vm, uint32_t route);
uint32_t vgic_mpidr_route(unsigned index);
unsigned vgic_sgi(struct vcpu *v, uint64_t val, unsigned group, uint64_t *kick);
bool vgic_kick_filter(struct vm *vm, uint64_t *kick);

/* vgic_mmio.c: one register access, from a guest (v = the accessing vCPU) or the host */
#define VGIC_SPACE_DIST 0
#define VGIC_SPACE_REDIST 1
int vgic_mmio_access_locked(struct vm *vm, unsigned space, struct vcpu *rd, uint64_t off, unsigned len,
			    bool write, uint64_t *val, uint64_t *kick);
int vgic_cpu_sysreg(struct vcpu *v, uint64_t id, bool write, uint64_t *val, uint64_t vtr);

/* vgic_lr.c: around a guest's run on this CPU */
void vgic_enter(struct vcpu *v);
void vgic_flush(struct vcpu *v);
void vgic_timer_release(struct vcpu *v);
void vgic_sync(struct vcpu *v);
void vgic_exit(struct vcpu *v);
unsigned vgic_irq_exit(struct vcpu *v);
bool vgic_wfi_wakes(struct vcpu *v);
bool vgic_wfi_poll(struct vcpu *v);
unsigned vgic_guest_sgi(struct vcpu *v, unsigned op2, uint64_t val);
enum vgic_mmio_result { VGIC_MMIO_VMM, VGIC_MMIO_DONE, VGIC_MMIO_RETRY };
enum vgic_mmio_result vgic_guest_mmio(struct vcpu *v, uint64_t ipa, unsigned len, bool write, uint64_t *val,
				      unsigned *exit);
bool vgic_pending_locked(struct vm *vm, struct vcpu *v);
void vgic_cpu_reset(struct vgic_cpu *c);

/* vgic_lpi.c: LPIs the host's ITS makes pending (KEEL_IRQCHIP_LPIS, KEEL_IRQCHIP_LPI) */
static inline bool vgic_is_lpi(unsigned intid) { return intid >= VGIC_MIN_LPI; }
struct vgic_irq *vgic_lpi_locked(struct vgic_lpis *l, unsigned intid);
void vgic_lpi_changed_locked(struct vgic_lpis *l, const struct vgic_irq *irq);
int vgic_lpi_call(struct vm *vm, uint64_t op, const uint64_t *arg, uint64_t *ret);
int vgic_lpi_regs_locked(struct vm *vm, struct vcpu *v, uint64_t off, unsigned len, bool write, uint64_t *val);

#endif
