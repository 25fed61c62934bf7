#!/usr/bin/env bash
# Boards and boot paths beyond `make run` on QEMU virt:
#   - U-Boot's standard boot on virt: boot.scr + keel.itb found on a FAT partition of a virtio disk
#     (what an SD card gives a board), and fetched by DHCP/TFTP from QEMU's user network;
#   - a second board from its own device tree: Xilinx ZCU102 (QEMU xlnx-zcu102: 4x Cortex-A53, GIC-400,
#     Cadence UART, PSCI by SMC) with Debian's zynqmp-zcu102-rev1.0.dtb: keel's drivers chosen by
#     compatible, all 4 CPUs at EL1, keel's memory and the GIC's hypervisor interface out of the host's
#     reach, poweroff (hostrun checks QEMU's exit 0);
#   - make run PLAT=malta boots that port; make run PLAT=pc EMU=bochs boots the x86 ISO in bochs, the host
#     under VMX (make run PLAT=pc under QEMU: tests/integration/pc-boot.sh);
#   - shim.ko built out of tree against Debian's stock kernel headers (make shim-external KDIR=...).
# Prints ok/FAIL lines and "boards: N passed, M failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
hr=$top/tests/rig/hostrun
work=$(mktemp -d /tmp/keel-boards.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source-path=SCRIPTDIR source=testlib.sh
. "$top/tests/integration/testlib.sh"

# ---- U-Boot standard boot on QEMU virt: disk and TFTP ---------------------------------------------
for via in disk tftp; do
	rc=0
	"$hr" --no-build --boot $via --log "$work/$via.log" -- sh -c 'ls /dev/kvm; grep -c ^processor /proc/cpuinfo' \
		>"$work/$via.out" 2>&1 || rc=$?
	if [ $rc = 0 ]; then ok "virt, --boot $via: host booted, ran the command, powered off"; else ko "virt, --boot $via: hostrun exit $rc"; fi
	expect "$work/$via.out" "virt, --boot $via: /dev/kvm in the host" '^/dev/kvm$'
done
expect "$work/disk.log" "disk: U-Boot's standard boot found boot.scr on the FAT partition" 'Found U-Boot script /boot.scr'
expect "$work/disk.log" "disk: boot.scr loaded keel.itb from it" '^[0-9]+ bytes read in'
expect "$work/tftp.log" "tftp: DHCP boot fetched boot.scr.uimg" "Filename 'boot.scr.uimg'"
expect "$work/tftp.log" "tftp: boot.scr fetched keel.itb by TFTP" "Filename 'keel.itb'"
for via in disk tftp; do expect "$work/$via.log" "$via: keel booted from it" '^keel [0-9.]+ .* running at EL2'; done

# ---- ZCU102 ------------------------------------------------------------------------------------------
cat >"$work/zcu.sh" <<'CHECKS'
echo "online=$(cat /sys/devices/system/cpu/online)"
dmesg | grep -E 'started at EL|Brought up|Machine model' | sed 's/^\[[^]]*\] /dmesg: /'
echo "hv-compatible=$(cat /proc/device-tree/hypervisor/compatible)"
echo "console=$(cat /proc/consoles | cut -d' ' -f1)"
# The faults' results printed once they are all over: keel reports each fault on the same UART, at once,
# and the kernel's reports stay off the console (either could split a line still being sent).
dmesg -n 1
{
	devmem 0x200000 32; echo "read-keel-start=$?"
	devmem 0x21fffc0 32; echo "read-keel-end=$?"
	devmem 0xf9040000 32; echo "read-gich=$?"
	devmem 0xf9010004 32 >/dev/null; echo "read-gicd=$?"
} >/tmp/faults 2>&1
sleep 1
cat /tmp/faults
CHECKS
rc=0
"$hr" --no-build --plat zcu102 --no-disk --log "$work/zcu.log" --add "$work/zcu.sh:/root/zcu.sh" -- sh /root/zcu.sh \
	>"$work/zcu.out" 2>&1 || rc=$?
if [ $rc = 0 ]; then ok "zcu102: host booted, ran the checks, powered off (QEMU exit 0)"; else ko "zcu102: hostrun exit $rc"; tail -n 20 "$work/zcu.out"; fi
con=$work/zcu.log out=$work/zcu.out
expect "$con" "zcu102: keel's banner on the Cadence UART" '^keel [0-9.]+ .* on arm64, running at EL2'
expect "$con" "zcu102: the board's own DT (model)" '^keel: machine: ZynqMP ZCU102 Rev1\.0'
expect "$con" "zcu102: keel at RAM base + 2 MiB" '^keel:   keel       0x0000200000-0x00021fffff'
expect "$con" "zcu102: 4 CPUs from the DT" '^keel: 4 CPUs: cpu0=0x0 cpu1=0x1 cpu2=0x2 cpu3=0x3'
expect "$con" "zcu102: 40-bit stage 2s on the A53's 40-bit PA (concatenated level-1 tables)" 'PA 40 bits, stage-2 IPA up to 40 bits'
expect "$con" "zcu102: GICv2 driver chosen by compatible (arm,gic-400)" '^keel: interrupt controller: GICv2 \(arm,gic-400\)'
expect "$con" "zcu102: the GIC's hypervisor interface kept by keel" '^keel: GICv2 hypervisor control interface 0xf9040000'
expect "$con" "zcu102: secondary CPUs through keel's EL2 init" '^keel: cpu3 \(mpidr 0x3\) up at EL2'
expect "$out" "zcu102: all 4 CPUs online" '^online=0-3$'
expect "$out" "zcu102: all CPUs started at EL1" 'dmesg: CPU: All CPU\(s\) started at EL1'
expect "$out" "zcu102: host console on the Cadence UART (ttyPS0)" '^console=ttyPS0'
expect "$out" "zcu102: /hypervisor in the host's DT" '^hv-compatible=keel,hypervisor'
expect "$out" "zcu102: reading keel's first word faults (SIGBUS)" '^read-keel-start=135$'
expect "$out" "zcu102: reading keel's last word faults (SIGBUS)" '^read-keel-end=135$'
expect "$out" "zcu102: reading the GIC's hypervisor interface faults (SIGBUS)" '^read-gich=135$'
expect "$out" "zcu102: the distributor stays the host's" '^read-gicd=0$'
expect "$con" "zcu102: poweroff through keel's PSCI relay" 'keel: host requested SYSTEM_OFF'

# ---- the MIPS port, and the x86 ISO in bochs, under make run -----------------------------------------
rc=0
timeout 120 make -C "$top" -s --no-print-directory run PLAT=malta </dev/null >"$work/run-malta.log" 2>&1 || rc=$?
if [ $rc = 0 ] && grep -qE '^keel [0-9.]+ .* on mips64' "$work/run-malta.log"; then
	ok "make run PLAT=malta: keel's banner, then a power-off ends QEMU (exit 0)"
else ko "make run PLAT=malta: exit $rc"; tail -n 5 "$work/run-malta.log"; fi
rc=0
timeout 400 make -C "$top" -s --no-print-directory run PLAT=pc EMU=bochs RUN_TIMEOUT=90 </dev/null >"$work/bochs.log" 2>&1 ||
	rc=$?
if [ $rc = 0 ] && grep -q 'keel: VMX: VMXON ok' "$work/bochs.log" &&
	grep -q 'keel: entering the host at .* under VMX' "$work/bochs.log"; then
	ok "make run PLAT=pc EMU=bochs: the ISO in bochs, keel's VMX setup, the host entered under VMX"
else ko "make run PLAT=pc EMU=bochs: exit $rc"; tail -n 5 "$work/bochs.log"; fi

# ---- the shim against a board's own kernel: Debian's stock headers ---------------------------------
entry=$("$top/tests/rig/kernel/build-kernel" debian --headers)
rc=0
make -C "$top" --no-print-directory shim-external KDIR="$entry/build" >"$work/ext.log" 2>&1 || rc=$?
ko_file=$top/build/qemu-arm64/shim-external/shim.ko
if [ $rc = 0 ] && [ -f "$ko_file" ] &&
	modinfo -F vermagic "$ko_file" | grep -q "^$(cat "$entry/version") "; then
	ok "make shim-external KDIR=<Debian's linux-headers-$(cat "$entry/version")>: shim.ko for that kernel"
else ko "make shim-external: exit $rc"; tail -n 10 "$work/ext.log"; fi

# ---- make's own words -------------------------------------------------------------------------------
# make help lists the targets and knobs; a machine without the cross compiler yet (a fresh one, before
# install-deps) hears nothing about a missing compiler from merely reading the Makefile.
make -C "$top" -s --no-print-directory help >"$work/help.txt" 2>&1 || true
if grep -q '^  run ' "$work/help.txt" && grep -q 'SMP=N MEM=MIB' "$work/help.txt" && grep -q 'PLAT=' "$work/help.txt"; then
	ok "make help lists targets and knobs"; else ko "make help"; fi
make -C "$top" -s --no-print-directory board-env CROSS_COMPILE=/nonexistent/aarch64-none- >/dev/null 2>"$work/nocc.txt" || true
if [ ! -s "$work/nocc.txt" ]; then ok "no compiler message from reading the Makefile without a compiler"
else ko "reading the Makefile without a compiler printed: $(head -c 200 "$work/nocc.txt")"; fi
rc=0
make -C "$top" -s --no-print-directory keel PLAT=nosuchboard >"$work/noboard.txt" 2>&1 || rc=$?
if [ $rc != 0 ] && grep -q 'unknown PLAT=nosuchboard; known: .*zcu102' "$work/noboard.txt"; then ok "an unknown PLAT is refused with the known boards"
else ko "PLAT=nosuchboard: exit $rc"; fi

finish boards
