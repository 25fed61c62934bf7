#!/usr/bin/env bash
# make bench PLAT=pc: keel's cost on x86 under QEMU's SVM, in instructions (-icount shift=0,sleep=off:
# one executed instruction = 1 virtual ns, and QEMU's TSC counts virtual ns).
#   - the host's boot to userspace (one CPU: -icount runs the CPUs round robin, and SMP bring-up
#     stalls there), "kernel start -> /init" (the kernel's own dmesg timestamp) booted
#     without keel (QEMU loads the bzImage) and under keel (GRUB -> keel -> the host), plus keel's own
#     boot (its entry -> the host's first instruction, from keel's TSC). Overhead = (with - without +
#     keel's own) / without; goal < 2 %.
#   - a host hypercall round trip (VMMCALL ABI_VERSION) and a CPUID exit, from the host (hcbench.ko).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${BENCH_RUNS:-3}
work=$(mktemp -d /tmp/keel-pcbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
hostrun=$top/tests/rig/hostrun
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# boot MODE RUN: prints "init_ns keel_ticks"
boot() {
	local mode=$1 i=$2 log="$work/$1-$2.log" out="$work/$1-$2.out" args=() t k=0
	[ "$mode" = keel ] || args+=(--no-keel)
	"$hostrun" --plat pc --no-build --no-shim --smp 1 "${args[@]}" --log "$log" --qemu '-icount shift=0,sleep=off' \
		-- sh -c 'dmesg | grep -m1 "Run /init as init process"' >"$out" 2>&1 ||
		{ echo "bench: pc/$mode boot failed" >&2; tail -n 20 "$out" >&2; exit 1; }
	t=$(sed -n 's/^\[ *\([0-9]*\)\.\([0-9]*\)\] Run \/init as init process.*/\1\2/p' "$out" | head -n1)
	[ -n "$t" ] || { echo "bench: no /init timestamp (pc/$mode)" >&2; cat "$out" >&2; exit 1; }
	if [ "$mode" = keel ]; then
		k=$(tr -d '\r' <"$log" | sed -n "s/.*, \([0-9]*\) TSC ticks after keel's entry.*/\1/p" | head -n1)
		[ -n "$k" ] || { echo "bench: keel did not report its boot time" >&2; exit 1; }
	fi
	echo "$((10#$t * 1000)) $k" # the dmesg timestamp is in us
}

echo "keel x86 benchmark (PLAT=pc, QEMU q35 with TCG's SVM): $runs runs each, -icount shift=0,sleep=off"
: >"$work/base"; : >"$work/keel"; : >"$work/own"
for i in $(seq "$runs"); do
	printf 'bench: pc run %s/%s ...\n' "$i" "$runs" >&2
	boot nokeel "$i" | awk '{print $1}' >>"$work/base"
	read -r t k < <(boot keel "$i")
	echo "$t" >>"$work/keel"; echo "$k" >>"$work/own"
done
base=$(median <"$work/base"); with=$(median <"$work/keel"); own=$(median <"$work/own")
awk -v b="$base" -v w="$with" -v o="$own" 'BEGIN {
	printf "pc       kernel start -> /init: without keel %8.1f M instr, with keel %8.1f M instr (x%.4f)\n", b/1e6, w/1e6, w/b
	printf "pc       keel own boot (entry -> host entry): %.2f M instr\n", o/1e6
	ov = (w - b + o) / b * 100
	printf "pc       keel overhead on boot to userspace: %+.2f %% (goal < 2 %%): %s\n", ov, ov < 2 ? "met" : "NOT met"
}'
"$hostrun" --plat pc --no-build --no-shim --smp 1 --add "$top/build/pc/kvm/hcbench/hcbench.ko:/hcbench.ko" \
	--qemu '-icount shift=0,sleep=off' -- sh -c 'insmod /hcbench.ko; dmesg | grep keel-hcbench' >"$work/hc.out" 2>&1 || true
hc=$(sed -n 's/.*hypercall round trip \([0-9]*\) ticks, CPUID exit \([0-9]*\) ticks.*/\1 \2/p' "$work/hc.out")
[ -n "$hc" ] || { echo "bench: hcbench gave no figure" >&2; cat "$work/hc.out" >&2; exit 1; }
read -r hcall cpuid <<<"$hc"
echo "pc       host hypercall round trip (VMMCALL ABI_VERSION): $hcall instr; a CPUID exit: $cpuid instr"
