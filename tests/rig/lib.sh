# shellcheck shell=bash
# Shared helpers for keel's test rig scripts (sourced, not executed).

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export RIG_DIR
KEEL_CACHE=${KEEL_CACHE:-$HOME/.cache/keel}
export KEEL_CACHE
RIG_JOBS=${RIG_JOBS:-$(nproc)}

# Progress and errors go to stderr; stdout is reserved for results (paths).
log() { printf 'rig: %s\n' "$*" >&2; }
die() { printf 'rig: error: %s\n' "$*" >&2; exit 1; }

sha() { sha256sum | cut -c1-16; }

# Identity of a file cheaply: path, size, mtime.
# cat_initrds PART...: the parts as one initrd on stdout. Linux takes an uncompressed cpio member
# only at a 4-byte aligned offset of the initrd and skips zero bytes, so each part is zero-padded.
cat_initrds() {
	local p n
	for p in "$@"; do
		[ -f "$p" ] || die "initrd part $p missing"
		cat "$p"
		n=$(stat -L -c %s "$p")
		head -c $(((4 - n % 4) % 4)) /dev/zero
	done
}
file_id() { stat -c '%n %s %Y' "$1"; }

# with_lock FILE CMD...: run CMD holding an exclusive flock on FILE (several engineers and make runs
# share one cache).
with_lock() {
	local lock=$1; shift
	mkdir -p "$(dirname "$lock")"
	(
		flock 9
		"$@"
	) 9>"$lock"
}

# run_with_progress LOGFILE LABEL CMD...: run CMD with its output in LOGFILE, printing a progress
# line every 20 s; on failure print the tail of the log.
run_with_progress() {
	local logf=$1 label=$2; shift 2
	local start pid rc=0 n
	start=$(date +%s)
	"$@" >"$logf" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		for _ in $(seq 20); do
			sleep 1
			kill -0 "$pid" 2>/dev/null || break
		done
		if kill -0 "$pid" 2>/dev/null; then
			n=$(grep -c -E '^  (CC|AS|LD|AR)' "$logf" || true)
			log "$label: $(( $(date +%s) - start )) s, $n objects so far ($(tail -n1 "$logf" | cut -c1-60))"
		fi
	done
	wait "$pid" || rc=$?
	if [ "$rc" != 0 ]; then
		tail -n 40 "$logf" >&2
		log "$label FAILED (exit $rc), full log: $logf"
		return "$rc"
	fi
	log "$label: done in $(( $(date +%s) - start )) s"
}

# The arm64 package lists must be present for apt-cache/apt-get download of :arm64 packages.
ensure_arm64_lists() {
	if ! apt-cache show "$1:arm64" >/dev/null 2>&1; then
		dpkg --print-foreign-architectures | grep -qx arm64 ||
			die "arm64 foreign architecture not enabled: run tests/rig/install-deps"
		log "arm64 package lists missing: apt-get update"
		local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -qq >&2
	fi
}

# apt_download DIR PKG...: apt-get download into DIR (a fresh temp dir, moved in place by the caller).
apt_download() {
	local dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$@" >&2) || die "apt-get download $* failed"
}

# apt_memo NAME CMD...: CMD's stdout, memoized until the apt package lists change (apt-cache takes
# ~1 s per call here: hostrun resolves package versions on every run).
apt_memo() {
	local name=$1 id f; shift
	id=$({ echo "$name"; stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* 2>/dev/null; } | sha)
	f=$KEEL_CACHE/apt-memo/$name-$id
	if [ ! -s "$f" ]; then
		mkdir -p "$KEEL_CACHE/apt-memo"
		rm -f "$KEEL_CACHE/apt-memo/$name-"*
		if ! "$@" >"$f.$$"; then rm -f "$f.$$"; return 1; fi
		mv "$f.$$" "$f"
	fi
	cat "$f"
}
