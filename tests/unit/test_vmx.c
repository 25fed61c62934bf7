// SPDX-License-Identifier: GPL-2.0
/*
 * keel's VMX controls from recorded capability MSRs (arch/x86/vmx_caps.c,
 * as KVM's setup_vmcs_config): bochs's Sandy Bridge and Skylake-X models
 * (recorded by keel's own VMX report under bochs: "keel: VMX: MSRs ..."),
 * a Skylake-client value set as Linux's rdmsr reports it on such CPUs, and
 * the refusals: no EPT, no unrestricted guest, no EFER switching, no TRUE
 * controls (the defaults then), a VMCS keel cannot use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <arch/vmx.h>
#include <hv/errno.h>

static const struct vmx_caps sandy_bridge = { /* bochs corei7_sandy_bridge_2600k */
	.basic = 0xd810000000002bULL, .pin = 0x7f00000016ULL, .proc = 0xf7f9fffe0401e172ULL,
	.exit = 0x7fffff00036dffULL, .entry = 0xffff000011ffULL, .proc2 = 0xff00000000ULL,
	.ept_vpid = 0xf0106114141ULL, .true_pin = 0x7f00000016ULL, .true_proc = 0xf7f9fffe04006172ULL,
	.true_exit = 0x7fffff00036dfbULL, .true_entry = 0xffff000011fbULL,
	.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff, .cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x627ff,
};

static const struct vmx_caps skylake_x = { /* bochs corei7_skylake_x */
	.basic = 0xd810000000002bULL, .pin = 0x7f00000016ULL, .proc = 0xf7f9fffe0401e172ULL,
	.exit = 0x7fffff00036dffULL, .entry = 0xffff000011ffULL, .proc2 = 0x2177fff00000000ULL,
	.ept_vpid = 0xf0106334141ULL, .true_pin = 0x7f00000016ULL, .true_proc = 0xf7f9fffe04006172ULL,
	.true_exit = 0x7fffff00036dfbULL, .true_entry = 0xffff000011fbULL,
	.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff, .cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3727ff,
};

static const struct vmx_caps skylake_client = { /* a Core i7-6700-class CPU (VMCS revision 4, 1 KiB VMCS) */
	.basic = 0xda040000000004ULL, .pin = 0x7f00000016ULL, .proc = 0xfff9fffe0401e172ULL,
	.exit = 0x1ffffff00036dffULL, .entry = 0x3ffff000011ffULL, .proc2 = 0x1ffcff00000000ULL,
	.ept_vpid = 0xf0106734141ULL, .true_pin = 0x7f00000016ULL, .true_proc = 0xfff9fffe04006172ULL,
	.true_exit = 0x1ffffff00036dfbULL, .true_entry = 0x3ffff000011fbULL,
	.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff, .cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3727ff,
};

static void test_bochs_sandy_bridge(void **state)
{
	struct vmx_config cfg;
	const char *why = NULL;

	(void)state;
	assert_int_equal(vmx_setup_config(&sandy_bridge, &cfg, &why), 0);
	assert_int_equal(cfg.revision, 0x2b);
	assert_int_equal(cfg.vmcs_size, 4096);
	assert_int_equal(cfg.pin, 0x3e);        /* the allowed-0 bits, NMI exiting and virtual NMIs */
	assert_int_equal(cfg.proc, 0x94006172); /* TRUE controls: HLT, INVLPG, CR3 exits off; MSR bitmaps, secondary */
	assert_int_equal(cfg.proc2, 0xaa);      /* EPT, RDTSCP, VPID, unrestricted guest (no INVPCID, XSAVES here) */
	assert_int_equal(cfg.exit, 0x3f6ffb);   /* 64-bit host, PAT and EFER saved and loaded */
	assert_int_equal(cfg.entry, 0xd1fb);    /* PAT and EFER loaded; IA-32e mode not fixed */
	assert_int_equal(cfg.cr4_fixed1, 0x627ff);
}

static void test_bochs_skylake_x(void **state)
{
	struct vmx_config cfg;
	const char *why = NULL;

	(void)state;
	assert_int_equal(vmx_setup_config(&skylake_x, &cfg, &why), 0);
	assert_int_equal(cfg.proc2, 0x1010aa); /* + INVPCID and XSAVES, which the host would miss otherwise */
	assert_int_equal(cfg.proc, 0x94006172);
	assert_int_equal(cfg.exit, 0x3f6ffb);
}

static void test_real_skylake(void **state)
{
	struct vmx_config cfg, other;
	const char *why = NULL;

	(void)state;
	assert_int_equal(vmx_setup_config(&skylake_client, &cfg, &why), 0);
	assert_int_equal(cfg.revision, 4);
	assert_int_equal(cfg.vmcs_size, 1024);
	assert_int_equal(cfg.proc, 0x94006172);
	assert_int_equal(cfg.proc2, 0x1010aa);
	assert_int_equal(cfg.entry, 0xd1fb);
	/* vmx_check_processor_compat: a CPU with other capabilities gets another configuration. */
	assert_int_equal(vmx_setup_config(&sandy_bridge, &other, &why), 0);
	assert_memory_not_equal(&cfg, &other, sizeof(cfg));
}

static void test_refusals(void **state)
{
	struct vmx_caps c;
	struct vmx_config cfg;
	const char *why = NULL;

	(void)state;
	c = sandy_bridge;
	c.proc2 &= ~(2ULL << 32); /* no EPT: bochs's core2_penryn_t9600 */
	assert_int_equal(vmx_setup_config(&c, &cfg, &why), -EIO);
	assert_non_null(strstr(why, "EPT"));
	c = sandy_bridge;
	c.proc2 &= ~(0x80ULL << 32); /* no unrestricted guest */
	assert_int_equal(vmx_setup_config(&c, &cfg, &why), -EIO);
	c = sandy_bridge;
	c.ept_vpid &= ~(1ULL << 14); /* no write-back EPT walk */
	assert_int_equal(vmx_setup_config(&c, &cfg, &why), -EIO);
	assert_non_null(strstr(why, "write-back"));
	c = sandy_bridge;
	c.true_exit &= ~(0x200000ULL << 32); /* cannot load EFER at exit */
	assert_int_equal(vmx_setup_config(&c, &cfg, &why), -EIO);
	assert_non_null(strstr(why, "EFER"));
	c = sandy_bridge;
	c.proc &= ~(1ULL << 63); /* no secondary controls at all */
	c.true_proc &= ~(1ULL << 63);
	assert_int_equal(vmx_setup_config(&c, &cfg, &why), -EIO);
	c = sandy_bridge;
	c.true_pin &= ~(0x20ULL << 32); /* no virtual NMIs */
	assert_int_equal(vmx_setup_config(&c, &cfg, &why), -EIO);
	assert_non_null(strstr(why, "NMI"));
	c = sandy_bridge;
	c.basic |= 1ULL << 48; /* 32-bit VMCS addresses only */
	assert_int_equal(vmx_setup_config(&c, &cfg, &why), -EIO);
	/* Without TRUE controls the default1 bits stay set: CR3 load/store exits among them. */
	c = sandy_bridge;
	c.basic &= ~(1ULL << 55);
	assert_int_equal(vmx_setup_config(&c, &cfg, &why), 0);
	assert_int_equal(cfg.proc, 0x9401e172);
	assert_int_equal(cfg.exit, 0x3f6fff);
}

/* The firmware's IA32_FEATURE_CONTROL: locked without VMX is a refusal; unlocked, keel locks it with VMX on. */
static void test_feature_control(void **state)
{
	uint64_t w = 1;

	(void)state;
	assert_int_equal(vmx_feature_control(0x1, &w), -ENODEV); /* locked, VMX off: "disabled by the firmware" */
	assert_int_equal(w, 0);
	assert_int_equal(vmx_feature_control(0x3, &w), -ENODEV); /* VMX inside SMX only */
	assert_int_equal(vmx_feature_control(0x5, &w), 0);       /* bochs: locked, VMX on */
	assert_int_equal(w, 0);
	assert_int_equal(vmx_feature_control(0x0, &w), 0);       /* unlocked: keel enables and locks */
	assert_int_equal(w, 0x5);
	assert_int_equal(vmx_feature_control(0x40000, &w), 0);   /* other bits kept */
	assert_int_equal(w, 0x40005);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bochs_sandy_bridge),
		cmocka_unit_test(test_bochs_skylake_x),
		cmocka_unit_test(test_real_skylake),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_feature_control),
	};

	return cmocka_run_group_tests_name("vmx", tests, NULL, NULL);
}
