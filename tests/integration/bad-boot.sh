#!/usr/bin/env bash
# Bad boot input gives a clear message and a halt, never a silent hang: keel
# is entered (via a stub, at EL2, as U-Boot would) with broken device trees
# and payloads, and must print why and power the machine off.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
keel=${KEEL_BIN:-$top/build/qemu-arm64/keel.bin}
image=${HOST_IMAGE:?HOST_IMAGE must name a Linux arm64 Image}
work=$(mktemp -d /tmp/keel-badboot.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
DTB=0x48000000

qemu_base=(qemu-system-aarch64 -cpu max,pauth-impdef=on -smp 2 -m 2048 -nographic -nic none
	-monitor none -serial stdio)

mkstub() { # $1 = dtb address
	aarch64-linux-gnu-gcc -nostdlib -DDTB_ADDR="$1" -Wl,-Ttext=0x40100000 -Wl,--build-id=none \
		-o "$work/stub.elf" "$top/tests/integration/stub.S"
	aarch64-linux-gnu-objcopy -O binary -j .text "$work/stub.elf" "$work/stub-$1.bin"
}

# boot NAME MACHINE DTB PAYLOAD EXPECT [STUBADDR]: expect EXPECT in the console and QEMU to stop by itself
boot() {
	local name=$1 machine=$2 dtb=$3 payload=$4 expect=$5 dtbaddr=${6:-$DTB} rc=0
	local log="$work/$name.log" args=()
	[ -f "$work/stub-$dtbaddr.bin" ] || mkstub "$dtbaddr"
	args+=(-device "loader,file=$work/stub-$dtbaddr.bin,addr=0x40100000,force-raw=on")
	args+=(-device "loader,file=$keel,addr=0x40200000,force-raw=on")
	[ -z "$dtb" ] || args+=(-device "loader,file=$dtb,addr=$DTB,force-raw=on")
	[ -z "$payload" ] || args+=(-device "loader,file=$payload,addr=0x42200000,force-raw=on")
	args+=(-device loader,addr=0x40100000,cpu-num=0)
	timeout "$([ "${7:-}" = halt ] && echo 15 || echo 60)" "${qemu_base[@]}" -M "$machine" "${args[@]}" >"$log" 2>&1 </dev/null || rc=$?
	if grep -qF -- "$expect" "$log" && { [ "$rc" = 0 ] || [ "${7:-}" = halt ]; }; then
		echo "PASS: $name"; pass=$((pass + 1))
	else
		echo "FAIL: $name (qemu exit $rc; expected: $expect)"; sed 's/^/    | /' "$log" | tail -n 15
		fail=$((fail + 1))
	fi
}

M=virt,virtualization=on,gic-version=3
qemu-system-aarch64 -M "$M,dumpdtb=$work/good.dtb" -cpu max,pauth-impdef=on -smp 2 -m 2048 -nographic >/dev/null 2>&1
dtc -q -I dtb -O dts -o "$work/good.dts" "$work/good.dtb"
head -c 4096 /dev/urandom >"$work/junk.bin"

# no memory node
cp "$work/good.dtb" "$work/nomem.dtb"; fdtput -r "$work/nomem.dtb" /memory@40000000
# no console: no UART node and no stdout-path
cp "$work/good.dtb" "$work/nocons.dtb"; fdtput -r "$work/nocons.dtb" /pl011@9000000
fdtput -d "$work/nocons.dtb" /chosen stdout-path
# a firmware reservation overlapping keel's memory
sed 's|^/ {|/memreserve/ 0x40400000 0x10000;\n/ {|' "$work/good.dts" >"$work/overlap.dts"
dtc -q -I dts -O dtb -o "$work/overlap.dtb" "$work/overlap.dts"
# two reservations overlapping each other
sed 's|^/ {|/memreserve/ 0x60000000 0x20000;\n/memreserve/ 0x60010000 0x20000;\n/ {|' "$work/good.dts" >"$work/resv2.dts"
dtc -q -I dts -O dtb -o "$work/resv2.dtb" "$work/resv2.dts"

boot no-dtb "$M" "" "$image" "no device tree" 0x0
boot not-a-dtb "$M" "$work/junk.bin" "$image" "is not a device tree"
boot no-memory "$M" "$work/nomem.dtb" "$image" "keel: boot failed: device tree: no memory"
boot no-console "$M" "$work/nocons.dtb" "$image" "keel: boot failed: device tree: no usable console"
boot overlap-keel "$M" "$work/overlap.dtb" "$image" "overlaps reserved region 0x40400000-0x4040ffff"
boot overlap-resv "$M" "$work/resv2.dtb" "$image" "keel: boot failed: device tree: memory reservations overlap each other"
boot no-payload "$M" "$work/good.dtb" "" "is not an arm64 Image"
boot junk-payload "$M" "$work/good.dtb" "$work/junk.bin" "is not an arm64 Image"
# without virtualization=on QEMU starts the CPU at EL1: keel cannot work and says so, then stops
boot not-el2 virt,gic-version=3 "$work/good.dtb" "$image" "not entered at EL2" "$DTB" halt

echo "bad boot input: $pass passed, $fail failed"
[ "$fail" = 0 ]
