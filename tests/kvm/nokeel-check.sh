#!/bin/sh
# shellcheck shell=sh
# Runs in the host Linux booted WITHOUT keel (tests/rig/hostrun --no-keel): the kernel's own KVM
# owns EL2 and /dev/kvm, and the shim must refuse to load, saying why. With KVMTEST, the guest
# behaviour kvmtest expects of keel is checked against this reference (kvmtest --reference).
#   nokeel-check.sh SHIM.KO [KVMTEST]
ko=${1:-/shim.ko} kvmtest=${2:-}
pass=0 fail=0
ck() { # STATUS MESSAGE
	if [ "$1" = 0 ]; then echo "ok - $2"; pass=$((pass + 1)); else echo "FAIL - $2"; fail=$((fail + 1)); fi
}
[ -c /dev/kvm ]; ck $? "/dev/kvm exists: the kernel's own KVM runs at EL2"
dmesg | grep -E -q 'kvm \[[0-9]+\]: (VHE|Hyp|nVHE|Protected).*mode initialized'; ck $? "the kernel's KVM initialized"
out=$(insmod "$ko" 2>&1); rc=$?
echo "  insmod: $out"
[ "$rc" != 0 ]; ck $? "insmod $ko fails without keel (exit $rc)"
echo "$out" | grep -q 'No such device'; ck $? "with ENODEV"
msg=$(dmesg | grep 'keel-kvm:')
echo "$msg" | sed 's/^/  dmesg: /'
echo "$msg" | grep -q 'keel is not running'; ck $? "the shim says keel is not running"
grep -q '^shim ' /proc/modules; ck $((!$?)) "the shim is not loaded"
[ -c /dev/kvm ]; ck $? "/dev/kvm is still the kernel's"
if [ -n "$kvmtest" ]; then
	"$kvmtest" --reference | sed 's/^/  reference: /'
	"$kvmtest" --reference >/dev/null; ck $? "kvmtest --reference passes on Linux's own KVM"
	# What a guest sees here, for host-check.sh under keel to compare (tests/kvm/kvm.mk keeps the lines).
	"$kvmtest" --facts >/tmp/facts.txt; ck $? "kvmtest --facts: $(grep -c ^fact /tmp/facts.txt) facts of Linux's KVM"
	sed 's/^/  facts: /' /tmp/facts.txt
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
