#!/bin/sh
# shellcheck shell=sh
# Runs in the x86 host under keel on VMX (bochs, tests/rig/hostrun --plat pc --emu bochs): the host booted
# under VMX with keel's CPUID view, the shim loaded at boot (VMCALL), /dev/kvm and kvmsys --keel.
#   host-check-vmx.sh KVMSYS
kvmsys=${1:-/kvmsys}
pass=0 fail=0
ck() { if [ "$1" = 0 ]; then echo "ok - $2"; pass=$((pass + 1)); else echo "FAIL - $2"; fail=$((fail + 1)); fi; }
grep -q -w hypervisor /proc/cpuinfo; ck $? "CPUID: the hypervisor bit"
! grep ^flags /proc/cpuinfo | grep -q -w -e vmx -e svm; ck $? "CPUID: no vmx flag (VMX is keel's)"
echo "  host CPUs online: $(nproc) (under VMX the host runs on the boot CPU so far)"
dmesg | grep -q 'keel-kvm: /dev/kvm over keel'; ck $? "the shim loaded at boot and found keel (CPUID, VMCALL)"
[ "$(stat -c %t:%T /dev/kvm 2>/dev/null)" = a:e8 ]; ck $? "/dev/kvm is misc 10:232"
"$kvmsys" --keel >/tmp/kvmsys.out; r=$?
grep -E '^(ok|FAIL)' /tmp/kvmsys.out | grep -v '^ok' | sed 's/^/  /'
ck $r "kvmsys --keel under VMX ($(tail -n 1 /tmp/kvmsys.out))"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
