#!/bin/sh
# shellcheck shell=sh
# Runs in the host Linux under keel (tests/rig/hostrun, busybox sh): loads the shim, runs the KVM
# API tests (kvmtest), then checks rmmod undoes everything and that the shim loads again.
#   host-check.sh SHIM.KO KVMTEST   (with /facts-kvm.txt and /hcfuzz.ko when given: see below)
# One line per check, then "N passed, M failed" (kvmtest's checks included); exit 1 on any failure.
ko=${1:-/shim.ko} kvmtest=${2:-/kvmtest}
pass=0 fail=0
ck() { # STATUS MESSAGE
	if [ "$1" = 0 ]; then echo "ok - $2"; pass=$((pass + 1)); else echo "FAIL - $2"; fail=$((fail + 1)); fi
}
loaded() { grep -q '^shim ' /proc/modules; }
cpu_online() { echo "$2" >"/sys/devices/system/cpu/cpu$1/online"; } # CPU 0|1

[ -e /dev/kvm ]; ck $((!$?)) "no /dev/kvm before the shim loads (the kernel's own KVM found no EL2)"
dmesg | grep -q 'kvm \[1\]: HYP mode not available'; ck $? "the kernel's KVM says: HYP mode not available"
insmod "$ko"; ck $? "insmod $ko"
dmesg | grep 'keel-kvm:' | tail -n 3 | sed 's/^/  dmesg: /'
loaded; ck $? "the shim is in /proc/modules"

# CPU hotplug: keel is told when a CPU may and may no longer run guests (keel numbers CPUs in DT
# order, as Linux does on QEMU virt, so the bitmap reads the same).
stat=/sys/kernel/debug/kvm
ncpu=$(grep -c ^processor /proc/cpuinfo)
all=$(((1 << ncpu) - 1))
[ "$(cat $stat/cpus_enabled)" = "$all" ]; ck $? "guests enabled on all $ncpu CPUs (cpus_enabled $(cat $stat/cpus_enabled), want $all)"
if [ "$ncpu" -ge 2 ] && [ -w /sys/devices/system/cpu/cpu1/online ]; then
	cpu_online 1 0; ck $? "CPU1 offline"
	[ "$(cat $stat/cpus_enabled)" = $((all & ~2)) ]; ck $? "keel was told: CPU1 runs no guests (cpus_enabled $(cat $stat/cpus_enabled))"
	cpu_online 1 1; ck $? "CPU1 online again"
	[ "$(cat $stat/cpus_enabled)" = "$all" ]; ck $? "keel was told: CPU1 may run guests again (cpus_enabled $(cat $stat/cpus_enabled))"
	dmesg | tail -n 20 | grep -E 'CPU1|psci' | sed 's/^/  dmesg: /'
fi

# What a guest sees must be what it sees over Linux's KVM on this CPU (recorded by nokeel-check.sh).
if [ -f /facts-kvm.txt ]; then
	"$kvmtest" --facts >/tmp/facts.txt
	n=0 bad=0
	while read -r _ name want; do
		got=$(sed -n "s/^fact $name //p" /tmp/facts.txt)
		n=$((n + 1))
		[ "$got" = "$want" ] || { echo "  fact $name: keel '$got', Linux KVM '$want'"; bad=$((bad + 1)); }
	done </facts-kvm.txt
	[ "$n" -gt 0 ] && [ "$bad" = 0 ]; ck $? "a guest sees what it sees over Linux's KVM: $((n - bad)) of $n facts alike"
fi

out=$("$kvmtest" 2>&1); rc=$?
echo "$out"
summary=$(echo "$out" | tail -n 1)
p=$(echo "$summary" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
f=$(echo "$summary" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
if [ -n "$p" ] && [ -n "$f" ]; then pass=$((pass + p)) fail=$((fail + f)); else fail=$((fail + 1)); fi
[ "$rc" = 0 ]; ck $? "kvmtest exited $rc"

# Random programs against /dev/kvm (kvmtest_fuzz.c): keel's counters back, no oops (checked at the end).
out=$("$kvmtest" --fuzz 1 20 2>&1); rc=$?
echo "$out" | sed 's/^/  /'
[ "$rc" = 0 ]; ck $? "kvmtest --fuzz 1 20: random ioctls, guest code, churn and kill -9; counters back (exit $rc)"

rmmod shim; ck $? "rmmod shim"
loaded; ck $((!$?)) "the shim is gone from /proc/modules"
[ -e /dev/kvm ]; ck $((!$?)) "no /dev/kvm after rmmod"
[ -e /sys/kernel/debug/kvm ]; ck $((!$?)) "no /sys/kernel/debug/kvm after rmmod"
[ -e /sys/kernel/tracing/events/keel_kvm ]; ck $((!$?)) "no keel_kvm trace events after rmmod"
dmesg | grep -q 'keel-kvm: unloaded'; ck $? "the shim said it unloaded"

# Random keel calls straight from the host (tests/kvm/hcfuzz): keel stays alive, its accounting intact.
if [ -f /hcfuzz.ko ]; then
	insmod /hcfuzz.ko iterations=20000 seed=1; rc=$?
	dmesg | grep 'hcfuzz:' | sed 's/^/  dmesg: /'
	[ "$rc" = 0 ] && dmesg | grep -q 'hcfuzz: .*keel alive, accounting back'
	ck $? "20000 random hypercalls from a host module: keel alive, its accounting back (insmod exit $rc)"
	rmmod hcfuzz 2>/dev/null
fi

insmod "$ko"; ck $? "insmod again"
[ -c /dev/kvm ]; ck $? "/dev/kvm is back"
[ -r /sys/kernel/debug/kvm/vm_count ] && [ "$(cat /sys/kernel/debug/kvm/vm_count)" = 0 ]
ck $? "vm_count reads 0 after the reload"
rmmod shim; ck $? "rmmod again"
if dmesg | grep -E -q 'WARNING|BUG:|Oops|refused to destroy'; then
	dmesg | grep -E -A5 'WARNING|BUG:|Oops|refused to destroy' | sed 's/^/  dmesg: /'
	ck 1 "no kernel warnings"
else
	ck 0 "no kernel warnings"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
