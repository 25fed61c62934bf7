#!/usr/bin/env bash
# make bench, KVM step: cost of a guest HVC, of an MMIO round trip through the VMM and of an MMIO write an
# ioeventfd takes in the kernel, Linux's own
# KVM (host kernel at EL2, VHE with -cpu max) and keel (host under keel, /dev/kvm from the shim)
# side by side, with kvmbench (tests/bench/kvmbench.c) in the host. Under -icount shift=0,sleep=off
# 1 ns of the host's clock is one emulated instruction, so the figures are instruction counts.
#   KVMBENCH=build/.../kvmbench SHIM_KO=build/.../shim.ko kvm-bench.sh
# BENCH_KERNEL (trimmed), KVMBENCH_N (round trips per phase, 20000), KVMBENCH_ICOUNT (QEMU options).
# SHIM_KO empty or missing: keel's side says "not available". Exit 1 only when the Linux KVM side
# fails (the reference).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bench=${KVMBENCH:-$top/build/qemu-arm64/kvm/kvmbench}
shim=${SHIM_KO:-}
kernel=${BENCH_KERNEL:-trimmed}
n=${KVMBENCH_N:-20000}
icount=${KVMBENCH_ICOUNT:--icount shift=0,sleep=off}
work=$(mktemp -d /tmp/keel-kvmbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -x "$bench" ] || { echo "kvm bench: $bench missing (make kvmbench)" >&2; exit 1; }

# run MODE: output of kvmbench in the host in $work/MODE.out; status of hostrun.
run() {
	local mode=$1 args=(--no-build --no-shim --no-disk --kernel "$kernel" --qemu "$icount" --log "$work/$1.log"
		--add "$bench:/kvmbench")
	if [ "$mode" = keel ]; then
		args+=(--add "$shim:/shim.ko")
		"$top/tests/rig/hostrun" "${args[@]}" -- \
			sh -c "insmod /shim.ko || { echo 'kvmbench: not available: insmod shim.ko failed'; exit 2; }; /kvmbench -n $n"
	else
		"$top/tests/rig/hostrun" --no-keel "${args[@]}" -- /kvmbench -n "$n"
	fi >"$work/$mode.out" 2>&1
}

# fig MODE hvc|hypcall|mmio: the figure, or nothing.
fig() { sed -n "s/^$2: \([0-9]*\) ns\/round trip$/\1/p" "$work/$1.out" | head -n1; }

# why MODE: one line saying why a side has no figures.
why() {
	local l
	l=$(grep -m1 -E '^kvmbench: (not available|FAIL)' "$work/$1.out" | sed 's/^kvmbench: \(not available: \)\{0,1\}//') || true
	[ -n "$l" ] || l="run failed: $(grep -v '^ *$' "$work/$1.out" | tail -n 1)"
	echo "$l"
}

echo "KVM round trips ($kernel kernel, $n per phase, $icount: 1 ns = 1 instruction)"
printf 'bench: kvmbench on Linux KVM ...\n' >&2
status=0
run kvm || true
if [ -z "$(fig kvm hvc)" ] || [ -z "$(fig kvm mmio)" ]; then
	echo "  Linux KVM: FAILED ($(why kvm))"; cat "$work/kvm.out" >&2; status=1
fi
if [ -z "$shim" ] || [ ! -f "$shim" ]; then
	echo "keel: not available (shim.ko not built${shim:+: $shim missing})" >"$work/keel.out"
else
	printf 'bench: kvmbench under keel ...\n' >&2
	run keel || true
fi

# The goals, as keel/KVM ratios: (a) a guest HVC round trip, (b) an MMIO round trip through the VMM,
# (c) a guest call nobody owns (answered in the hypervisor by both, not by the host), (d) an MMIO write an
# ioeventfd takes in the kernel (virtio's doorbell).
# With an in-kernel GICv3: (e) a load from the distributor, (f) an SGI a vCPU sends itself (the IPI path
# inside the hypervisor, without a second vCPU's wake-up), (g) the virtual timer's interrupt, (h) the EOI
# of a level-sensitive SPI whose line stays high (given again at once), (i) an IPI from one vCPU to
# another asleep in WFI and its reply.
declare -A goal=([hvc]=0.3 [mmio]=0.8 [hypcall]=1.0 [ioeventfd]=1.0 [gicd]=1.0 [sgi]=0.5 [vtimer]=0.5 [eoi]=0.5
	[ipi]=0.5)
declare -A label=([hvc]="(a) HVC" [mmio]="(b) MMIO" [hypcall]="(c) unowned HVC" [ioeventfd]="(d) ioeventfd write"
	[gicd]="(e) GICD load" [sgi]="(f) SGI to itself" [vtimer]="(g) vtimer interrupt" [eoi]="(h) level EOI"
	[ipi]="(i) IPI to a vCPU in WFI")
printf '  %-8s %12s %12s %10s   %s\n' "" "Linux KVM" "keel" "keel/KVM" "goal"
for p in hvc hypcall mmio ioeventfd gicd sgi vtimer eoi ipi; do
	k=$(fig kvm $p) h=$(fig keel $p 2>/dev/null || true)
	ratio=- verdict=-
	if [ -n "$k" ] && [ -n "$h" ]; then
		ratio=$(awk -v a="$h" -v b="$k" 'BEGIN { printf "%.2f", a / b }')
		verdict=$(awk -v r="$ratio" -v g="${goal[$p]}" 'BEGIN { print (r <= g ? "met" : "NOT met") }')
	fi
	printf '  %-8s %12s %12s %10s   %s <= %s: %s\n' "$p" "${k:--}" "${h:--}" "$ratio" "${label[$p]}" "${goal[$p]}" "$verdict"
done
if [ -z "$(fig keel hvc)" ] || [ -z "$(fig keel mmio)" ]; then
	if grep -q '^keel: not available' "$work/keel.out"; then
		cat "$work/keel.out"
	else
		echo "keel: not available ($(why keel))"
	fi
fi
exit $status
