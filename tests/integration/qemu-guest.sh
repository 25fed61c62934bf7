#!/usr/bin/env bash
# Unmodified Debian QEMU inside the host Linux runs a guest Linux with KVM: the guest kernel boots, both
# guest CPUs come up, its /init runs a command and powers off, QEMU exits 0.
#   QEMU (in the host): qemu-system-aarch64 -accel kvm -M virt,kernel-irqchip=off,gic-version=2
#     -cpu host -smp 2 -m 256 -nographic -nic none -no-reboot -kernel Image -initrd guest.cpio.gz
#     with a virtio-blk disk (virtio-mmio, its notifications by ioeventfd); then the same with -S and a
#     gdbstub that gdbpoke (tests/integration/gdbpoke.c) steps and stops at breakpoints in the guest
#   guest: the trimmed kernel's Image (CONFIG_COMPAT), busybox initramfs with an armhf busybox (tests/rig/guest/init)
#   QEMU and its libraries: tests/rig/guest/build-qemu (Debian's qemu-system-arm:arm64, unpacked)
#   --gic3: -M virt,gic-version=3,kernel-irqchip=on -smp 4 -m 512: the in-kernel GICv3 (keel's vGIC;
#     'on': QEMU fails rather than fall back to its own) with QEMU's default ITS (in the shim), 4 vCPUs,
#     a virtio-net NIC on QEMU's user network (-netdev user -device virtio-net-pci: its MSI-X vectors
#     LPIs through the ITS; the guest gets a DHCP lease with busybox udhcpc), an IPI-heavy workload in
#     the guest; no gdbstub run; then that guest saved to a file while it runs (QEMU's
#     migrate "exec:cat > FILE": the ITS's tables and the LPIs' pending state with it) and restored by
#     a second QEMU (-incoming), counting on
# Usage: qemu-guest.sh [--no-keel | --shim KO] [--kernel trimmed|debian] [--qemu 'ARGS'] [--log FILE] [--no-disk] [--gic3]
#   --no-keel     the host kernel straight at EL2: Linux's own KVM provides /dev/kvm (the reference)
#   --shim KO     under keel: insmod KO in the host first (default:
#                 build/qemu-arm64/kvm/shim-<kernel>/shim.ko); needs build/qemu-arm64/keel.bin
#   --kernel      the host kernel (the guest kernel is always the trimmed Image)
#   --qemu 'ARGS' extra options for the outer QEMU (hostrun --qemu), e.g. '-icount shift=0,sleep=off'
#   --no-disk     no virtio-blk disk (the guest the boot benchmark's goal was set on; its disk checks skipped;
#                 with --gic3 no migration either: the boot benchmark's point-5 guest)
#   --log FILE    the host's console log (default build/qemu-arm64/qemu-guest/console-KERNEL-MODE.log;
#                 the command output with the guest's console goes next to it as output-KERNEL-MODE.txt)
# Prints "ok/FAIL" lines, the wall time of the guest run, then "qemu guest (...): N passed, M failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
rig=$top/tests/rig
mode=keel kernel=trimmed shim='' log='' hr_qemu=() disk=1 gic=2
while [ $# -gt 0 ]; do
	case "$1" in
	--no-keel) mode=nokeel ;;
	--shim) mode=keel shim=${2:?}; shift ;;
	--kernel) kernel=${2:?}; shift ;;
	--qemu) hr_qemu+=(--qemu "${2?}"); shift ;;
	--log) log=${2:?}; shift ;;
	--no-disk) disk=0 ;;
	--gic3) gic=3 ;;
	*) echo "usage: $0 [--no-keel | --shim KO] [--kernel trimmed|debian] [--qemu 'ARGS'] [--log FILE] [--no-disk] [--gic3]" >&2; exit 2 ;;
	esac
	shift
done
work=$(mktemp -d /tmp/keel-qemuguest.XXXXXX)
trap 'rm -rf "$work"' EXIT
gsuffix='' glabel=''
if [ "$gic" = 3 ]; then gsuffix=-gic3 glabel=', in-kernel GICv3'; fi
[ -n "$log" ] || log=$top/build/qemu-arm64/qemu-guest/console-$kernel-$mode$gsuffix.log
mkdir -p "$(dirname "$log")" && rm -f "$log"
label="$kernel, $([ "$mode" = nokeel ] && echo "no keel, Linux KVM" || echo "keel + shim")$glabel"
pass=0 fail=0
ok() { echo "ok   - $label: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL - $label: $1"; fail=$((fail + 1)); }
expect() { if grep -qF -- "$3" "$1"; then ok "$2"; else ko "$2 (no '$3')"; fi; }
expect_re() { if grep -qE -- "$3" "$1"; then ok "$2"; else ko "$2 (no /$3/)"; fi; }

qemu_root=$("$rig/guest/build-qemu") || { echo "qemu guest: build-qemu failed"; exit 1; }
guest_initrd=$("$rig/guest/build-guest") || { echo "qemu guest: build-guest failed"; exit 1; }
guest_image=$("$rig/kernel/build-kernel" trimmed)/Image
adds=(--add "$qemu_root/usr:/usr" --add "$qemu_root/lib:/lib"
	--add "$guest_image:/root/guest/Image" --add "$guest_initrd:/root/guest/initrd.gz")
[ "$disk" = 0 ] || adds+=(--add "$work/with-disk:/root/guest/with-disk")
: >"$work/with-disk"
[ "$gic" = 2 ] || adds+=(--add "$work/with-disk:/root/guest/gic3")
# The gdbstub run (with the disk run): gdbpoke and where two early boot functions of the guest kernel are.
gdbpoke=$top/build/qemu-arm64/qemu-guest/gdbpoke
if [ "$disk" = 1 ] && [ "$gic" = 2 ]; then
	[ -x "$gdbpoke" ] || { echo "qemu guest: $gdbpoke missing (make qemu-guest-inputs)"; exit 1; }
	sym() { awk -v n="$1" '$3 == n { print $1 }' "$(dirname "$guest_image")/build/System.map"; }
	t=$(sym _text) h=$(sym __cpu_setup) s=$(sym __primary_switch)
	printf '0x%x 0x%x\n' $((0x$h - 0x$t)) $((0x$s - 0x$t)) >"$work/gdb-offsets"
	adds+=(--add "$gdbpoke:/root/guest/gdbpoke" --add "$work/gdb-offsets:/root/guest/gdb-offsets")
fi
hr_mode=(--no-keel)
if [ "$mode" = keel ]; then
	[ -n "$shim" ] || shim=$top/build/qemu-arm64/kvm/shim-$kernel/shim.ko
	[ -f "$shim" ] || { echo "qemu guest: $shim missing (make shim)"; exit 1; }
	adds+=(--add "$shim:/root/shim.ko")
	hr_mode=(--no-shim)
fi

# In the host: load the shim (keel mode), run QEMU time-limited, report its status and the host time it
# took (the host's clock is QEMU's virtual clock: wall time without -icount, instructions with it),
# from the kernel's microsecond timestamps of two /dev/kmsg markers.
cat >"$work/run.sh" <<'RUN'
if [ -f /root/shim.ko ]; then insmod /root/shim.ko && echo "shim-loaded"; fi
[ -c /dev/kvm ] && echo "dev-kvm=$(stat -c '%t:%T' /dev/kvm)"
echo "qemu-guest: QEMU start" >/dev/kmsg
# A virtio-blk disk (virtio-mmio): QEMU signals its queue by KVM_IOEVENTFD, so the guest's notifications
# end in the kernel (the VM's mmio_exit_kernel, sampled while it lives).
# The GICv3 guest also has a virtio-net NIC on QEMU's user network (slirp: its DHCP server gives 10.0.2.15);
# no option ROM (romfile=: the guest boots no firmware, and the host's QEMU has none).
machine='-M virt,kernel-irqchip=off,gic-version=2 -smp 2 -m 256 -nic none'
[ -f /root/guest/gic3 ] && machine='-M virt,gic-version=3,kernel-irqchip=on -smp 4 -m 512
	-netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile='
qemu() {
	# shellcheck disable=SC2086 # $machine is a list of options
	timeout 240 qemu-system-aarch64 -accel kvm $machine -cpu host \
		-nographic -no-reboot \
		-kernel /root/guest/Image -initrd /root/guest/initrd.gz -append 'console=ttyAMA0 panic=-1 rdinit=/init' \
		"$@" </dev/null
}
if [ -f /root/guest/with-disk ]; then
	printf 'keel-virtio-blk ok\n' >/root/disk.img && dd if=/dev/zero bs=1024 count=63 >>/root/disk.img 2>/dev/null
	qemu -drive file=/root/disk.img,if=none,format=raw,id=d0 -device virtio-blk-device,drive=d0 >/root/qemu.out 2>&1 &
	# Sampled every 20 ms while the VM lives (its debugfs directory goes with it): the highest count.
	pid=$! k=0
	while kill -0 $pid 2>/dev/null; do
		for f in /sys/kernel/debug/kvm/*-*/mmio_exit_kernel; do
			v=$(cat "$f" 2>/dev/null) && [ "${v:-0}" -gt "$k" ] && k=$v
		done
		usleep 20000
	done
	wait $pid
	rc=$?
	cat /root/qemu.out
	echo "mmio-exit-kernel=$k"
	# QEMU's gdbstub (what gdb's 'target remote' gets): the VM starts stopped (-S); gdbpoke steps it,
	# stops it at a hardware and a software breakpoint in the guest kernel's early boot, detaches;
	# the guest then boots on to its shell and powers off.
	if [ -f /root/guest/gdb-offsets ]; then
		read -r hw_off sw_off </root/guest/gdb-offsets
		qemu -S -gdb unix:/tmp/gdb.sock,server=on,wait=off >/root/qemu-gdb.out 2>&1 &
		gpid=$!
		/root/guest/gdbpoke /tmp/gdb.sock "$hw_off" "$sw_off"
		r=$?
		echo "gdbpoke-exit=$r"
		[ "$r" = 0 ] || kill $gpid # (else it waits, stopped, for a debugger)
		wait $gpid
		echo "qemu-gdb-exit=$?"
		grep -q '@@GUEST:SHELL' /root/qemu-gdb.out && echo "gdb-guest-shell=yes"
	fi
else
	# The benchmark's guest (--no-disk): nothing else runs in the host beside QEMU.
	qemu
	rc=$?
fi
echo "qemu-guest: QEMU exit" >/dev/kmsg
echo "qemu-exit=$rc"
dmesg | awk -F'[][]' '/qemu-guest: QEMU start/ { a = $2 } /qemu-guest: QEMU exit/ { b = $2 }
	END { printf "qemu-host-seconds=%.6f\n", b - a }'
# The in-kernel GICv3 guest, saved while it runs and restored in another QEMU: its /init (keel.ticks) keeps
# 4 vCPUs busy with IPIs and counts ticks; the source QEMU's monitor (a pipe) says 'migrate "exec:cat >
# FILE"' after 20 ticks; a second QEMU starts from FILE (-incoming) and the guest must count on.
if [ -f /root/guest/gic3 ] && [ -f /root/guest/with-disk ]; then
	mq() {
		id=$1; shift
		# shellcheck disable=SC2086 # $machine is a list of options
		timeout 300 qemu-system-aarch64 -accel kvm $machine -cpu host -nographic -no-reboot \
			-kernel /root/guest/Image -initrd /root/guest/initrd.gz \
			-append 'console=ttyAMA0 panic=-1 rdinit=/init keel.ticks' -monitor none \
			-serial "file:/root/mig$id.serial" -chardev "pipe,id=mon,path=/tmp/mon$id" -mon chardev=mon \
			"$@" </dev/null >"/root/mig$id.out" 2>&1
	}
	mkfifo /tmp/mon1.in /tmp/mon1.out /tmp/mon2.in /tmp/mon2.out
	mq 1 &
	p1=$!
	exec 3<>/tmp/mon1.in 4<>/tmp/mon1.out
	cat <&4 >/root/mon1.txt &
	catp=$!
	i=0
	until grep -qw 'TICK 20' /root/mig1.serial 2>/dev/null || [ $i -gt 1200 ]; do usleep 100000; i=$((i + 1)); done
	echo 'migrate "exec:cat > /root/vm.state"' >&3
	i=0
	until grep -qE 'Migration status: (completed|failed)' /root/mon1.txt || [ $i -gt 240 ]; do
		echo 'info migrate' >&3; usleep 500000; i=$((i + 1))
	done
	echo "mig-status=$(sed -n 's/.*Migration status: //p' /root/mon1.txt | tr -d '\r' | tail -n 1)"
	echo quit >&3
	wait $p1
	echo "mig-source-exit=$?"
	# (read once the source QEMU is gone: its last lines are in the file then)
	echo "mig-last-tick=$(sed -n 's/^@@GUEST:TICK //p' /root/mig1.serial | tr -d '\r' | tail -n 1)"
	kill $catp 2>/dev/null
	exec 3>&- 4>&-
	mq 2 -incoming 'exec:cat /root/vm.state'
	echo "mig-dest-exit=$?"
	echo "mig-first-tick=$(sed -n 's/^@@GUEST:TICK //p' /root/mig2.serial | tr -d '\r' | head -n 1)"
	echo "mig-end-tick=$(sed -n 's/^@@GUEST:TICK //p' /root/mig2.serial | tr -d '\r' | tail -n 1)"
	sed -n 's/^@@GUEST:IPIS/mig-ipis/p' /root/mig2.serial | tr -d '\r'
	grep -v 'recommended cpus' /root/mig1.out /root/mig2.out || true
fi
exit $rc
RUN

rc=0
t0=${EPOCHREALTIME/./}
"$rig/hostrun" --no-build --no-disk --kernel "$kernel" "${hr_mode[@]}" "${hr_qemu[@]}" --timeout 420 --log "$log" \
	"${adds[@]}" --add "$work/run.sh:/root/run.sh" -- sh /root/run.sh >"$work/raw.txt" 2>&1 || rc=$?
out=$(dirname "$log")/output-$kernel-$mode$gsuffix.txt
tr -d '\r' <"$work/raw.txt" >"$out" # (the guest's console lines end in CR LF)
wall=$(((${EPOCHREALTIME/./} - t0) / 10000))
if [ "$rc" = 0 ]; then ok "host booted, ran QEMU, powered off (hostrun exit 0)"; else ko "hostrun exit $rc"; fi
[ "$mode" = keel ] && expect "$out" "shim loaded" "shim-loaded"
expect "$out" "/dev/kvm is 10:232" "dev-kvm=a:e8"
expect_re "$out" "guest kernel banner" '^\[ *0\.000000\] Linux version 6\.1\.[0-9]+'
ncpu=2
if [ "$gic" = 3 ]; then
	ncpu=4
	expect "$out" "guest interrupt controller: the in-kernel GICv3 (its redistributors found)" \
		"GICv3: CPU3: found redistributor 3 region 0:0x0000000008100000"
	expect_re "$out" "an IPI-heavy workload on 4 vCPUs: every vCPU took rescheduling IPIs" \
		'^@@GUEST:\| ipis: ok '
	expect_re "$out" "virtio-net on QEMU's user network: a DHCP lease" \
		'^@@GUEST:\| dhcp: lease of 10\.0\.2\.15 obtained from 10\.0\.2\.2'
	expect_re "$out" "the guest found QEMU's default ITS (KVM_DEV_TYPE_ARM_VGIC_ITS)" \
		'^@@GUEST:\| .*ITS \[mem 0x08080000-0x0809ffff\]'
	expect_re "$out" "virtio-net's MSI-X vectors are LPIs from the ITS, and they fired" \
		'^@@GUEST:\| its-msi: [1-9][0-9]* virtio vectors, [1-9][0-9]* interrupts'
	# QEMU warns when the ITS lacks an attribute it uses (reset, migration): none
	if grep -q 'ITS KVM' "$out"; then ko "QEMU misses an ITS attribute: $(grep -m1 'ITS KVM' "$out")"
	else ok "QEMU finds every ITS attribute it uses (no 'ITS KVM' warning)"; fi
else
	expect "$out" "guest interrupt controller: QEMU's own GICv2 (kernel-irqchip=off)" "GICv2m: range"
fi
expect "$out" "all $ncpu guest CPUs up" "smp: Brought up 1 node, $ncpu CPUs"
# QEMU's -cpu host gives the guest a PMU when KVM_CAP_ARM_PMU_V3 says so (IRQ and INIT per vCPU, its
# registers migrated); the guest's perf driver probes it through the trapped registers.
expect_re "$out" "the guest found its PMU (KVM_ARM_VCPU_PMU_V3)" \
	'^\[ *[0-9.]+\] hw perfevents: enabled with armv8_pmuv3 PMU driver, [0-9]+ counters available'
expect "$out" "guest /init reached (boot-to-shell marker)" "@@GUEST:SHELL uptime="
expect_re "$out" "guest command output: uname" '^@@GUEST:\| Linux .* 6\.1\.[0-9]+ .* aarch64'
expect "$out" "guest command output: $ncpu CPUs" "@@GUEST:| cpus=$ncpu"
expect "$out" "guest found KVM's hypervisor services (vendor-hyp UID, features: PTP)" \
	"smccc: KVM: hypervisor services detected (0x00000000 0x00000000 0x00000000 0x00000003)"
expect "$out" "guest PTP clock over the KVM_PTP hypercall" "@@GUEST:| KVM virtual PTP"
if [ "$disk" = 1 ]; then
	expect "$out" "guest reads its virtio-blk disk (virtio-mmio)" "@@GUEST:| virtio-blk: keel-virtio-blk ok"
	expect_re "$out" "the disk's queue notifications end in the kernel (QEMU's ioeventfd)" '^mmio-exit-kernel=[1-9]'
fi
expect "$out" "guest runs a 32-bit ARM program at AArch32 EL0 (busybox-static:armhf, its md5sum right)" \
	"@@GUEST:| aarch32-el0 md5sum ok"
if [ "$disk" = 1 ] && [ "$gic" = 2 ]; then
	expect "$out" "gdbstub: the guest stopped at reset, single-stepped to its kernel's entry" "single steps to the kernel's entry"
	expect "$out" "gdbstub: a hardware breakpoint in the guest stops it there" "gdbpoke: hardware breakpoint hit"
	expect "$out" "gdbstub: a software breakpoint in the guest stops it there" "gdbpoke: software breakpoint hit"
	expect "$out" "gdbstub: breakpoints removed, detached (gdbpoke exit 0)" "gdbpoke-exit=0"
	expect "$out" "gdbstub: the guest carries on to its shell, QEMU exits 0" "qemu-gdb-exit=0"
	expect "$out" "gdbstub: ... its shell reached" "gdb-guest-shell=yes"
fi
if [ "$gic" = 3 ] && [ "$disk" = 1 ]; then
	expect "$out" "migration: QEMU saved the running guest to a file (migrate \"exec:cat > FILE\")" \
		"mig-status=completed"
	expect "$out" "migration: the source QEMU quit" "mig-source-exit=0"
	before=$(sed -n 's/^mig-last-tick=//p' "$out") after=$(sed -n 's/^mig-first-tick=//p' "$out")
	if [ -n "$before" ] && [ "$before" -ge 20 ] && [ "${after:-0}" = $((before + 1)) ]; then
		ok "migration: a second QEMU (-incoming) restored it and the guest counted on (tick $before, then $after)"
	else
		ko "migration: the restored guest did not count on from tick ${before:-?} (its first: ${after:-none})"
	fi
	expect "$out" "migration: ... to its end, IPIs on all 4 vCPUs throughout, then powered off (QEMU exit 0)" \
		"mig-dest-exit=0"
	expect "$out" "migration: the restored guest reached its last tick" "mig-end-tick=150"
	expect_re "$out" "migration: every vCPU took rescheduling IPIs" '^mig-ipis [1-9][0-9]* [1-9][0-9]* [1-9][0-9]* [1-9]'
fi
expect "$out" "guest powered off" "reboot: Power down"
expect "$out" "QEMU exited 0" "qemu-exit=0"
secs=$(sed -n 's/^qemu-host-seconds=//p' "$out")
echo "qemu guest ($label): whole run $((wall / 100)).$(printf '%02d' $((wall % 100))) s wall," \
	"QEMU in the host ${secs:-?} s (host clock); guest $(sed -n 's/^@@GUEST:SHELL //p' "$out")"
if [ "$fail" != 0 ]; then
	echo "--- command output (last 60 lines)"; tail -n 60 "$out"
	echo "--- host console (last 15 lines; all of it in $log)"; tail -n 15 "$log" | tr -d '\r'
fi
echo "qemu guest ($label): $pass passed, $fail failed"
[ "$fail" = 0 ]
