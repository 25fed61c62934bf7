#!/usr/bin/env bash
# tbprof.sh [keel] [nokeel]: where every instruction of issue 12's point-5 guest run goes (the in-kernel
# GICv3 guest of make bench-qemu-guest: qemu-guest.sh --gic3 --no-disk), under keel and/or Linux's KVM,
# by world (keel, host kernel, shim, guest kernel, user) and function, from the guest kernel's start to
# its /init ("window") and after it, to QEMU's exit ("after"). The outer QEMU runs with -icount and the
# tbprof plugin (tbprof.c). ~1.5 min a mode. Outputs in build/qemu-arm64/tbprof/ (TBPROF_OUT).
# The plugin needs QEMU's plugin header, which Debian ships in no binary package: it is taken from the
# source package of the installed QEMU (apt-get source, a deb-src list beside the system's), cached in
# $KEEL_CACHE/qemu-plugin-h/<version>/. TBPROF_PHASE (window) and TBPROF_TOP (15) shape the report.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
here=$top/tests/bench/tbprof
# shellcheck source-path=SCRIPTDIR source=../../rig/lib.sh
. "$top/tests/rig/lib.sh"
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(nokeel keel)
out=${TBPROF_OUT:-$top/build/qemu-arm64/tbprof}
mkdir -p "$out"

# QEMU 7.2's include/qemu/qemu-plugin.h, from the installed QEMU's Debian source package.
plugin_header() {
	local ver dir apt
	ver=$(dpkg-query -W -f='${source:Version}' qemu-system-arm) || die "qemu-system-arm is not installed"
	dir=$KEEL_CACHE/qemu-plugin-h/$ver
	if [ ! -s "$dir/qemu-plugin.h" ]; then
		log "tbprof: fetching QEMU $ver's source package for its plugin header (~24 MB, once)"
		apt=$(mktemp -d /tmp/keel-tbprof-apt.XXXXXX)
		mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/src" "$apt/sources"
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/*.sources >"$apt/sources/src.sources" 2>/dev/null ||
			die "tbprof: no /etc/apt/sources.list.d/*.sources to derive a deb-src list from"
		local o=(-q -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt/sources"
			-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
		apt-get "${o[@]}" update >&2 || die "tbprof: apt-get update (deb-src) failed"
		(cd "$apt/src" && apt-get "${o[@]}" source --download-only "qemu=$ver" >&2) ||
			die "tbprof: apt-get source qemu=$ver failed"
		mkdir -p "$dir"
		tar -xJf "$apt"/src/qemu_*.orig.tar.xz --wildcards -O '*/include/qemu/qemu-plugin.h' >"$dir/qemu-plugin.h.tmp" ||
			die "tbprof: no include/qemu/qemu-plugin.h in QEMU's source"
		mv "$dir/qemu-plugin.h.tmp" "$dir/qemu-plugin.h"
		rm -rf "$apt"
	fi
	echo "$dir"
}

hdr=$(plugin_header)
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -I"$hdr" -o "$out/tbprof.so" "$here/tbprof.c"

kdir=$("$top/tests/rig/kernel/build-kernel" trimmed)
map=$kdir/build/System.map
ksym() { awk -v n="$1" '$3 == n { print "0x" $1; exit }' "$map"; }
kimage=$(ksym _text) end=$(ksym run_init_process)
if [ -z "$kimage" ] || [ -z "$end" ]; then die "tbprof: _text or run_init_process not in $map"; fi
keel_elf=$top/build/qemu-arm64/keel.elf
shim_ko=$top/build/qemu-arm64/kvm/shim-trimmed/shim.ko
runs=()
for mode in "${modes[@]}"; do
	args=(--no-keel) parg=''
	if [ "$mode" = keel ]; then
		if [ ! -f "$keel_elf" ] || [ ! -f "$shim_ko" ]; then die "tbprof: make keel firmware shim first"; fi
		nmsym() { nm "$keel_elf" | awk -v n="$1" '$3 == n { print "0x" $1 }'; }
		args=() parg=",arg=keel=$(nmsym __keel_start)-$(nmsym __keel_mem_end)"
	elif [ "$mode" != nokeel ]; then
		die "tbprof: unknown mode $mode (keel | nokeel)"
	fi
	log "tbprof: $mode run ..."
	"$top/tests/integration/qemu-guest.sh" "${args[@]}" --gic3 --no-disk --kernel trimmed \
		--qemu "-icount shift=0,sleep=off -plugin $out/tbprof.so,arg=out=$out/$mode.txt,arg=kimage=$kimage,arg=end=$end$parg" \
		>"$out/$mode.log" 2>&1 || { tail -n 20 "$out/$mode.log" >&2; die "tbprof: the $mode run failed"; }
	grep -o 'init_ts=[0-9.]*' "$out/$mode.log" | sed "s/^/tbprof: $mode: guest /" >&2 || true
	runs+=("$mode=$out/$mode.txt")
done
python3 "$here/report.py" --map "$map" --keel "$keel_elf" --shim "$shim_ko" \
	--phase "${TBPROF_PHASE:-window}" --top "${TBPROF_TOP:-15}" "${runs[@]}" | tee "$out/report.txt"
