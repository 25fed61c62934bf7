#!/bin/sh
# shellcheck shell=sh
# Runs in the x86 host under keel on VMX (bochs, tests/rig/hostrun --plat pc --emu bochs --smp 2): the host
# booted under VMX on both CPUs with keel's CPUID view, keel's memory unreadable, the shim loaded at boot
# (VMCALL), CPU hotplug through keel (the host's INIT and SIPI), /dev/kvm and kvmsys --keel.
#   host-check-vmx.sh KVMSYS
kvmsys=${1:-/kvmsys}
stat=/sys/kernel/debug/kvm
pass=0 fail=0
ck() { if [ "$1" = 0 ]; then echo "ok - $2"; pass=$((pass + 1)); else echo "FAIL - $2"; fail=$((fail + 1)); fi; }
[ "$(grep -c ^processor /proc/cpuinfo)" = 2 ]; ck $? "both CPUs online in the host (CPU1 started by keel at the host's SIPI)"
[ "$(grep ^flags /proc/cpuinfo | grep -c -w hypervisor)" = 2 ]; ck $? "CPUID: the hypervisor bit on every CPU"
! grep ^flags /proc/cpuinfo | grep -q -w -e vmx -e svm; ck $? "CPUID: no vmx flag (VMX is keel's)"
n=$(dd if=/dev/mem bs=4096 skip=513 count=1 2>/dev/null | wc -c)
[ "$n" = 0 ]; ck $? "reading keel's memory through /dev/mem gives no data ($n bytes)"
dmesg | grep -q 'keel-kvm: /dev/kvm over keel'; ck $? "the shim loaded at boot and found keel (CPUID, VMCALL)"
[ "$(stat -c %t:%T /dev/kvm 2>/dev/null)" = a:e8 ]; ck $? "/dev/kvm is misc 10:232"
[ "$(cat $stat/cpus_enabled)" = 3 ]; ck $? "guests enabled on both CPUs (cpus_enabled $(cat $stat/cpus_enabled))"
echo 0 >/sys/devices/system/cpu/cpu1/online; ck $? "CPU1 offline"
[ "$(cat $stat/cpus_enabled)" = 1 ]; ck $? "keel was told: CPU1 runs no guests"
echo 1 >/sys/devices/system/cpu/cpu1/online; ck $? "CPU1 online again (INIT and SIPI carried out by keel: an NMI takes CPU1 back)"
[ "$(cat $stat/cpus_enabled)" = 3 ]; ck $? "keel was told: CPU1 may run guests again"
[ "$(grep -c ^processor /proc/cpuinfo)" = 2 ]; ck $? "both CPUs online again"
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
grep -E '^(ok|FAIL)' /tmp/kvmsys.out | grep -v '^ok' | sed 's/^/  /'
ck $r "kvmsys --keel under VMX ($(tail -n 1 /tmp/kvmsys.out))"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
