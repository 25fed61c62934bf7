// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 exceptions: an IDT whose 32 vectors all report and stop (keel takes
 * no interrupts), except the NMI, which keel uses to wake its CPUs (svm.c).
 */
#include <arch/x86.h>
#include <hv/printf.h>

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

/* What vectors.S pushes, lowest address first. */
struct x86_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

extern char x86_trap_stubs[], x86_nmi_entry[];
static struct idt_entry idt[32] __aligned(16);

static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound",
	"#UD invalid opcode", "#NM no FPU", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved", "#MF FPU error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

void x86_traps_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void x86_traps_init(void)
{
	for (unsigned v = 0; v < ARRAY_SIZE(idt); v++) {
		uint64_t a = v == 2 ? (uintptr_t)x86_nmi_entry : (uintptr_t)x86_trap_stubs + 16 * v;

		idt[v] = (struct idt_entry){
			.off_lo = a & 0xffff, .sel = 0x08, .type = 0x8e, /* present, 64-bit interrupt gate */
			.off_mid = (a >> 16) & 0xffff, .off_hi = a >> 32,
		};
	}
	x86_traps_load();
}

extern char x86_msr_insn_rd[], x86_msr_insn_wr[], x86_msr_fault[];

void x86_trap(struct x86_trap_frame *f);
void x86_trap(struct x86_trap_frame *f)
{
	/* An MSR the host asked keel to access that the CPU does not have: x86_msr_safe() returns -1. */
	if (f->vector == 13 && (f->rip == (uintptr_t)x86_msr_insn_rd || f->rip == (uintptr_t)x86_msr_insn_wr)) {
		f->rip = (uintptr_t)x86_msr_fault;
		return;
	}
	const char *name = f->vector < ARRAY_SIZE(names) && names[f->vector] ? names[f->vector] : "reserved";

	/* One line a call: hv_printf() formats into a 256-byte line buffer. */
	hv_printf("\nkeel: x86_64: unexpected exception %llu (%s), error code 0x%llx\n",
		  (unsigned long long)f->vector, name, (unsigned long long)f->error);
	hv_printf("  rip %016llx  rsp %016llx  rflags %08llx  cr2 %016llx\n", (unsigned long long)f->rip,
		  (unsigned long long)f->rsp, (unsigned long long)f->rflags, (unsigned long long)read_cr2());
	hv_printf("  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n", (unsigned long long)f->rax,
		  (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	hv_printf("  rsi %016llx  rdi %016llx  rbp %016llx\n", (unsigned long long)f->rsi,
		  (unsigned long long)f->rdi, (unsigned long long)f->rbp);
	hv_panic("keel: x86_64: stopped after an exception in keel\n");
}
