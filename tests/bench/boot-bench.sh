#!/usr/bin/env bash
# make bench: the host's boot cost to userspace with and without keel, side by side in one run.
# Under QEMU's -icount shift=0,sleep=off every executed instruction advances virtual time by 1 ns and idle
# time is skipped, so the kernel's own timestamps are instruction counts, the same on a busy or idle
# machine. For each kernel: "kernel start -> /init" (dmesg timestamp of "Run /init as init process")
# booted directly at EL2 (no keel) and under keel, plus keel's own boot (its entry -> host entry).
# Overhead = (with keel - without + keel's own) / without. Goal: < 2 %.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${BENCH_RUNS:-3}
kernels=${BENCH_KERNELS:-trimmed debian}
work=$(mktemp -d /tmp/keel-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# boot KERNEL MODE RUN: prints "init_us keel_us"
boot() {
	local kernel=$1 mode=$2 i=$3 log="$work/$1-$2-$3.log" out="$work/$1-$2-$3.out" args=()
	[ "$mode" = keel ] || args+=(--no-keel)
	"$top/tests/rig/hostrun" --no-build --no-shim --no-disk --kernel "$kernel" "${args[@]}" --log "$log" \
		--qemu '-icount shift=0,sleep=off' -- sh -c 'dmesg | grep -m1 "Run /init as init process"' >"$out" 2>&1 ||
		{ echo "bench: $kernel/$mode boot failed" >&2; tail -n 20 "$out" >&2; exit 1; }
	local t k=0
	t=$(sed -n 's/^\[ *\([0-9]*\)\.\([0-9]*\)\] Run \/init as init process.*/\1\2/p' "$out" | head -n1)
	[ -n "$t" ] || { echo "bench: no /init timestamp in $kernel/$mode output" >&2; cat "$out" >&2; exit 1; }
	if [ "$mode" = keel ]; then
		k=$(sed -n "s/.*, \([0-9]*\) us after keel's entry.*/\1/p" "$log" | head -n1)
		[ -n "$k" ] || { echo "bench: keel did not report its boot time" >&2; exit 1; }
	fi
	echo "$((10#$t)) $k"
}

echo "keel boot benchmark: $runs runs each, -icount shift=0,sleep=off (1 virtual ns = 1 instruction)"
status=0
for kernel in $kernels; do
	: >"$work/base" ; : >"$work/keel" ; : >"$work/own"
	for i in $(seq "$runs"); do
		printf 'bench: %s run %s/%s ...\n' "$kernel" "$i" "$runs" >&2
		boot "$kernel" nokeel "$i" | awk '{print $1}' >>"$work/base"
		read -r t k < <(boot "$kernel" keel "$i")
		echo "$t" >>"$work/keel"; echo "$k" >>"$work/own"
	done
	base=$(median <"$work/base"); with=$(median <"$work/keel"); own=$(median <"$work/own")
	awk -v k="$kernel" -v b="$base" -v w="$with" -v o="$own" 'BEGIN {
		printf "%-8s kernel start -> /init: without keel %8.1f M instr, with keel %8.1f M instr (x%.4f)\n", k, b/1000, w/1000, w/b
		printf "%-8s keel own boot (entry -> host entry): %.2f M instr\n", k, o/1000
		ov = (w - b + o) / b * 100
		printf "%-8s keel overhead on boot to userspace: %+.2f %% (goal < 2 %%): %s\n", k, ov, ov < 2 ? "met" : "NOT met"
	}'
	printf '%s\n' "$kernel: runs without keel (us): $(tr '\n' ' ' <"$work/base"); with keel: $(tr '\n' ' ' <"$work/keel")"
done
exit $status
