#!/usr/bin/env bash
# make soak: keel under load for a long time, outside make check. In the host of the firmware image
# (hostrun, tool disk: Debian's QEMU and the guest), with keel's counters read before and after:
#   1. CYCLES VM lives one after another (kvmtest --churn: create, slot, vCPU, a guest run, close);
#   2. KILLS times: Debian's QEMU starts a guest over /dev/kvm and is killed with SIGKILL after a
#      random 0.3-2.7 s (counted as "running" when its VM existed at the kill);
#   3. kvmtest --fuzz ROUNDS more random programs against /dev/kvm.
# Then every counter must read what it read before (vm_count, vcpu_count, keel's free pool pages,
# pages donated to VMs, page owners, shared and mapped pages) and the kernel log must be free of
# oopses and warnings. Prints the figures and "soak: N passed, M failed".
#   soak.sh [--cycles N] [--kills N] [--rounds N] [--kernel trimmed|debian]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cycles=10000 kills=1000 rounds=100 kernel=trimmed
while [ $# -gt 0 ]; do
	case "$1" in
	--cycles) cycles=${2:?}; shift ;;
	--kills) kills=${2:?}; shift ;;
	--rounds) rounds=${2:?}; shift ;;
	--kernel) kernel=${2:?}; shift ;;
	*) echo "usage: $0 [--cycles N] [--kills N] [--rounds N] [--kernel trimmed|debian]" >&2; exit 2 ;;
	esac
	shift
done
work=$(mktemp -d /tmp/keel-soak.XXXXXX)
trap 'rm -rf "$work"' EXIT
log=$top/build/qemu-arm64/soak/console-$kernel.log
mkdir -p "$(dirname "$log")"

cat >"$work/soak-host.sh" <<'HOST'
cycles=$1 kills=$2 rounds=$3
stat=/sys/kernel/debug/kvm
snap() {
	for f in vm_count vcpu_count hyp_pages_free hyp_pages_vms pages_owner_hyp pages_owner_host \
		pages_shared_guests guest_pages_mapped; do printf '%s=%s ' "$f" "$(cat $stat/$f)"; done
}
[ -c /dev/kvm ] || { echo "soak: FAIL - no /dev/kvm"; exit 1; }
base=$(snap)
echo "soak: counters before: $base"
/root/kvmtest --churn "$cycles" | tail -n 3
t0=$(cut -d' ' -f1 /proc/uptime)
i=0 running=0
while [ "$i" -lt "$kills" ]; do
	qemu-system-aarch64 -accel kvm -M virt,kernel-irqchip=off,gic-version=2 -cpu host -smp 2 -m 128 \
		-nographic -nic none -no-reboot -kernel /usr/share/keel/guest/Image \
		-initrd /usr/share/keel/guest/initrd.gz -append 'console=ttyAMA0 rdinit=/init' </dev/null >/dev/null 2>&1 &
	pid=$!
	ms=$((300 + RANDOM % 2400))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	[ "$(cat $stat/vm_count)" -gt 0 ] && running=$((running + 1))
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	i=$((i + 1))
	[ $((i % 100)) = 0 ] && echo "soak: $i QEMUs killed ($running with their VM running)"
done
t1=$(cut -d' ' -f1 /proc/uptime)
echo "soak: kill -9 of $kills QEMUs ($running with their VM running) in $(echo "$t0 $t1" | awk '{printf "%.0f", $2 - $1}') s"
/root/kvmtest --fuzz 1000 "$rounds" | tail -n 2
after=$(snap)
echo "soak: counters after:  $after"
pass=0 fail=0
if [ "$base" = "$after" ]; then echo "ok - soak: every counter back"; pass=$((pass + 1)); else echo "FAIL - soak: counters moved"; fail=$((fail + 1)); fi
if dmesg | grep -E -q 'Oops|BUG:|WARNING'; then
	dmesg | grep -E -A3 'Oops|BUG:|WARNING' | head -n 20; echo "FAIL - soak: kernel warnings"; fail=$((fail + 1))
else
	echo "ok - soak: no oops or warning in the kernel log"; pass=$((pass + 1))
fi
echo "soak: $pass passed, $fail failed"
HOST

echo "  SOAK    $cycles VM cycles, $kills kill -9 of QEMU, $rounds fuzz rounds (kernel $kernel; log $log)"
rc=0
"$top/tests/rig/hostrun" --kernel "$kernel" --timeout 14400 --log "$log" \
	--add "$top/build/qemu-arm64/kvm/kvmtest:/root/kvmtest" --add "$work/soak-host.sh:/root/soak-host.sh" \
	-- sh /root/soak-host.sh "$cycles" "$kills" "$rounds" >"$work/out.txt" 2>&1 || rc=$?
tr -d '\r' <"$work/out.txt" | grep -E '^(soak|kvmchurn|kvmfuzz|ok|FAIL)'
if [ "$rc" != 0 ] || ! tr -d '\r' <"$work/out.txt" | grep -qE '^soak: [0-9]+ passed, 0 failed'; then
	echo "soak: FAILED (hostrun exit $rc; console: $log)"
	exit 1
fi
