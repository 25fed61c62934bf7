/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shim's trace events, in their own system "keel_kvm": the kernel's own
 * KVM registers the "kvm" system even when it is built in and inactive (as
 * under keel), so the shim cannot use that name.
 *   trace-cmd record -e 'keel_kvm:*'   or   /sys/kernel/tracing/events/keel_kvm/
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM keel_kvm

#if !defined(KEEL_SHIM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KEEL_SHIM_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(keel_vm_create,
	TP_PROTO(u64 handle, unsigned int ipa_bits, u64 pages, long ret),
	TP_ARGS(handle, ipa_bits, pages, ret),
	TP_STRUCT__entry(
		__field(u64, handle)
		__field(unsigned int, ipa_bits)
		__field(u64, pages)
		__field(long, ret)
	),
	TP_fast_assign(
		__entry->handle = handle;
		__entry->ipa_bits = ipa_bits;
		__entry->pages = pages;
		__entry->ret = ret;
	),
	TP_printk("handle 0x%llx ipa_bits %u pages %llu ret %ld", __entry->handle,
		  __entry->ipa_bits, __entry->pages, __entry->ret)
);

TRACE_EVENT(keel_vm_destroy,
	TP_PROTO(u64 handle, long ret),
	TP_ARGS(handle, ret),
	TP_STRUCT__entry(
		__field(u64, handle)
		__field(long, ret)
	),
	TP_fast_assign(
		__entry->handle = handle;
		__entry->ret = ret;
	),
	TP_printk("handle 0x%llx ret %ld", __entry->handle, __entry->ret)
);

/* A CPU may (enable) or may no longer (disable) run guests: KVM's hardware enable/disable. */
TRACE_EVENT(keel_cpu_virt,
	TP_PROTO(unsigned int cpu, bool enable, long ret),
	TP_ARGS(cpu, enable, ret),
	TP_STRUCT__entry(
		__field(unsigned int, cpu)
		__field(bool, enable)
		__field(long, ret)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->enable = enable;
		__entry->ret = ret;
	),
	TP_printk("cpu %u %s ret %ld", __entry->cpu, __entry->enable ? "enable" : "disable",
		  __entry->ret)
);

TRACE_EVENT(keel_vcpu_create,
	TP_PROTO(u64 handle, unsigned int id, long ret),
	TP_ARGS(handle, id, ret),
	TP_STRUCT__entry(
		__field(u64, handle)
		__field(unsigned int, id)
		__field(long, ret)
	),
	TP_fast_assign(
		__entry->handle = handle;
		__entry->id = id;
		__entry->ret = ret;
	),
	TP_printk("vm 0x%llx vcpu %u ret %ld", __entry->handle, __entry->id, __entry->ret)
);

/* KVM's kvm_entry / kvm_exit, with keel's exit reason. */
TRACE_EVENT(keel_vcpu_entry,
	TP_PROTO(unsigned int id, u64 pc),
	TP_ARGS(id, pc),
	TP_STRUCT__entry(
		__field(unsigned int, id)
		__field(u64, pc)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->pc = pc;
	),
	TP_printk("vcpu %u pc 0x%llx", __entry->id, __entry->pc)
);

TRACE_EVENT(keel_vcpu_exit,
	TP_PROTO(unsigned int id, u64 reason, u64 pc),
	TP_ARGS(id, reason, pc),
	TP_STRUCT__entry(
		__field(unsigned int, id)
		__field(u64, reason)
		__field(u64, pc)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->reason = reason;
		__entry->pc = pc;
	),
	TP_printk("vcpu %u reason %llu (%s) pc 0x%llx", __entry->id, __entry->reason,
		  __print_symbolic(__entry->reason, { KEEL_EXIT_NONE, "none" }, { KEEL_EXIT_IRQ, "irq" },
				   { KEEL_EXIT_MMIO, "mmio" }, { KEEL_EXIT_MMIO_NISV, "mmio_nisv" },
				   { KEEL_EXIT_WFI, "wfi" }, { KEEL_EXIT_POWER_OFF, "power_off" },
				   { KEEL_EXIT_SYSTEM_EVENT, "system_event" }, { KEEL_EXIT_WAKE, "wake" },
				   { KEEL_EXIT_HYPERCALL, "hypercall" },
				   { KEEL_EXIT_FAIL_ENTRY, "fail_entry" }, { KEEL_EXIT_MEM_FAULT, "mem_fault" },
				   { KEEL_EXIT_DEBUG, "debug" }, { KEEL_EXIT_KICK, "kick" }, { KEEL_EXIT_EOI, "eoi" },
				   { KEEL_EXIT_WFE, "wfe" }),
		  __entry->pc)
);

#endif /* KEEL_SHIM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
