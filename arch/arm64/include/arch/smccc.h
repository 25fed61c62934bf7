/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SMCCC and PSCI as keel speaks them, to the firmware for the host (smccc.c)
 * and to guests (guest_psci.c): Linux's arm-smccc.h and psci.h values.
 */
#ifndef ARCH_ARM64_SMCCC_H
#define ARCH_ARM64_SMCCC_H

#define SMCCC_VERSION 0x80000000U
#define SMCCC_ARCH_FEATURES 0x80000001U
#define SMCCC_WORKAROUND_1 0x80008000U
#define SMCCC_WORKAROUND_2 0x80007fffU
#define SMCCC_WORKAROUND_3 0x80003fffU
#define SMCCC_WA_RET_UNAFFECTED 1 /* SMCCC_ARCH_WORKAROUND_RET_UNAFFECTED */
#define SMCCC_VERSION_1_1 0x10001

/* PSCI function ids: PSCI_FN(n) the SMC32 form, PSCI_FN64(n) the SMC64 one (PSCI_FN64_BIT set). */
#define PSCI_FN(n) (0x84000000U + (n))
#define PSCI_FN64_BIT 0x40000000U
#define PSCI_FN64(n) (PSCI_FN(n) | PSCI_FN64_BIT)
#define PSCI_VERSION 0x00
#define PSCI_CPU_SUSPEND 0x01
#define PSCI_CPU_OFF 0x02
#define PSCI_CPU_ON 0x03
#define PSCI_AFFINITY_INFO 0x04
#define PSCI_MIGRATE_INFO_TYPE 0x06
#define PSCI_SYSTEM_OFF 0x08
#define PSCI_SYSTEM_RESET 0x09
#define PSCI_FEATURES 0x0a
#define PSCI_SYSTEM_SUSPEND 0x0e
#define PSCI_SYSTEM_RESET2 0x12

#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMS (-2)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_RET_INTERNAL_FAILURE (-6)
#define PSCI_RET_INVALID_ADDRESS (-9)
#define PSCI_TOS_MP 2 /* MIGRATE_INFO_TYPE: no trusted OS needs migrating */

/* PSCI versions (KVM_REG_ARM_PSCI_VERSION values) */
#define PSCI_V0_1 0x1
#define PSCI_V0_2 0x2
#define PSCI_V1_0 0x10000
#define PSCI_V1_1 0x10001

/* PSCI 0.1 as KVM offers it: its own ids KVM_PSCI_FN(0..3) */
#define KVM_PSCI_FN_BASE 0x95c1ba5eU
#define KVM_PSCI_FN_CPU_OFF (KVM_PSCI_FN_BASE + 1)
#define KVM_PSCI_FN_CPU_ON (KVM_PSCI_FN_BASE + 2)
#define KVM_PSCI_FN_LAST (KVM_PSCI_FN_BASE + 3)

/* KVM_SYSTEM_EVENT_* types a guest's PSCI call reports to the VMM */
#define KVM_SYSTEM_EVENT_SHUTDOWN 1
#define KVM_SYSTEM_EVENT_RESET 2
#define KVM_SYSTEM_EVENT_SUSPEND 5

/* MPIDR affinity fields (Aff3..Aff0): what PSCI calls name a CPU by. */
#define MPIDR_AFF_MASK 0xff00ffffffULL

#endif
