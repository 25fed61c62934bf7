#!/usr/bin/env bash
# make bench-qemu-guest: cost of a nested guest boot, unmodified QEMU in the host with KVM, measured in
# instructions. The outer QEMU runs with -icount shift=0,sleep=off: every executed instruction advances
# virtual time by 1 ns and idle time is skipped, so the host's clock and the guest's (its virtual counter
# follows the host's) count instructions, repeatable on a loaded machine. Each run is a full
# tests/integration/qemu-guest.sh --no-disk (its checks must pass; the guest without the virtio disk, the one the
# goal was set on: kvmbench's ioeventfd phase measures the disk's doorbell). Figures, median of BENCH_RUNS (default 3):
#   guest kernel start -> /init   the guest kernel's timestamp of "Run /init as init process"
#   QEMU start -> exit            the host's clock around qemu-system-aarch64 (QEMU startup, guest boot,
#                                 the guest's command, power off)
# BENCH_QEMU_GUEST_MODES: "nokeel" (default: Linux's own KVM at EL2) and/or "keel" (keel + the shim);
# with both, keel's figures are also given relative to Linux KVM's. BENCH_QEMU_GUEST_GICS (default "2 3"):
# the guest with QEMU's GICv2 (kernel-irqchip=off), and/or the in-kernel GICv3 with its ITS, 4 vCPUs and
# virtio-net (qemu-guest.sh --gic3 --no-disk: issue 12's point-5 guest, without its disk and migration).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${BENCH_RUNS:-3}
modes=${BENCH_QEMU_GUEST_MODES:-nokeel}
kernel=${KERNEL:-trimmed}
work=$(mktemp -d /tmp/keel-qgbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for gic in ${BENCH_QEMU_GUEST_GICS:-2 3}; do
gicarg=() gname='GICv2 in QEMU, 2 vCPUs'
[ "$gic" = 3 ] && gicarg=(--gic3) gname='in-kernel GICv3 + ITS, 4 vCPUs, virtio-net'
echo "nested guest boot benchmark ($kernel host kernel, $gname): $runs runs each, -icount shift=0,sleep=off (1 virtual ns = 1 instruction)"
declare -A init_m=() qemu_m=()
for mode in $modes; do
	case "$mode" in nokeel) args=(--no-keel) ;; keel) args=() ;; *) echo "bench: unknown mode $mode" >&2; exit 2 ;; esac
	: >"$work/init.$mode"; : >"$work/qemu.$mode"
	for i in $(seq "$runs"); do
		printf 'bench: %s run %s/%s ...\n' "$mode" "$i" "$runs" >&2
		"$top/tests/integration/qemu-guest.sh" "${args[@]}" "${gicarg[@]}" --kernel "$kernel" --no-disk \
			--qemu '-icount shift=0,sleep=off' >"$work/out" 2>&1 ||
			{ echo "bench: $mode run failed" >&2; tail -n 30 "$work/out" >&2; exit 1; }
		# "... QEMU in the host S s (host clock); guest uptime=U init_ts=T"
		sed -n 's/.*QEMU in the host \([0-9.]*\) s.*/\1/p' "$work/out" >>"$work/qemu.$mode"
		sed -n 's/.* init_ts=\([0-9.]*\).*/\1/p' "$work/out" >>"$work/init.$mode"
	done
	init_m[$mode]=$(median <"$work/init.$mode")
	qemu_m[$mode]=$(median <"$work/qemu.$mode")
	{ [ -n "${init_m[$mode]}" ] && [ -n "${qemu_m[$mode]}" ]; } ||
		{ echo "bench: no figures in the $mode output" >&2; cat "$work/out" >&2; exit 1; }
	awk -v m="$mode" -v i="${init_m[$mode]}" -v q="${qemu_m[$mode]}" 'BEGIN {
		name = m == "keel" ? "keel + shim" : "Linux KVM"
		printf "%-11s guest kernel start -> /init: %8.1f M instr; QEMU start -> exit: %8.1f M instr\n", name, i * 1000, q * 1000
	}'
	echo "$mode: runs (s of virtual time): /init $(tr '\n' ' ' <"$work/init.$mode"); QEMU $(tr '\n' ' ' <"$work/qemu.$mode")"
done
if [ -n "${init_m[keel]:-}" ] && [ -n "${init_m[nokeel]:-}" ]; then
	awk -v a="${init_m[nokeel]}" -v b="${init_m[keel]}" -v c="${qemu_m[nokeel]}" -v d="${qemu_m[keel]}" 'BEGIN {
		printf "keel vs Linux KVM: guest boot to /init x%.3f, whole QEMU run x%.3f\n", b / a, d / c
		printf "goal: unmodified-QEMU guest boot to shell <= 1.0 of Linux KVM: %s\n", b / a <= 1.0 ? "met" : "NOT met"
	}'
fi
done
