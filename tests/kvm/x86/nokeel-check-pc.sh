#!/bin/sh
# shellcheck shell=sh
# Runs in the x86 host Linux without keel (tests/rig/hostrun --plat pc --no-keel): the baseline. Linux's
# own KVM gives /dev/kvm (kvm_amd under QEMU), kvmsys --kvm passes against it, and keel's shim refuses
# to load with a clear message.
#   nokeel-check-pc.sh SHIM.KO KVMSYS
ko=${1:-/shim.ko} kvmsys=${2:-/kvmsys}
pass=0 fail=0
ck() { if [ "$1" = 0 ]; then echo "ok - $2"; pass=$((pass + 1)); else echo "FAIL - $2"; fail=$((fail + 1)); fi; }
grep ^flags /proc/cpuinfo | grep -q -w svm; ck $? "the host sees SVM (no keel below)"
[ -c /dev/kvm ] && grep -q '^kvm_amd ' /proc/modules; ck $? "Linux's kvm_amd provides /dev/kvm"
"$kvmsys" --kvm >/tmp/kvmsys.out; r=$?
sed 's/^/  /' /tmp/kvmsys.out
ck $r "kvmsys --kvm (the reference for every keel expectation)"
rmmod kvm_amd kvm 2>/dev/null
! insmod "$ko" 2>/dev/null; ck $? "the shim refuses to load without keel"
dmesg | grep -q 'keel-kvm: keel is not running (CPUID 0x40000000'; ck $? "and says why: keel is not running (CPUID leaf)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
