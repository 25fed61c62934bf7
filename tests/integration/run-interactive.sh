#!/usr/bin/env bash
# make run as a person uses it, typed into a terminal (tmux): the firmware image boots to the host's
# shell (with a file of the user's put there by ADD=), run-guest boots a guest Linux on the same console, the guest's 'poweroff' returns to the host;
# a second guest is killed with Ctrl-A x, which ends only the nested QEMU (the outer QEMU's escape is
# Ctrl-]); 'poweroff' in the host ends make run with status 0. Then (virt) make run with a board keel
# refuses (9 CPUs: keel takes 8) exits non-zero, and a memory size the FIT layout cannot take is refused.
# Usage: run-interactive.sh [--plat PLAT]. Prints ok/FAIL lines and "make run (...): N passed, M failed".
# shellcheck disable=SC2016 # (the single-quoted commands are typed into the shells under test)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
plat=qemu-arm64
[ "${1:-}" = --plat ] && plat=${2:?}
sess=keel-run-$$
work=$(mktemp -d /tmp/keel-runi.XXXXXX)
trap 'tmux kill-session -t "$sess" 2>/dev/null || true; rm -rf "$work"' EXIT
label=$plat
# shellcheck source-path=SCRIPTDIR source=testlib.sh
. "$top/tests/integration/testlib.sh"
screen() { tmux capture-pane -p -J -S -3000 -t "$sess" 2>/dev/null | tr -d '\r'; }
# wait_for SECS PATTERN: until the terminal shows PATTERN (egrep) after the marker
wait_for() {
	local i=0
	while [ $i -lt $(($1 * 2)) ]; do
		if [ "$mark" = 0 ]; then screen; else screen | sed -n "/@@MARK$mark@@/,\$p"; fi | grep -qE -- "$2" && return 0
		tmux has-session -t "$sess" 2>/dev/null || return 1
		sleep 0.5; i=$((i + 1))
	done
	return 1
}
mark=0
step() { mark=$((mark + 1)); tmux send-keys -t "$sess" "echo @@MARK$mark@@" Enter; sleep 0.5; }
check() { if wait_for "$1" "$2"; then ok "$3"; else ko "$3 (no /$2/ within $1 s)"; fi; }

make -C "$top" -s --no-print-directory firmware PLAT="$plat" >"$work/firmware.log" 2>&1 ||
	{ cat "$work/firmware.log"; ko "make firmware"; finish "make run ($plat)"; exit 1; }
echo "hello from the user's machine" >"$work/hello.txt"
tmux new-session -d -s "$sess" -x 200 -y 50 \
	"make -C $top -s --no-print-directory run PLAT=$plat ADD=$work/hello.txt:/root/hello.txt; echo @@RUN-EXIT=\$?; sleep 600"
if wait_for 240 'keel host: .*exit the shell to power off'; then ok "make run boots to the host's shell"; else
	ko "make run boots to the host's shell"; screen | tail -n 30; fi
check 5 "keel's shim loaded: /dev/kvm ready" "the console says the shim is loaded"
sleep 1
step; tmux send-keys -t "$sess" 'cat /root/hello.txt' Enter
check 10 "^hello from the user's machine" "make run ADD= put the user's file in the host"
if [ "$plat" = pc ]; then
	# The PC's host: no guest yet (keel runs no x86 vCPUs); /dev/kvm and both CPUs are there.
	step; tmux send-keys -t "$sess" 'echo cpus-$(nproc) kvm-$(stat -c %t:%T /dev/kvm)' Enter
	check 20 '^cpus-2 kvm-a:e8' "both CPUs and /dev/kvm (10:232) in the host"
	step; tmux send-keys -t "$sess" 'poweroff' Enter
	check 60 '@@RUN-EXIT=0' "poweroff in the host ends make run with status 0"
	finish "make run ($plat)"
	exit
fi
step; tmux send-keys -t "$sess" 'run-guest' Enter
check 240 "keel guest: Linux .*CPUs" "run-guest boots a guest Linux to its shell"
sleep 1
step; tmux send-keys -t "$sess" 'echo in-guest-$((6 * 7)); poweroff' Enter
check 60 '^in-guest-42' "a command typed in the guest runs there"
check 60 'reboot: Power down' "the guest's poweroff ends it"
sleep 2
step; tmux send-keys -t "$sess" 'echo back-in-host-$((6 * 7)) $(hostname)' Enter
check 30 '^back-in-host-42 keel-host' "back at the host's shell"
step; tmux send-keys -t "$sess" 'run-guest --smp 1' Enter
check 240 "keel guest: Linux .*1 CPUs" "a second guest boots"
sleep 1
tmux send-keys -t "$sess" C-a x
check 30 'QEMU: Terminated' "Ctrl-A x ends the nested QEMU"
sleep 1
step; tmux send-keys -t "$sess" 'echo host-survived-$((6 * 7))' Enter
check 30 '^host-survived-42' "the host survived Ctrl-A x"
step; tmux send-keys -t "$sess" 'poweroff' Enter
check 60 '@@RUN-EXIT=0' "poweroff in the host ends make run with status 0"

if [ "$plat" != qemu-arm64 ]; then finish "make run ($plat)"; exit; fi
# keel refuses 9 CPUs (it takes 8): make run says so and fails.
rc=0
make -C "$top" -s --no-print-directory run PLAT="$plat" RIG_QEMU_EXTRA='-smp 9' </dev/null >"$work/refuse.log" 2>&1 || rc=$?
if [ "$rc" != 0 ] && grep -q 'keel refused to boot' "$work/refuse.log"; then ok "make run exits $rc when keel refuses to boot"
else ko "make run when keel refuses to boot: exit $rc"; tail -n 5 "$work/refuse.log"; fi
rc=0
make -C "$top" -s --no-print-directory run PLAT="$plat" MEM=300 </dev/null >"$work/mem.log" 2>&1 || rc=$?
if [ "$rc" != 0 ] && grep -qE 'do not fit in 300 MiB|takes 256 to' "$work/mem.log"; then ok "make run MEM=300 is refused with a message ($(grep -m1 -oE 'keel mode needs.*|takes 256 to [0-9]+ MiB' "$work/mem.log"))"
else ko "make run MEM=300: exit $rc"; tail -n 5 "$work/mem.log"; fi
finish "make run ($plat)"
