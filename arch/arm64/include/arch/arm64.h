/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by the arm64 files of keel (not part of the arch contract). */
#ifndef ARCH_ARM64_ARM64_H
#define ARCH_ARM64_ARM64_H

#include <hv/boot.h>
#include <hv/pgtable.h>

/* General registers of the interrupted context, saved by vectors.S on keel's stack. */
struct trap_frame {
	uint64_t x[31];
	uint64_t pad;
};

/* Per physical CPU state, reached through TPIDR_EL2. */
struct arm64_cpu {
	unsigned index;
	uint64_t mpidr;
	bool online;        /* went through keel's EL2 init */
	uint64_t host_entry; /* where PSCI CPU_ON / CPU_SUSPEND resume the host */
	uint64_t host_ctx;
	uint64_t guest_regs; /* while a guest runs: its x0..x30 block (vectors.S, guest_entry.S) */
	uint64_t gicr;       /* GICv3: this CPU's redistributor (RD_base, mapped at EL2), 0 if not found */
};

extern struct arm64_cpu arm64_cpus[HV_MAX_CPUS];

/* Device registers keel maps at EL2 (the UART, the GIC's redistributors). */
static inline uint32_t mmio_read32(uint64_t a) { return *(volatile uint32_t *)(uintptr_t)a; }
static inline void mmio_write32(uint64_t a, uint32_t v) { *(volatile uint32_t *)(uintptr_t)a = v; }
static inline uint64_t mmio_read64(uint64_t a) { return *(volatile uint64_t *)(uintptr_t)a; }
static inline uint8_t mmio_read8(uint64_t a) { return *(volatile uint8_t *)(uintptr_t)a; }
static inline void mmio_write8(uint64_t a, uint8_t v) { *(volatile uint8_t *)(uintptr_t)a = v; }

/* The values every CPU loads into its EL2 MMU registers (written by the boot CPU, read by secondaries with MMU off). */
struct arm64_mmu_regs {
	uint64_t mair, tcr, ttbr0, sctlr;
};
extern struct arm64_mmu_regs arm64_mmu_regs;

/* mmu.c */
int arm64_hyp_mm_init(void);
int arm64_hyp_map(uint64_t pa, uint64_t size, uint32_t prot);
int arm64_hyp_unmap(uint64_t pa, uint64_t size);
int arm64_hyp_map_ram(const struct boot_info *bi); /* all RAM but keel's, RW XN: host pages by PA */
void arm64_mmu_enable(void); /* on the calling CPU, with arm64_mmu_regs */
void arm64_dcache_clean(const void *p, size_t size);
unsigned arm64_parange_bits(void);
unsigned arm64_vtcr_ps(unsigned bits);

/* host.c */
extern struct pgtable arm64_host_s2;
void arm64_host_cpu_init(void); /* EL2 configuration that lets this CPU run the host */
void __noreturn arm64_enter_host(uint64_t entry, uint64_t x0);

/* el2.c: VTCR_EL2 for a stage 2 of ia_bits starting at start_level (4 KiB granule, 8-bit VMIDs) */
uint64_t arm64_vtcr_for(unsigned ia_bits, int start_level);
unsigned arm64_s2_max_bits(void); /* mmu.c */

/* guest_entry.S: see there. fp points at V0..V31 (32 x 16 bytes), FPSR, FPCR. */
unsigned arm64_guest_enter(uint64_t *regs);
void arm64_fpsimd_save(uint64_t *fp);
void arm64_fpsimd_load(const uint64_t *fp);

/* exception.c: a synchronous exception to EL1 (host or guest, EL1 registers live): updates *pc, *pstate */
void arm64_enter_el1_sync(uint64_t *pc, uint64_t *pstate, uint64_t esr, bool set_far, uint64_t far);

/* guest_psci.c: a guest HVC/SMC; 0 to go on, else the exit for the host */
struct vcpu;
unsigned arm64_guest_hvc(struct vcpu *v);

/* traps.c */
void arm64_handle_host_sync(struct trap_frame *f);
void __noreturn arm64_hyp_panic(unsigned kind, struct trap_frame *f);

/* psci.c */
void arm64_smccc_host_call(struct trap_frame *f, bool smc);
void arm64_smccc_probe_firmware(void);
int64_t arm64_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);
unsigned arm64_cpu_by_mpidr(uint64_t mpidr); /* HV_MAX_CPUS if none */

/* gic.c: the interrupt controller driver the DT's compatible picks */
int arm64_gic_init(struct boot_info *bi);
void arm64_gic_cpu_init(void);
bool arm64_gic_has_vgic(void);
/* While a guest runs (GICv3): its ICC_SRE_EL1 accesses trap to keel. */
bool arm64_gic_ppi_active(unsigned intid, bool active);
void arm64_gic_guest_enter(void);
void arm64_gic_guest_exit(void);

/* head.S */
extern char _start[], arm64_secondary_entry[], arm64_vectors[];
extern char __keel_start[], __keel_image_end[], __keel_mem_end[], __text_end[];
void __noreturn arm64_el1_eret(uint64_t x0, uint64_t stack_top);

/* A 4-bit ID register field (ID_AA64*_EL1). */
static inline unsigned arm64_id_field(uint64_t reg, unsigned shift) { return (reg >> shift) & 0xf; }

/* The board's early console (its data: KEEL_EARLY_UART in arch/arm64/boards/<plat>.mk), used only
 * until the DT names one, so that a broken DT can still be reported. */
#if defined(KEEL_EARLY_UART_pl011)
#define ARM64_EARLY_UART { .kind = UART_PL011, .base = KEEL_EARLY_UART_pl011 }
#elif defined(KEEL_EARLY_UART_cdns)
#define ARM64_EARLY_UART { .kind = UART_CDNS, .base = KEEL_EARLY_UART_cdns }
#else
#define ARM64_EARLY_UART { .kind = UART_NONE }
#endif

#endif
