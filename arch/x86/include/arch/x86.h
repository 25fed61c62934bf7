/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by the x86_64 files of keel (not part of the arch contract). */
#ifndef ARCH_X86_X86_H
#define ARCH_X86_X86_H

#include <arch/bootproto.h>
#include <arch/vmx.h>
#include <hv/types.h>

struct boot_info;

/* MSRs */
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_EFER 0xc0000080
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)

#define CR0_PE BIT(0)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_VMXE BIT(13)
#define CR4_OSXSAVE BIT(18)

/* Filled by x86_cpu_features_init() from CPUID, read by the page-table encoders. */
struct x86_features {
	char vendor[13];
	char brand[49];
	uint32_t max_leaf, max_ext_leaf;
	unsigned family, model, stepping;
	uint8_t apic_id;         /* initial APIC ID of the boot CPU */
	unsigned phys_bits;
	bool nx, pdpe1gb, vmx, svm, xsave;
	bool ept_1g;             /* EPT may map 1 GiB leaves (set by arch_virt_probe) */
	bool vmx_on;             /* in VMX root operation: INVEPT is usable */
	bool svm_on;             /* keel runs the host under SVM: guest stages use the nested-paging format */
	bool invept_all;
};
extern struct x86_features x86_cpu;
void x86_cpu_features_init(void);

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
			       uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	cpuid_count(leaf, 0, a, b, c, d);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

#define DEFINE_CR(n)                                                                     \
	static inline uint64_t read_cr##n(void)                                          \
	{                                                                                \
		uint64_t v;                                                              \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                        \
		return v;                                                                \
	}                                                                                \
	static inline void write_cr##n(uint64_t v)                                       \
	{                                                                                \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");               \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}
extern uint64_t x86_boot_tsc;

/* cpu.c: NMIs that met a CPU in keel (vectors.S counts them), and NMI blocking lifted after an NMI exit. */
unsigned x86_nmi_take(unsigned cpu);
void x86_nmi_unblock(void);

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

/* ACPI PM1a control port from the FADT (0 if none): arch_system_off() uses it. */
extern uint16_t x86_acpi_pm1a_cnt;
/* Set by virt.c once VMXON succeeded or VMX proved absent, for arch_privilege_name(). */
extern const char *x86_privilege;

/*
 * A pointer to low physical memory (identity-mapped). Laundered through asm
 * so that GCC does not take a constant address below 4 KiB for a null
 * pointer arithmetic bug (-Warray-bounds).
 */
static inline const void *phys_ptr(uint64_t pa)
{
	const void *p = (const void *)(uintptr_t)pa;

	__asm__("" : "+r"(p));
	return p;
}

/*
 * cpuid.c: the host's view of CPUID leaf/sub, given the hardware's answer in
 * r (eax, ebx, ecx, edx), changed in place; osxsave: the host's CR4.OSXSAVE.
 */
void x86_cpuid_filter(uint32_t leaf, uint32_t sub, uint32_t r[4], bool osxsave);

/* Where the host starts, in 64-bit mode with paging (svm.c, host.c). */
struct x86_host_entry {
	uint64_t rip, rsi, cr3, gdt;
	uint16_t gdt_limit;
};

/* vmx.c, vmx_host.c, vmx_exit.c */
struct vmx_config;
struct x86_gprs;
int x86_vmx_probe(void);
int x86_vmx_cpu_init(unsigned cpu);
const struct vmx_config *x86_vmx_config(void);
int x86_vmx_host_init(void);
void x86_vmx_host_64(unsigned cpu, uint64_t ept_root, const struct x86_host_entry *e);
void x86_vmx_queue_nmi(unsigned cpu); /* the host's NMI, given back at the next entry it can take it */
void x86_vmx_ap_init(unsigned cpu); /* an AP keel started waits for the host's SIPI */
void x86_vmx_real_mode(unsigned cpu, uint8_t vector);
void __noreturn x86_vmx_run(unsigned cpu);
void __noreturn x86_vmx_stopped(unsigned cpu, const char *why);
bool x86_vmx_handle_exit(unsigned cpu, struct x86_gprs *g);

/* svm.c */
int x86_svm_probe(void);
int x86_svm_cpu_init(unsigned cpu);
void x86_svm_host_64(unsigned cpu, uint64_t ncr3, const struct x86_host_entry *e);
void __noreturn x86_svm_run(unsigned cpu);
void x86_svm_ap_wait(unsigned cpu); /* an AP keel started waits for the host's SIPI */

/* boot.c: what the loader gave keel for its host (multiboot2 modules: the kernel first, then the initrd) */
#define X86_MAX_E820 128
extern struct e820_entry x86_e820[X86_MAX_E820];
extern unsigned x86_nr_e820;
extern char x86_host_cmdline[2048];
extern uint64_t x86_rsdp_pa;        /* the RSDP in the BIOS areas, 0 if only the loader had one */
const uint8_t *x86_rsdp_copy(void); /* the loader's copy of the RSDP, or NULL */

/* apic.c: the host's INIT and SIPI under keel's control */
extern uint64_t x86_lapic_base;
#define X86_MAIL_SIPI BIT(30)
void x86_apic_init(const struct boot_info *bi);
bool x86_cpu_runs_host(unsigned cpu);
void x86_cpu_set_runs_host(unsigned cpu, bool on);
uint8_t x86_cpu_wait_sipi(unsigned cpu, void (*halt)(void)); /* the SIPI's vector, once it came */
bool x86_apic_icr_filter(unsigned self, uint32_t lo, uint32_t dest, bool x2apic);
void x86_apic_host_store(unsigned self, uint64_t off, uint32_t val);
#define MSR_APIC_BASE 0x01b
#define MSR_X2APIC_ICR 0x830
int x86_apic_host_wrmsr(unsigned self, uint32_t msr, uint64_t val);
uint32_t x86_apic_read(uint64_t off);
void x86_apic_send_nmi(unsigned target);

/*
 * shootdown.c: a nested table change reaches every CPU's TLB. enter/exit
 * bracket each guest entry (enter: true if this CPU must flush first);
 * shootdown returns once no other CPU can use what was there before.
 */
bool x86_tlb_enter(unsigned cpu, uint64_t *seen);
void x86_tlb_exit(unsigned cpu);
bool x86_tlb_kick_take(unsigned cpu); /* the NMI was keel's flush request */
void x86_tlb_shootdown(void);
void x86_invept_all(void); /* mm.c: this CPU's EPT translations, if it can */

/*
 * host_store.c: the host's second-stage fault at gpa. A store to its local
 * APIC page (read-only for it) is carried out: h says where the instruction
 * is (linear RIP) and how to walk to it; r holds the host's registers in the
 * encoding's order (an XCHG's register is updated in it); the instruction's
 * length is returned. -EINVAL: an APIC store keel does not emulate (the
 * caller stops the host); -EFAULT: keel's memory (the caller injects #GP).
 */
struct x86_host_view {
	uint64_t ip, cr3, efer;
};
int x86_host_stage2_fault(unsigned cpu, uint64_t gpa, bool write, bool fetch, const struct x86_host_view *h,
			  uint64_t r[16]);

/* smp.c: keel's per-CPU stacks (head.S), the APs started into keel and parked until the host wants them */
#define X86_STACK_SIZE 16384
extern char x86_stacks[];
int x86_smp_start(const struct boot_info *bi);

/* vectors.S: RDMSR (write 0) or WRMSR (write 1) of *val; 0, or -1 if the CPU raised #GP */
int x86_msr_safe(uint32_t msr, uint64_t *val, int write);

/* traps.c: x86_traps_init builds the IDT and loads it, x86_traps_load loads it on another CPU */
void x86_traps_init(void);
void x86_traps_load(void);

/* head.S / linker script */
extern char __keel_start[], __keel_image_end[], __text_end[];

#endif
