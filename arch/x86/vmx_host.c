// SPDX-License-Identifier: GPL-2.0
/*
 * keel on Intel VMX, running the host (vmx.c set each CPU up): the VMCS of
 * a CPU that runs the host (host state: keel's; guest state: the 64-bit
 * boot protocol's, or real mode at a SIPI's vector), EPT from the host's
 * second-stage map, and the exits (CPUID, VMCALL, CR0/CR4 fixed bits,
 * XSETBV, stores to the local APIC, NMIs, an access to keel's memory, the
 * VMX instructions). The host's INIT and SIPI go through keel as under SVM
 * (apic.c): a CPU the host stops waits in keel, halted in VMX root, and
 * keel starts it at the SIPI's vector; keel's NMI is the request, the
 * host's NMIs go back to it. Not VMX's own tools: in bochs a SIPI to the
 * wait-for-SIPI activity state exits on the sending CPU's context, which
 * wrecks it, and INIT stays masked from the first VM exit on.
 */
#include <arch/svm.h>
#include <arch/vmcs.h>
#include <arch/vmx.h>
#include <arch/x86.h>
#include <hv/arch/cpu.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/string.h>
#include <keel/abi.h>

#define HOST_VPID 1
#define EPTP_WB_4LEVEL ((6ULL) | (3ULL << 3))
#define AR_UNUSABLE (1U << 16)
#define INTR_INFO_VALID (1U << 31)
#define INTR_TYPE_HW_EXC (3U << 8)
#define INTR_ERR_VALID (1U << 11)
#define VEC_UD 6
#define VEC_GP 13
#define XCR0_X87 1ULL
#define INTR_TYPE_NMI (2U << 8)
#define VEC_NMI 2
#define INTR_BLOCK_STI BIT(0)
#define INTR_BLOCK_MOV_SS BIT(1)
#define INTR_BLOCK_NMI BIT(3)
#define CR0_MASK CR0_NE
#define CR4_MASK CR4_VMXE

struct vmx_cpu {
	struct x86_gprs g;
	bool launched;
	bool nmi_pending;    /* the host's NMI, not yet given back */
	uint64_t tlb_gen;    /* the EPT generation this CPU is clean for (shootdown.c) */
	uint64_t gdt[5];     /* null, code 0x08, data 0x10, TSS 0x18 (two entries): VMX wants a host TR */
	uint8_t tss[104];
};

static struct vmx_cpu vcpus_host[HV_MAX_CPUS];
static uint64_t host_eptp;
static void *msr_bitmap;
extern char vmx_exit_point[];
int vmx_enter(struct x86_gprs *g, int launched);

/* keel's own GDT with a TSS on this CPU (VMX requires a host TR), loaded. */
static void host_gdt(struct vmx_cpu *c)
{
	uint64_t tss = (uintptr_t)c->tss;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(c->gdt) - 1, (uintptr_t)c->gdt };

	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffffULL;
	c->gdt[2] = 0x00cf92000000ffffULL;
	c->gdt[3] = (sizeof(c->tss) - 1) | ((tss & 0xffffff) << 16) | (0x89ULL << 40) | ((tss >> 24) & 0xff) << 56;
	c->gdt[4] = tss >> 32;
	__asm__ volatile("lgdt %0; ltr %w1" : : "m"(gdtr), "r"(0x18) : "memory");
}

static void vmcs_host_state(unsigned cpu)
{
	struct vmx_cpu *c = &vcpus_host[cpu];
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, read_cr3());
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SELECTOR, 0x08);
	vmwrite(HOST_SS_SELECTOR, 0x10);
	vmwrite(HOST_DS_SELECTOR, 0x10);
	vmwrite(HOST_ES_SELECTOR, 0x10);
	vmwrite(HOST_FS_SELECTOR, 0);
	vmwrite(HOST_GS_SELECTOR, 0);
	vmwrite(HOST_TR_SELECTOR, 0x18);
	vmwrite(HOST_FS_BASE, 0);
	vmwrite(HOST_GS_BASE, 0);
	vmwrite(HOST_TR_BASE, (uintptr_t)c->tss);
	vmwrite(HOST_GDTR_BASE, (uintptr_t)c->gdt);
	vmwrite(HOST_IDTR_BASE, idtr.base);
	vmwrite(HOST_IA32_SYSENTER_CS, 0);
	vmwrite(HOST_IA32_SYSENTER_ESP, 0);
	vmwrite(HOST_IA32_SYSENTER_EIP, 0);
	vmwrite(HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_IA32_PAT, rdmsr(0x277));
	vmwrite(HOST_RIP, (uintptr_t)vmx_exit_point);
}

static void vmcs_controls(const struct vmx_config *cfg)
{
	vmwrite(PIN_BASED_VM_EXEC_CONTROL, cfg->pin);
	vmwrite(CPU_BASED_VM_EXEC_CONTROL, cfg->proc);
	vmwrite(SECONDARY_VM_EXEC_CONTROL, cfg->proc2);
	vmwrite(VM_EXIT_CONTROLS, cfg->exit);
	vmwrite(VM_ENTRY_CONTROLS, cfg->entry);
	vmwrite(EXCEPTION_BITMAP, 0);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(VM_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmwrite(MSR_BITMAP, pa_addr(ptr_to_pa(msr_bitmap)));
	vmwrite(EPT_POINTER, host_eptp);
	if (cfg->proc2 & PROC2_VPID)
		vmwrite(VIRTUAL_PROCESSOR_ID, HOST_VPID);
	vmwrite(CR0_GUEST_HOST_MASK, CR0_MASK);
	vmwrite(CR4_GUEST_HOST_MASK, CR4_MASK);
	vmwrite(VMCS_LINK_POINTER, ~0ULL);
}

static void seg(unsigned i, uint16_t sel, uint32_t ar, uint32_t limit, uint64_t base)
{
	vmwrite(GUEST_ES_SELECTOR + 2 * i, sel);
	vmwrite(GUEST_ES_AR_BYTES + 2 * i, ar);
	vmwrite(GUEST_ES_LIMIT + 2 * i, limit);
	vmwrite(GUEST_ES_BASE + 2 * i, base);
}
enum { ES, CS, SS, DS, FS, GS, LDTR, TR };

/* Guest state common to both starts: what INIT leaves that the host's code does not set itself. */
static void guest_common(struct vmx_cpu *c, uint64_t cr0, uint64_t cr4)
{
	const struct vmx_config *cfg = x86_vmx_config();

	vmwrite(GUEST_CR0, (cr0 | cfg->cr0_fixed0 | CR0_NE) & cfg->cr0_fixed1 & ~(cr0 & CR0_PG ? 0 : CR0_PG) &
				   ~(cr0 & CR0_PE ? 0 : CR0_PE));
	vmwrite(CR0_READ_SHADOW, cr0);
	vmwrite(GUEST_CR4, (cr4 | cfg->cr4_fixed0) & cfg->cr4_fixed1);
	vmwrite(CR4_READ_SHADOW, cr4);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_RFLAGS, 2);
	vmwrite(GUEST_RSP, 0);
	vmwrite(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmwrite(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_IA32_PAT, 0x0007040600070406ULL);
	seg(LDTR, 0, AR_UNUSABLE, 0, 0);
	seg(TR, 0, 0x8b, 0xffff, 0);
	memset(&c->g, 0, sizeof(c->g));
}

void x86_vmx_host_64(unsigned cpu, uint64_t ept_root, const struct x86_host_entry *e)
{
	struct vmx_cpu *c = &vcpus_host[cpu];

	host_eptp = ept_root | EPTP_WB_4LEVEL;
	host_gdt(c);
	vmcs_host_state(cpu);
	vmcs_controls(x86_vmx_config());
	vmwrite(VM_ENTRY_CONTROLS, x86_vmx_config()->entry | ENTRY_IA32E_GUEST);
	guest_common(c, CR0_PE | CR0_ET | CR0_NE | CR0_PG, CR4_PAE);
	seg(CS, 0x10, 0xa09b, 0xffffffff, 0);
	seg(DS, 0x18, 0xc093, 0xffffffff, 0);
	seg(ES, 0x18, 0xc093, 0xffffffff, 0);
	seg(SS, 0x18, 0xc093, 0xffffffff, 0);
	seg(FS, 0x18, 0xc093, 0xffffffff, 0);
	seg(GS, 0x18, 0xc093, 0xffffffff, 0);
	vmwrite(GUEST_GDTR_BASE, e->gdt);
	vmwrite(GUEST_GDTR_LIMIT, e->gdt_limit);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0);
	vmwrite(GUEST_CR3, e->cr3);
	vmwrite(GUEST_IA32_EFER, EFER_LME | EFER_LMA);
	vmwrite(GUEST_RIP, e->rip);
	c->g.rsi = e->rsi;
	c->launched = false;
	x86_cpu_set_runs_host(cpu, true);
}

/* An AP keel started: its VMCS gets keel's side; it waits in keel for the host's SIPI. */
void x86_vmx_ap_init(unsigned cpu)
{
	struct vmx_cpu *c = &vcpus_host[cpu];

	host_gdt(c);
	vmcs_host_state(cpu);
	vmcs_controls(x86_vmx_config());
	c->launched = false;
	x86_cpu_set_runs_host(cpu, false);
}

/* As INIT and SIPI leave a CPU: real mode at vector << 12. */
void x86_vmx_real_mode(unsigned cpu, uint8_t vector)
{
	struct vmx_cpu *c = &vcpus_host[cpu];
	uint16_t sel = (uint16_t)vector << 8;

	vmwrite(VM_ENTRY_CONTROLS, x86_vmx_config()->entry & ~ENTRY_IA32E_GUEST);
	guest_common(c, 0x60000010, 0);
	seg(CS, sel, 0x9b, 0xffff, (uint64_t)sel << 4);
	seg(DS, 0, 0x93, 0xffff, 0);
	seg(ES, 0, 0x93, 0xffff, 0);
	seg(SS, 0, 0x93, 0xffff, 0);
	seg(FS, 0, 0x93, 0xffff, 0);
	seg(GS, 0, 0x93, 0xffff, 0);
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_GDTR_LIMIT, 0xffff);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0xffff);
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_IA32_EFER, 0);
	vmwrite(GUEST_RIP, 0);
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0); /* nothing the host had pending survives INIT */
}

int x86_vmx_host_init(void)
{
	msr_bitmap = page_alloc(0);
	if (!msr_bitmap)
		return -ENOMEM;
	memset(msr_bitmap, 0, PAGE_SIZE);
	/* Writes that exit (the bitmap's write-low part at 2 KiB): the APIC base and the x2APIC ICR (apic.c). */
	((uint8_t *)msr_bitmap)[0x800 + MSR_APIC_BASE / 8] |= BIT(MSR_APIC_BASE % 8);
	((uint8_t *)msr_bitmap)[0x800 + MSR_X2APIC_ICR / 8] |= BIT(MSR_X2APIC_ICR % 8);
	return 0;
}

void __noreturn x86_vmx_stopped(unsigned cpu, const char *why)
{
	hv_printf("\nkeel: the host %s on CPU %u: exit reason %llu, qualification 0x%llx, RIP 0x%llx, error %llu\n",
		  why, cpu, (unsigned long long)vmread(VM_EXIT_REASON), (unsigned long long)vmread(EXIT_QUALIFICATION),
		  (unsigned long long)vmread(GUEST_RIP), (unsigned long long)vmread(VM_INSTRUCTION_ERROR));
	hv_printf("keel:   CR0 0x%llx CR3 0x%llx CR4 0x%llx EFER 0x%llx GPA 0x%llx\n",
		  (unsigned long long)vmread(GUEST_CR0), (unsigned long long)vmread(GUEST_CR3),
		  (unsigned long long)vmread(GUEST_CR4), (unsigned long long)vmread(GUEST_IA32_EFER),
		  (unsigned long long)vmread(GUEST_PHYSICAL_ADDRESS));
	hv_printf("keel: stopping the machine\n");
	arch_system_off();
	arch_cpu_halt();
}

/* Halted in VMX root with interrupts off: keel's NMI (taken by its handler) ends it. */
static void vmx_halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

void x86_vmx_queue_nmi(unsigned cpu) { vcpus_host[cpu].nmi_pending = true; }

/*
 * The host's NMI goes back to it once it can take one (no NMI, STI or MOV SS
 * blocking, no other event being injected); until then an NMI-window exit
 * brings keel back for it (vmx_exit.c).
 */
static void nmi_give_back(struct vmx_cpu *c)
{
	uint64_t proc = vmread(CPU_BASED_VM_EXEC_CONTROL);

	if ((vmread(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID) ||
	    (vmread(GUEST_INTERRUPTIBILITY_INFO) & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS | INTR_BLOCK_NMI))) {
		if (!(proc & PROC_NMI_WINDOW))
			vmwrite(CPU_BASED_VM_EXEC_CONTROL, proc | PROC_NMI_WINDOW);
		return;
	}
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | INTR_TYPE_NMI | VEC_NMI);
	c->nmi_pending = false;
}

void __noreturn x86_vmx_run(unsigned cpu)
{
	struct vmx_cpu *c = &vcpus_host[cpu];
	unsigned nmis;

	for (;;) {
		if (!x86_cpu_runs_host(cpu)) {
			x86_vmx_real_mode(cpu, x86_cpu_wait_sipi(cpu, vmx_halt));
			c->nmi_pending = false; /* keel's wake-ups, and whatever the host had pending: INIT drops it */
			x86_nmi_take(cpu);
			x86_tlb_kick_take(cpu);
			vmwrite(CPU_BASED_VM_EXEC_CONTROL, vmread(CPU_BASED_VM_EXEC_CONTROL) & ~PROC_NMI_WINDOW);
		}
		if (x86_tlb_enter(cpu, &c->tlb_gen))
			x86_invept_all();
		/* NMIs that met this CPU in keel while it runs the host are the host's, but a flush request. */
		nmis = x86_nmi_take(cpu);
		if (nmis && x86_tlb_kick_take(cpu))
			nmis--;
		if (nmis)
			c->nmi_pending = true;
		if (c->nmi_pending)
			nmi_give_back(c);
		if (vmx_enter(&c->g, c->launched))
			x86_vmx_stopped(cpu, "could not be entered (VM entry failed)");
		x86_tlb_exit(cpu);
		c->launched = true;
		if (!x86_vmx_handle_exit(cpu, &c->g))
			x86_vmx_stopped(cpu, "made an exit keel does not handle");
	}
}
