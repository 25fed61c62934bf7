/* SPDX-License-Identifier: GPL-2.0 */
/* arm64 system registers and the bits keel sets in them. */
#ifndef ARCH_ARM64_SYSREG_H
#define ARCH_ARM64_SYSREG_H

#include <stdint.h>

#define read_sysreg(r) ({ uint64_t __v; __asm__ volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define write_sysreg(v, r) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)))
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")

/* Registers GNU as knows only by encoding. */
#define ICC_SRE_EL2_S "S3_4_C12_C9_5"
#define ICH_HCR_EL2_S "S3_4_C12_C11_0"
#define ICH_VTR_EL2_S "S3_4_C12_C11_1"
#define ICH_MISR_EL2_S "S3_4_C12_C11_2"
#define ICH_VMCR_EL2_S "S3_4_C12_C11_7"
#define ICC_HPPIR1_EL1_S "S3_0_C12_C12_2"
#define ZCR_EL2_S "S3_4_C1_C2_0"
#define SMCR_EL2_S "S3_4_C1_C2_6"
#define ID_AA64SMFR0_S "S3_0_C0_C4_5"
#define read_sysreg_s(r) ({ uint64_t __v; __asm__ volatile("mrs %0, " r : "=r"(__v)); __v; })
#define write_sysreg_s(v, r) __asm__ volatile("msr " r ", %0" : : "r"((uint64_t)(v)))

/* HCR_EL2 */
#define HCR_VM (1UL << 0)
#define HCR_FMO (1UL << 3)
#define HCR_IMO (1UL << 4)
#define HCR_AMO (1UL << 5)
#define HCR_VI (1UL << 7)
#define HCR_TSC (1UL << 19)
#define HCR_RW (1UL << 31)
#define HCR_APK (1UL << 40)
#define HCR_API (1UL << 41)
#define HCR_ATA (1UL << 56)

/* SCTLR_EL2 (nVHE layout) */
#define SCTLR_EL2_RES1 0x30C50830UL
#define SCTLR_M (1UL << 0)
#define SCTLR_C (1UL << 2)
#define SCTLR_SA (1UL << 3)
#define SCTLR_I (1UL << 12)

/* ESR_ELx */
#define ESR_EC_SHIFT 26
#define ESR_EC(esr) (((esr) >> ESR_EC_SHIFT) & 0x3f)
#define ESR_IL (1UL << 25)
#define EC_UNKNOWN 0x00
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYS64 0x18
#define EC_IABT_LOW 0x20
#define EC_IABT_CUR 0x21
#define EC_DABT_LOW 0x24
#define EC_DABT_CUR 0x25
#define FSC_SEA 0x10 /* synchronous external abort */

/* SPSR */
#define PSR_MODE_MASK 0x1f
#define PSR_MODE_EL0t 0x0
#define PSR_MODE_EL1t 0x4
#define PSR_MODE_EL1h 0x5
#define PSR_MODE32 0x10
#define PSR_DAIF (0xfUL << 6)
#define PSR_PAN (1UL << 22)
#define PSR_F (1UL << 6)
#define PSR_I (1UL << 7)
#define PSR_IL (1UL << 20)
#define PSR_DIT (1UL << 24)
#define PSR_SSBS (1UL << 12)
#define PSR_NZCV (0xfUL << 28)
/*
 * PSTATE bits a VMM may hand keel for an AArch64 guest: NZCV, TCO, DIT, UAO, PAN, SS, IL, SSBS, BTYPE, DAIF,
 * M[3:0]. IL is what a guest's illegal exception return leaves: the guest takes its Illegal State exception.
 */
#define PSR_VALID (PSR_NZCV | (0xfUL << 21) | (1UL << 25) | PSR_IL | PSR_SSBS | (3UL << 10) | PSR_DAIF | 0xfUL)
#define PSR_AA32_MODE_USR 0x10
#define SCTLR_EL1_RESET 0x00c50078UL /* KVM's reset value: RES1 bits, MMU and caches off */
#define SCTLR_EE (1UL << 25)
#define SCTLR_SPAN (1UL << 23)
#define SCTLR_DSSBS (1UL << 44)

/* CNTHCTL_EL2 (nVHE): EL1 may use the physical counter and timer */
#define CNTHCTL_EL1PCTEN (1UL << 0)
#define CNTHCTL_EL1PCEN (1UL << 1)

/* CPTR_EL2 (nVHE): RES1 bits, nothing trapped (FP, SVE, SME, trace all left to the host) */
#define CPTR_EL2_NVHE_DEFAULT 0x22ffUL

/* ICC_SRE_EL2 */
#define ICC_SRE_EL2_SRE (1UL << 0)
#define ICC_SRE_EL2_ENABLE (1UL << 3)

static inline unsigned current_el(void) { return (read_sysreg(CurrentEL) >> 2) & 3; }

#endif
