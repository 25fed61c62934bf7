#!/usr/bin/env bash
# Boot keel's x86_64 and mips64el ports to their banner and virtualization report:
#   x86_64 under QEMU -kernel (multiboot1) and from a GRUB ISO (multiboot2): no VMX under TCG,
#          keel must say so and power off;
#   x86_64 under bochs (corei7_sandy_bridge_2600k: VMX, EPT, unrestricted guest): VMXON must work;
#   x86_64 under bochs without EPT (core2_penryn_t9600): refused with what is missing, powered off;
#   mips64el on QEMU's Malta with two memory sizes: the size comes from the YAMON environment,
#          VZ is absent on every QEMU model, keel must say so and power off.
# Every emulator run has a timeout. Ends with "N passed, M failed"; exits non-zero on any failure.
# Inputs (defaults for a run from the top of the tree): KEEL_PC_ELF, KEEL_MALTA_ELF, PORTS_OUT.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
pc_elf=${KEEL_PC_ELF:-$top/build/pc/keel.elf}
malta_elf=${KEEL_MALTA_ELF:-$top/build/malta/keel.elf}
out=${PORTS_OUT:-$top/build/ports}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-60}
BOCHS_TIMEOUT=${BOCHS_TIMEOUT:-300}
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   - $*"; }
nok() { fail=$((fail + 1)); echo "FAIL - $*"; }

# expect NAME LOG DESCRIPTION REGEX: LOG has a line matching the extended REGEX.
expect() {
	if grep -Eq -- "$4" "$2"; then ok "$1: $3"; else nok "$1: $3 (no line matching /$4/ in $2)"; fi
}

# expect_count NAME LOG DESCRIPTION REGEX N: exactly N lines match (a reset would print the banner twice).
expect_count() {
	local n
	n=$(grep -Ec -- "$4" "$2")
	if [ "$n" = "$5" ]; then ok "$1: $3"; else nok "$1: $3 (/$4/ matched $n times in $2, expected $5)"; fi
}

# run NAME LOG TIMEOUT CMD...: run an emulator under a timeout; sets $rc and prints how long it took.
run() {
	local name=$1 log=$2 limit=$3 t0 t1
	shift 3
	t0=$(date +%s.%N)
	timeout --kill-after=5 "$limit" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	t1=$(date +%s.%N)
	printf '# %s: exit %s after %.1f s (log %s)\n' "$name" "$rc" "$(echo "$t1 - $t0" | bc)" "$log"
	[ "$rc" = 124 ] || [ "$rc" = 137 ] && echo "# $name: timed out after $limit s"
	return 0
}

# Clean power-off by the guest: QEMU exits 0 on its own (no -no-reboot: a reset would loop until the timeout).
expect_poweroff() {
	if [ "$rc" = 0 ]; then
		ok "$1: QEMU exited 0 (guest powered off)"
	else
		nok "$1: QEMU exit status $rc (timeout or crash, not a power-off)"
	fi
}

banner_re() { echo "^keel [0-9]+\.[0-9]+\.[0-9]+ .* on $1, running at "; }

mkdir -p "$out"
for f in "$pc_elf" "$malta_elf"; do
	[ -f "$f" ] || { nok "missing $f (run: make ports)"; echo "$pass passed, $fail failed"; exit 1; }
done

# ---- x86_64 under QEMU: multiboot1 through -kernel --------------------------------------------
name=x86/qemu-multiboot1
log=$out/x86-qemu-mb1.log
run $name "$log" "$QEMU_TIMEOUT" qemu-system-x86_64 -M pc -m 128 -smp 2 -display none -serial stdio \
	-monitor none -nic none -kernel "$pc_elf"
expect_count $name "$log" "banner once" "$(banner_re x86_64)" 1
expect $name "$log" "loaded by multiboot1" "^keel: machine: PC \(multiboot1 from qemu\)"
expect $name "$log" "memory map from the loader (~128 MiB)" "^keel: memory map \(12[0-7] MiB of RAM\)"
expect $name "$log" "2 CPUs from the ACPI MADT" "^keel: 2 CPUs: cpu0=0x0 cpu1=0x1"
expect $name "$log" "CPU identified" "^keel: x86_64: .*family .* model"
expect $name "$log" "VMX absent under TCG" "^keel: VMX: absent \(CPUID.1:ECX.VMX = 0; QEMU's TCG"
expect $name "$log" "SVM reported" "^keel: SVM: (present|absent)"
expect $name "$log" "SVM without nested paging refused (qemu64)" "^keel: SVM: no nested paging"
expect $name "$log" "powers off through ACPI" "^keel: x86_64: powering off \(ACPI PM1a_CNT"
expect_poweroff $name

# ---- x86_64 under QEMU: multiboot2 from a GRUB ISO (the medium bochs boots too) ----------------
iso=$out/keel-pc.iso
isodir=$out/iso
rm -rf "$isodir"
mkdir -p "$isodir/boot/grub"
cp "$pc_elf" "$isodir/boot/keel.elf"
cat >"$isodir/boot/grub/grub.cfg" <<'CFG'
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_output serial
menuentry "keel" {
	multiboot2 /boot/keel.elf
	boot
}
CFG
if grub-mkrescue -d /usr/lib/grub/i386-pc -o "$iso" "$isodir" --fonts= --locales= --themes= \
	--install-modules="multiboot2 normal configfile iso9660 biosdisk serial terminal" \
	--modules="multiboot2 serial" >"$out/grub-mkrescue.log" 2>&1; then
	ok "x86/iso: GRUB ISO built ($iso)"
else
	nok "x86/iso: grub-mkrescue failed (see $out/grub-mkrescue.log)"
fi

name=x86/qemu-grub-multiboot2
log=$out/x86-qemu-mb2.log
run $name "$log" "$QEMU_TIMEOUT" qemu-system-x86_64 -M q35 -m 256 -display none -serial stdio \
	-monitor none -nic none -cdrom "$iso"
expect_count $name "$log" "banner once" "$(banner_re x86_64)" 1
expect $name "$log" "loaded by GRUB's multiboot2" "^keel: machine: PC \(multiboot2 from GRUB"
expect $name "$log" "memory map from the loader (~256 MiB)" "^keel: memory map \(25[0-5] MiB of RAM\)"
expect $name "$log" "VMX absent under TCG" "^keel: VMX: absent"
expect $name "$log" "powers off through ACPI" "^keel: x86_64: powering off \(ACPI PM1a_CNT"
expect_poweroff $name

# ---- x86_64 under bochs: a CPU with VMX, EPT and unrestricted guest --------------------------
name=x86/bochs-vmx
log=$out/x86-bochs-com1.log
blog=$out/x86-bochs.out
rm -f "$log"
# bochs always exits 1: judge by its output. tests/rig/bochsrun writes its bochsrc (headless, VMX CPU).
run $name "$blog.run" "$BOCHS_TIMEOUT" "$top/tests/rig/bochsrun" "$iso" --megs 128 --com1 "$log" --out "$out/bochs" \
	--timeout "$BOCHS_TIMEOUT"
cp "$out/bochs/bochs.out" "$blog" 2>/dev/null || : >"$blog"
[ -f "$log" ] || : >"$log"
expect_count $name "$log" "banner once" "$(banner_re x86_64)" 1
expect $name "$log" "loaded by GRUB's multiboot2" "^keel: machine: PC \(multiboot2 from GRUB"
expect $name "$log" "Intel CPU identified" "^keel: x86_64: GenuineIntel family 0x6 model 0x2a"
expect $name "$log" "VMX present" "^keel: VMX: present"
expect $name "$log" "VMCS revision from IA32_VMX_BASIC" "^keel: VMX: IA32_VMX_BASIC 0x[0-9a-f]+: VMCS revision"
expect $name "$log" "EPT found" "^keel: VMX: secondary controls yes: EPT yes"
expect $name "$log" "unrestricted guest found" "^keel: VMX: secondary controls yes: .*unrestricted guest yes"
expect $name "$log" "EPT 4-level walk with WB and 2M pages" "^keel: EPT: 4-level walk yes, WB yes, .*2M pages yes"
expect $name "$log" "VMXON succeeded" "^keel: VMX: VMXON ok"
expect $name "$log" "no host kernel module on this ISO: keel says so" "^keel: no host kernel: give GRUB"
expect $name "$log" "powers off through ACPI" "^keel: x86_64: powering off \(ACPI PM1a_CNT"
expect $name "$blog" "bochs saw the ACPI soft power-off" "ACPI control: soft power off"

# ---- x86_64 under bochs: VMX without EPT (core2_penryn_t9600): refused, as kvm_intel needs it here ----
name=x86/bochs-vmx-no-ept
log=$out/x86-bochs-noept-com1.log
blog=$out/x86-bochs-noept.out
rm -f "$log"
run $name "$blog.run" "$BOCHS_TIMEOUT" "$top/tests/rig/bochsrun" "$iso" --cpu core2_penryn_t9600 --megs 128 \
	--com1 "$log" --out "$out/bochs-noept" --timeout "$BOCHS_TIMEOUT"
cp "$out/bochs-noept/bochs.out" "$blog" 2>/dev/null || : >"$blog"
[ -f "$log" ] || : >"$log"
expect $name "$log" "EPT found absent" "^keel: VMX: secondary controls yes: EPT no"
expect $name "$log" "refused with what is missing" "^keel: VMX: keel needs EPT and unrestricted guest .* to run a host"
expect $name "$log" "no host: a clear message" "^keel: boot failed: no usable virtualization hardware on x86_64"
expect $name "$log" "powers off through ACPI" "^keel: x86_64: powering off \(ACPI PM1a_CNT"
expect $name "$blog" "bochs saw the ACPI soft power-off" "ACPI control: soft power off"

# ---- mips64el on QEMU's Malta ----------------------------------------------------------------
for mem in 256 1024; do
	name=mips/qemu-malta-${mem}M
	log=$out/mips-malta-$mem.log
	run $name "$log" "$QEMU_TIMEOUT" qemu-system-mips64el -M malta -cpu MIPS64R2-generic -m $mem \
		-display none -serial stdio -monitor none -nic none -kernel "$malta_elf"
	expect_count $name "$log" "banner once" "$(banner_re mips64)" 1
	expect $name "$log" "Malta identified" "^keel: machine: MIPS Malta"
	expect $name "$log" "memory size from the YAMON environment = -m $mem" "^keel: memory map \($mem MiB of RAM\)"
	expect $name "$log" "ISA level reported" "^keel: mips64: ISA MIPS64 release 2"
	expect $name "$log" "Config registers reported" "^keel: mips64: Config 0x[0-9a-f]+ Config1"
	expect $name "$log" "MMID reported" "^keel: MMID: (present|absent)"
	expect $name "$log" "VZ absent" "^keel: VZ: absent \(Config3.VZ = 0; no QEMU MIPS model implements VZ\)"
	expect $name "$log" "root mode = kernel mode" "^keel: mips64: root mode = kernel mode"
	expect $name "$log" "powers off through the PIIX4" "^keel: mips64: powering off \(PIIX4 PM1_CNT"
	expect_poweroff $name
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
