#!/usr/bin/env bash
# The host a user gets from the firmware image: keel's shim loaded at boot (/dev/kvm, the console says
# so), Debian's QEMU, run-guest and kvm_stat on the PATH, and a VM one command away:
# run-guest boots an interactive guest Linux, its 'poweroff' returns to the host, and kvm_stat -d
# shows that guest's exit counters from the shim's debugfs while it runs.
# Usage: host-tools.sh [--plat PLAT] [--kernel trimmed|debian]
# Prints ok/FAIL lines and "host tools (...): N passed, M failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
plat=qemu-arm64 kernel=trimmed
while [ $# -gt 0 ]; do
	case "$1" in
	--plat) plat=${2:?}; shift ;;
	--kernel) kernel=${2:?}; shift ;;
	*) echo "usage: $0 [--plat PLAT] [--kernel trimmed|debian]" >&2; exit 2 ;;
	esac
	shift
done
work=$(mktemp -d /tmp/keel-hosttools.XXXXXX)
trap 'rm -rf "$work"' EXIT
label="$plat, $kernel kernel"
# shellcheck source-path=SCRIPTDIR source=testlib.sh
. "$top/tests/integration/testlib.sh"

# In the host: the guest's shell reads commands from a pipe (as a user would type them): one command
# once its shell is up, kvm_stat while it runs, then poweroff.
cat >"$work/run.sh" <<'RUN'
echo "dev-kvm: $(ls -l /dev/kvm 2>&1)"
for t in qemu-system-aarch64 run-guest kvm_stat python3; do echo "which $t: $(command -v $t)"; done
run-guest --smp 513 </dev/null >/tmp/smp9.txt 2>&1; echo "run-guest --smp 513: exit $? $(cat /tmp/smp9.txt)"
# wait_for PATTERN: until the guest's console shows it (at most 150 s)
wait_for() { i=0; until tr -d '\r' </tmp/guest.txt | grep -q "$1" || [ $i -ge 150 ]; do sleep 1; i=$((i + 1)); done; }
mkfifo /tmp/guest-in
timeout 250 run-guest --smp 2 --mem 192 </tmp/guest-in >/tmp/guest.txt 2>&1 &
g=$!
exec 3>/tmp/guest-in
wait_for 'keel guest:'
sleep 2
echo 'echo guest-says $(grep -c ^processor /proc/cpuinfo) cpus' >&3
wait_for '^guest-says'
# Console output is an MMIO exit to QEMU per character: the guest exits while kvm_stat samples.
echo 'i=0; while [ $i -lt 4000 ]; do echo tick $i; i=$((i + 1)); done' >&3
wait_for '^tick 5$'
kvm_stat -1 -d >/tmp/kvm_stat.txt 2>&1; echo "kvm_stat exit $?"
sed 's/^/kvm_stat: /' /tmp/kvm_stat.txt
wait_for "^tick 3999"
echo poweroff >&3
wait $g; echo "run-guest exit $?"
tr -d '\r' </tmp/guest.txt | grep -E 'keel guest:|guest-says|Power down' | sed 's/^/guest: /'
RUN
rc=0
"$top/tests/rig/hostrun" --no-build --plat "$plat" --kernel "$kernel" --timeout 600 --log "$work/console.log" \
	--add "$work/run.sh:/root/run.sh" -- sh /root/run.sh >"$work/out.txt" 2>&1 || rc=$?
cp "$work/out.txt" "$top/build/host-tools-$plat-$kernel.txt" 2>/dev/null || true
if [ "$rc" = 0 ]; then ok "host booted, ran the checks, powered off"; else ko "hostrun exit $rc"; tail -n 30 "$work/out.txt"; fi
expect "$work/console.log" "the console says the shim is loaded" "keel host: keel's shim loaded: /dev/kvm ready"
expect "$work/out.txt" "/dev/kvm is there (misc 10:232)" '^dev-kvm: crw.* 10, *232 .*/dev/kvm'
for t in qemu-system-aarch64 run-guest kvm_stat python3; do expect "$work/out.txt" "$t on the PATH" "^which $t: /"; done
expect "$work/out.txt" "run-guest refuses 513 vCPUs (GICv3 host: KVM's 512; GICv2: QEMU's 8)" \
	'^run-guest --smp 513: exit 2 .*1 to (512|8)'
expect "$work/out.txt" "the guest Linux booted to its shell" '^guest: keel guest: Linux .*2 CPUs'
expect "$work/out.txt" "the guest ran a command typed at its shell" '^guest: guest-says 2 cpus'
expect "$work/out.txt" "the guest's poweroff ended QEMU" '^guest: .*reboot: Power down'
expect "$work/out.txt" "run-guest returned 0 to the host" '^run-guest exit 0$'
expect "$work/out.txt" "kvm_stat ran" '^kvm_stat exit 0$'
# kvm_stat -1: "name  value  delta" over its one-second sample, taken while the guest prints.
nz='([1-9][0-9]* +[0-9]+|[0-9]+ +[1-9][0-9]*)$'
expect "$work/out.txt" "kvm_stat shows the running guest's exits" "^kvm_stat: exits +$nz"
expect "$work/out.txt" "kvm_stat shows its MMIO exits to QEMU" "^kvm_stat: mmio_exit_user +$nz"
finish "host tools ($label)"
