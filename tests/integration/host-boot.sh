#!/usr/bin/env bash
# The firmware image boots a Linux host under keel: keel's banner, all CPUs through keel's EL2 init and
# started at EL1, keel's memory reserved in the DT and unreachable (a read or write faults, host memory
# next to it reads fine), /hypervisor tells the host keel is there, CPU hotplug goes through keel's PSCI
# relay, poweroff ends QEMU with status 0 (hostrun fails otherwise) and reboot resets the machine.
# Usage: host-boot.sh [trimmed|debian]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${1:-trimmed}
work=$(mktemp -d /tmp/keel-hostboot.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
abi_h=$top/hv/include/keel/abi.h
major=$(sed -n 's/^#define KEEL_ABI_MAJOR \([0-9]*\).*/\1/p' "$abi_h")
minor=$(sed -n 's/^#define KEEL_ABI_MINOR \([0-9]*\).*/\1/p' "$abi_h")
abi_hex=$(printf '%04x%04x' "$major" "$minor")
ok() { echo "ok   - $kernel: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL - $kernel: $1"; fail=$((fail + 1)); }
# expect FILE DESCRIPTION FIXED-STRING
expect() { if grep -qF -- "$3" "$1"; then ok "$2"; else ko "$2 (no '$3')"; fi; }
expect_re() { if grep -qE -- "$3" "$1"; then ok "$2"; else ko "$2 (no /$3/)"; fi; }

cat >"$work/checks.sh" <<'CHECKS'
echo "online=$(cat /sys/devices/system/cpu/online)"
dmesg | grep -E 'started at EL|HYP mode|Brought up' | sed 's/^\[[^]]*\] /dmesg: /'
echo "hv-compatible=$(cat /proc/device-tree/hypervisor/compatible)"
echo "hv-abi=$(od -An -tx1 /proc/device-tree/hypervisor/keel,abi-version | tr -d ' \n')"
r=/proc/device-tree/reserved-memory/keel@40200000
[ -e $r/no-map ] && echo "keel-resv=no-map reg=$(od -An -tx1 $r/reg | tr -d ' \n')"
grep -i '40200000-421fffff' /proc/iomem | sed 's/^ */iomem: /'
# The faults' results printed once they are all over: keel reports each fault on the same UART, at once,
# and the kernel's reports stay off the console (either could split a line still being sent).
dmesg -n 1
{
	devmem 0x40200000 32; echo "read-keel-start=$?"
	# (busybox devmem maps two pages when the page offset plus the width in *bits* passes the page end)
	devmem 0x421fffc0 32; echo "read-keel-end=$?"
	devmem 0x40201000 32 0x12345678; echo "write-keel=$?"
	devmem 0x42200038 32; echo "read-host=$?"
} >/tmp/faults 2>&1
sleep 1
cat /tmp/faults
echo 0 >/sys/devices/system/cpu/cpu1/online && echo "offline=$(cat /sys/devices/system/cpu/online)"
echo 1 >/sys/devices/system/cpu/cpu1/online && echo "reonline=$(cat /sys/devices/system/cpu/online)"
CHECKS

rc=0
"$top/tests/rig/hostrun" --no-build --kernel "$kernel" --log "$work/console.log" \
	--add "$work/checks.sh:/checks.sh" -- sh /checks.sh >"$work/out.txt" 2>&1 || rc=$?
out=$work/out.txt con=$work/console.log
if [ "$rc" = 0 ]; then ok "booted, ran the command, powered off (QEMU exit 0)"; else ko "hostrun exit $rc"; fi
expect_re "$con" "keel banner with version and EL2" '^keel [0-9]+\.[0-9]+\.[0-9]+ \(hypercall ABI [0-9]+\.[0-9]+\) on arm64, running at EL2'
expect "$con" "keel memory map" "keel:   RAM        0x0040000000-0x00bfffffff"
expect "$con" "keel reports its own memory" "keel:   keel       0x0040200000-0x00421fffff"
expect "$con" "keel lists both CPUs" "keel: 2 CPUs: cpu0=0x0 cpu1=0x1"
expect "$con" "secondary CPU went through keel's EL2 init" "keel: cpu1 (mpidr 0x1) up at EL2"
expect "$out" "both CPUs online" "online=0-1"
expect "$out" "all CPUs started at EL1" "dmesg: CPU: All CPU(s) started at EL1"
expect "$out" "2 CPUs brought up" "smp: Brought up 1 node, 2 CPUs"
expect "$out" "/hypervisor compatible" "hv-compatible=keel,hypervisor"
expect "$out" "/hypervisor ABI version $major.$minor (keel/abi.h)" "hv-abi=$abi_hex"
expect "$out" "keel's memory is a no-map reservation of 32 MiB" "keel-resv=no-map reg=00000000402000000000000002000000"
expect "$out" "reading keel's first word faults (SIGBUS)" "read-keel-start=135"
expect "$out" "reading keel's last word faults (SIGBUS)" "read-keel-end=135"
expect "$out" "writing keel's memory faults (SIGBUS)" "write-keel=135"
if [ "$kernel" = debian ]; then # Debian's STRICT_DEVMEM refuses /dev/mem over RAM: the kernel's rule, not keel's
	expect "$out" "host RAM through /dev/mem refused by the kernel (STRICT_DEVMEM)" "read-host=1"
else
	expect "$out" "host memory next to keel reads fine" "read-host=0"
fi
expect "$con" "keel injected the abort" "keel: host read at IPA 0x40200000"
expect "$con" "keel saw the read of its last page" "keel: host read at IPA 0x421fffc0"
expect "$con" "keel saw the write too" "keel: host write at IPA 0x40201000"
expect "$out" "CPU1 offline through PSCI CPU_OFF" "offline=0"
expect "$out" "CPU1 back online through keel's PSCI CPU_ON relay" "reonline=0-1"
expect "$con" "poweroff reached the firmware through keel" "keel: host requested SYSTEM_OFF"

# reboot: PSCI SYSTEM_RESET through keel; with -no-reboot QEMU exits instead of resetting.
rc=0
"$top/tests/rig/hostrun" --no-build --kernel "$kernel" --log "$work/reboot.log" --qemu '-no-reboot' \
	-- sh -c 'reboot -f' >/dev/null 2>&1 || rc=$?
expect "$work/reboot.log" "reboot reached the firmware through keel" "keel: host requested SYSTEM_RESET"

if [ "$fail" != 0 ]; then
	echo "--- command output"; cat "$out"; echo "--- console (keel lines)"; grep -a keel "$con" || true
fi
echo "host boot ($kernel): $pass passed, $fail failed"
[ "$fail" = 0 ]
