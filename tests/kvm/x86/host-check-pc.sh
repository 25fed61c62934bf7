#!/bin/sh
# shellcheck shell=sh
# Runs in the x86 host Linux under keel (tests/rig/hostrun --plat pc --no-shim, busybox sh): what the
# host sees of keel (CPUID, both CPUs, keel's memory out of reach), the shim's load, system and VM
# ioctls (kvmsys), CPU hotplug under the shim, unload and reload with keel's counters back.
#   host-check-pc.sh SHIM.KO KVMSYS
# One line per check, then "N passed, M failed" (kvmsys's checks included); exit 1 on any failure.
ko=${1:-/shim.ko} kvmsys=${2:-/kvmsys}
pass=0 fail=0
ck() { # STATUS MESSAGE
	if [ "$1" = 0 ]; then echo "ok - $2"; pass=$((pass + 1)); else echo "FAIL - $2"; fail=$((fail + 1)); fi
}
loaded() { grep -q '^shim ' /proc/modules; }
stat=/sys/kernel/debug/kvm
counters() { for f in vm_count vcpu_count hyp_pages_free hyp_pages_vms pages_owner_hyp pages_shared_guests; do printf '%s=%s ' $f "$(cat $stat/$f)"; done; }

# keel below, as the host sees it
[ "$(grep -c ^processor /proc/cpuinfo)" = 2 ]; ck $? "both CPUs online in the host"
[ "$(grep ^flags /proc/cpuinfo | grep -c -w hypervisor)" = 2 ]; ck $? "CPUID: the hypervisor bit on every CPU"
! grep ^flags /proc/cpuinfo | grep -q -w -e svm -e vmx; ck $? "CPUID: no svm or vmx flag (virtualization is keel's)"
[ -e /dev/kvm ]; ck $((!$?)) "no /dev/kvm before the shim loads"
# keel's image sits at 2 MiB; the host's e820 says reserved there, and a read gets no data (keel injects #GP).
grep -q '0000000000200000-.* reserved' /proc/iomem 2>/dev/null || dmesg | grep -q 'BIOS-e820: \[mem 0x0000000000200000-.*\] reserved'
ck $? "e820: keel's memory at 2 MiB is reserved for the host"
n=$(dd if=/dev/mem bs=4096 skip=513 count=1 2>/dev/null | wc -c)
[ "$n" = 0 ]; ck $? "reading keel's memory through /dev/mem gives no data ($n bytes)"

insmod "$ko"; ck $? "insmod $ko"
dmesg | grep 'keel-kvm:' | tail -n 2 | sed 's/^/  dmesg: /'
loaded && [ -c /dev/kvm ]; ck $? "the shim is loaded and /dev/kvm (10:232) exists"
[ "$(stat -c %t:%T /dev/kvm)" = a:e8 ]; ck $? "/dev/kvm is misc 10:232"
[ "$(cat $stat/cpus_enabled)" = 3 ]; ck $? "guests enabled on both CPUs (cpus_enabled $(cat $stat/cpus_enabled))"
before=$(counters)

# CPU hotplug under the shim: keel hears of it, and the CPU goes through keel (INIT/SIPI) again.
echo 0 >/sys/devices/system/cpu/cpu1/online; ck $? "CPU1 offline"
[ "$(cat $stat/cpus_enabled)" = 1 ]; ck $? "keel was told: CPU1 runs no guests"
echo 1 >/sys/devices/system/cpu/cpu1/online; ck $? "CPU1 online again (started by keel at the host's SIPI)"
[ "$(cat $stat/cpus_enabled)" = 3 ]; ck $? "keel was told: CPU1 may run guests again"
! grep ^flags /proc/cpuinfo | grep -q -w svm; ck $? "CPU1 still sees keel's CPUID (no svm)"

# The host's own NMIs reach it: sysrq-l has every other CPU print its backtrace from an NMI (keel intercepts
# NMIs as its requests and gives the host's back).
# (the trigger returns once every CPU answered or 10 s passed: no wait needed). The backtraces stay off
# the console (loglevel 1 from here on): printed later from NMI context, they would cut this script's
# output lines, hostrun's end marker among them.
dmesg -n 1
n0=$(dmesg | grep -c 'NMI backtrace for cpu [01]')
echo l >/proc/sysrq-trigger
[ $(($(dmesg | grep -c 'NMI backtrace for cpu [01]') - n0)) = 2 ]; ck $? "the host's NMIs reach it (sysrq-l: an NMI backtrace from both CPUs)"
"$kvmsys" --keel >/tmp/kvmsys.out; r=$?
sed 's/^/  /' /tmp/kvmsys.out
p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' /tmp/kvmsys.out)
f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' /tmp/kvmsys.out)
pass=$((pass + ${p:-0})) fail=$((fail + ${f:-1}))
ck $r "kvmsys --keel"
# keel's nested-table changes reach the other CPU before keel goes on (arch/x86/shootdown.c): CPU1 writes
# memory all along while CPU0 creates and closes VMs (pages donated and given back, blocks split and
# folded again, tables freed and reused). A stale translation on CPU1 would fault on host memory
# (hostrun's console then shows keel's report: pc-boot.sh counts them) or write where it must not.
taskset 2 sh -c 'while :; do dd if=/dev/zero of=/tmp/hammer bs=64k count=64 2>/dev/null; done' & h=$!
taskset 1 "$kvmsys" --churn 400 >/tmp/churn.out; r=$?
kill $h; wait $h 2>/dev/null; rm -f /tmp/hammer
sed 's/^/  /' /tmp/churn.out
ck $r "400 VMs on CPU0 while CPU1 writes memory"
[ "$(counters)" = "$before" ]; ck $? "keel's counters are back after the VMs went ($(counters))"

rmmod shim; ck $? "rmmod shim"
[ ! -e /dev/kvm ]; ck $? "/dev/kvm is gone"
insmod "$ko"; ck $? "insmod again"
"$kvmsys" --keel >/dev/null; ck $? "kvmsys --keel after the reload"
rmmod shim; ck $? "rmmod again"
# (the /dev/mem read above warns once, in ex_handler_uaccess: a #GP where the kernel expected none)
dmesg | grep -e 'BUG:' -e 'WARNING:' -e 'Oops' | grep -v 'ex_handler_uaccess' | grep -q .
ck $((!$?)) "no BUG, WARNING or Oops in the kernel log (but the /dev/mem read's #GP warning)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
