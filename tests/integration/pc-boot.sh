#!/usr/bin/env bash
# The x86 firmware image (PLAT=pc) and keel's x86 host support, under QEMU's SVM and in bochs:
#   - the host under keel: both CPUs, CPUID (hypervisor bit, no svm/vmx), keel's memory unreadable, the
#     shim's load, system and VM ioctls, CPU hotplug, unload/reload (tests/kvm/x86/host-check-pc.sh);
#   - the same kernel without keel: Linux's kvm_amd and the same ioctls as the reference, the shim refusing;
#   - power off (hostrun: QEMU exits 0), reboot from the host (QEMU -no-reboot exits at the reset);
#   - bad boot input: no multiboot information, no memory map (a test loader, x86-stub.S), no host kernel
#     module, a module that is not a bzImage, a CPU without SVM, without nested paging (check-ports), each
#     a clear message and a power-off;
#   - make run PLAT=pc typed into a terminal: the host's shell, /dev/kvm, poweroff;
#   - in bochs (VMX + EPT, 2 CPUs): keel's VMX setup on both CPUs, the host under VMX on both, keel's memory
#     unreadable, the shim loaded at boot, CPU hotplug through keel and kvmsys --keel.
# Prints ok/FAIL lines and "pc: N passed, M failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/keel-pc.XXXXXX)
trap 'rm -rf "$work"' EXIT
label=pc
# shellcheck source-path=SCRIPTDIR source=testlib.sh
. "$top/tests/integration/testlib.sh"
hostrun=$top/tests/rig/hostrun
fw=$top/build/pc/firmware
shim=$top/build/pc/kvm/shim-debian-amd64/shim.ko
kvmsys=$top/build/pc/kvm/kvmsys
entry=$("$top/tests/rig/kernel/build-kernel" debian-amd64)
for f in "$fw/keel.iso" "$fw/base.cpio.gz" "$fw/parts.cpio" "$shim" "$kvmsys"; do
	[ -f "$f" ] || { ko "missing $f (make firmware PLAT=pc shim-pc kvmsys-pc)"; finish pc; exit 1; }
done

# run_iso NAME ISO [QEMU CPU]: boot an ISO under QEMU with a timeout; console in $work/NAME.log, status in $rc
run_iso() {
	local cpu=${3:-qemu64,+svm,+npt,+pdpe1gb}
	timeout --kill-after=5 180 qemu-system-x86_64 -M q35 -cpu "$cpu" -smp 2 -m 2048 -display none -monitor none \
		-serial "file:$work/$1.log" -nic none -no-reboot -cdrom "$2" </dev/null >"$work/$1.qemu" 2>&1
	rc=$?
}

echo "# the host under keel (hostrun --plat pc)"
"$hostrun" --plat pc --no-build --no-shim --log "$work/hc.console" --add "$shim:/shim.ko" --add "$kvmsys:/kvmsys" \
	--add "$top/tests/kvm/x86/host-check-pc.sh:/host-check.sh" -- sh /host-check.sh /shim.ko /kvmsys >"$work/hc.log" 2>&1
r=$?
grep -E '^(ok|FAIL)' "$work/hc.log" | sed 's/^/  /'
if grep -q '^[0-9]* passed, 0 failed$' "$work/hc.log" && [ $r = 0 ]; then ok "host checks under keel (power-off exit 0)"
else ko "host checks under keel (status $r)"; tail -n 20 "$work/hc.log"; fi
# keel reports a host access it refused on the console: only the /dev/mem read of its image, none on host memory
n=$(grep -c "keel: the host .* (keel's memory)" "$work/hc.console")
if [ "$n" = 1 ] && grep -q "keel: the host read 0x201000 (keel's memory)" "$work/hc.console"; then
	ok "keel refused the host one access: the /dev/mem read of its image"
else ko "keel refused the host $n accesses, not just the /dev/mem read of its image"; fi
# keel's NMIs (a CPU's INIT, a TLB shootdown) are its own: the host sees only its own NMIs
if grep -q 'NMI received for unknown reason' "$work/hc.console"; then
	ko "the host got an NMI it did not send: $(grep -m1 'NMI received for unknown reason' "$work/hc.console" | tr -d '\r')"
else ok "the host got no NMI it did not send (keel's flush and INIT requests stay keel's)"; fi

echo "# the same kernel without keel (Linux's own KVM: the reference)"
"$hostrun" --plat pc --no-build --no-keel --add "$shim:/shim.ko" --add "$kvmsys:/kvmsys" \
	--add "$top/tests/kvm/x86/nokeel-check-pc.sh:/nokeel-check.sh" -- sh /nokeel-check.sh /shim.ko /kvmsys >"$work/nk.log" 2>&1
r=$?
grep -E '^(ok|FAIL)' "$work/nk.log" | sed 's/^/  /'
if [ $r = 0 ]; then ok "the reference run over kvm_amd"; else ko "the reference run over kvm_amd (status $r)"; tail -n 20 "$work/nk.log"; fi

echo "# reboot from the host"
printf '#!/bin/sh\necho rebooting-now\nreboot -f\n' >"$work/hostrun.sh"
echo "file /hostrun.sh $work/hostrun.sh 0755" | python3 "$top/tests/rig/initramfs/mkcpio.py" -o "$work/reboot.cpio" -
"$top/tests/rig/mkiso" "$work/reboot.iso" "$top/build/pc/keel.elf" "$entry/bzImage" \
	"$fw/base.cpio.gz:$fw/parts.cpio:$work/reboot.cpio" "console=ttyS0 rdinit=/init"
run_iso reboot "$work/reboot.iso"
expect "$work/reboot.log" "the host asked for a reboot" 'rebooting-now'
expect "$work/reboot.log" "Linux restarts the machine under keel" 'reboot: Restarting system'
status_is() { if [ "$1" = 0 ]; then ok "$2"; else ko "$2 (status $1)"; fi; }
status_is "$rc" "QEMU (-no-reboot) exits 0 at the reset: the reset reached the machine"

echo "# bad boot input"
printf 'not a kernel\n' >"$work/junk"
# no modules: an ISO with keel alone
mkdir -p "$work/iso0/boot/grub" && cp "$top/build/pc/keel.elf" "$work/iso0/boot/"
printf 'set timeout=0\nserial --unit=0 --speed=115200\nterminal_output serial\nmenuentry k {\n multiboot2 /boot/keel.elf\n boot\n}\n' \
	>"$work/iso0/boot/grub/grub.cfg"
grub-mkrescue -d /usr/lib/grub/i386-pc -o "$work/nokernel.iso" "$work/iso0" --fonts= --locales= --themes= \
	--install-modules="multiboot2 normal configfile iso9660 biosdisk serial terminal" --modules="multiboot2 serial" >/dev/null 2>&1
run_iso nokernel "$work/nokernel.iso"
expect "$work/nokernel.log" "no host kernel module: keel says so" 'keel: no host kernel: give GRUB'
expect "$work/nokernel.log" "... and powers off" 'keel: x86_64: powering off'
status_is "$rc" "... QEMU exits 0"
"$top/tests/rig/mkiso" "$work/junk.iso" "$top/build/pc/keel.elf" "$work/junk" "$fw/base.cpio.gz" "console=ttyS0"
run_iso junk "$work/junk.iso"
expect "$work/junk.log" "a kernel module that is not a bzImage: refused with the reason" 'is refused: not a Linux bzImage'
expect "$work/junk.log" "... and powers off" 'keel: x86_64: powering off'
# a loader that got it wrong (tests/integration/x86-stub.S): keel.bin entered with a wrong magic, or
# with multiboot2's magic and an information block without a memory map
for m in 0x12345678 0x36d76289; do
	gcc -m32 -c -DKEEL_BASE=0x200000 -DENTRY_EAX=$m -o "$work/stub-$m.o" "$top/tests/integration/x86-stub.S" &&
		ld -m elf_i386 -Ttext=0x100000 --build-id=none -o "$work/stub-$m.elf" "$work/stub-$m.o" ||
		ko "building the x86 test loader"
	timeout --kill-after=5 60 qemu-system-x86_64 -M q35 -cpu qemu64,+svm,+npt -m 512 -display none -monitor none \
		-serial "file:$work/stub-$m.log" -nic none -no-reboot -kernel "$work/stub-$m.elf" \
		-device "loader,file=$top/build/pc/keel.bin,addr=0x200000,force-raw=on" </dev/null >"$work/stub-$m.qemu" 2>&1
	rc=$?
	if [ $m = 0x12345678 ]; then
		expect "$work/stub-$m.log" "no multiboot information (a wrong loader magic): keel says so" \
			'keel: boot failed: not started by a multiboot loader \(eax = 0x12345678\)'
	else
		expect "$work/stub-$m.log" "multiboot2 information without a memory map: keel says so" \
			'keel: boot failed: the multiboot2 loader gave no memory map'
	fi
	expect "$work/stub-$m.log" "... and powers off" 'keel: x86_64: powering off'
	status_is "$rc" "... QEMU exits 0"
done
run_iso nosvm "$fw/keel.iso" qemu64,-svm
expect "$work/nosvm.log" "a CPU without VMX or SVM: keel says it cannot run a host" 'keel: VMX: absent .*: keel cannot run a host on this CPU'
expect "$work/nosvm.log" "... and powers off" 'keel: x86_64: powering off'
status_is "$rc" "... QEMU exits 0"

echo "# make run PLAT=pc typed into a terminal"
"$top/tests/integration/run-interactive.sh" --plat pc >"$work/ri.log" 2>&1
r=$?
grep -E '^(ok|FAIL)' "$work/ri.log" | sed 's/^/  /'
status_is "$r" "make run PLAT=pc"

echo "# the host under keel on VMX (bochs: EPT, unrestricted guest, 2 CPUs)"
"$hostrun" --plat pc --emu bochs --smp 2 --no-build --timeout 900 --log "$work/bochs.log" --add "$kvmsys:/kvmsys" \
	--add "$top/tests/kvm/x86/host-check-vmx.sh:/host-check-vmx.sh" -- sh /host-check-vmx.sh /kvmsys >"$work/vmx.log" 2>&1
r=$?
grep -E '^(ok|FAIL|  )' "$work/vmx.log" | sed 's/^/  /'
status_is "$r" "host checks under keel on VMX in bochs"
expect "$work/bochs.log" "GRUB boots the same ISO in bochs" '^keel: machine: PC \(multiboot2 from GRUB'
expect "$work/bochs.log" "VMX controls computed from the capability MSRs" '^keel: VMX: controls pin 0x3e, primary 0x94006172, secondary 0x1010aa'
expect "$work/bochs.log" "VMXON and a current VMCS on the boot CPU" '^keel: VMX: VMXON ok .*VMCS 0x[0-9a-f]+ current'
expect "$work/bochs.log" "both CPUs through VMXON and the compatibility check" '^keel: 2 of 2 CPUs under keel'
expect "$work/bochs.log" "the host entered under VMX (EPT)" '^keel: entering the host at 0x[0-9a-f]+ under VMX'
expect "$work/bochs.log" "the host brought up both CPUs under VMX" "smp: Brought up 1 node, 2 CPUs"
finish pc
