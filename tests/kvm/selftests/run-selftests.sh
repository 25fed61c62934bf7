#!/bin/sh
# shellcheck shell=sh
# Runs in the host (tests/rig/hostrun, busybox sh): Linux 6.1's KVM selftests, one by one.
#   run-selftests.sh [--insmod SHIM.KO] [--timeout SECS] [--verbose] [--timed] DIR [TEST...]
# DIR holds the tests as built (aarch64/ ones in DIR/aarch64/) and DIR/tests, their list. Without
# TEST arguments: the required set first, in the order that builds on itself, then every other test.
# The tests in TIMED (guests that allow an interrupt only microseconds of lateness) run only with
# --timed, meant for a host under QEMU's -icount, where guest time follows the instructions run and an
# emulated host cannot fall behind it; without --timed they are left out (and named).
# One line per test: PASS / SKIP (exit 4, KSFT_SKIP; with the reason the test printed) / FAIL (with
# the last lines of its output and of dmesg) / TIMEOUT; logs in /tmp/selftests/. Ends with
# "selftests: P passed, S skipped, F failed (every test run)", the other tests that did not pass, and
# "selftests: required set: P passed, F failed" (what make check adds up); exit 1 when a required
# test did not pass, unless it skipped because a capability reads 0 (TEST_REQUIRE(kvm_has_cap(...)):
# keel truthfully lacks it; the summary names them). The other tests are reported, not required. --verbose: the whole output of
# each test that did not pass.
REQUIRED="set_memory_region_test kvm_create_max_vcpus aarch64/vcpu_width_config aarch64/get-reg-list"
REQUIRED="$REQUIRED aarch64/hypercalls aarch64/psci_test aarch64/debug-exceptions aarch64/vgic_irq"
REQUIRED="$REQUIRED aarch64/arch_timer aarch64/vgic_init"
TIMED="aarch64/arch_timer"
ko='' tmo=${SELFTEST_TIMEOUT:-120} verbose=0 timed=0
while [ $# -gt 0 ]; do
	case "$1" in
	--insmod) ko=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--verbose) verbose=1; shift ;;
	--timed) timed=1; shift ;;
	*) break ;;
	esac
done
dir=${1:?usage: run-selftests.sh [--insmod KO] [--timeout SECS] [--verbose] [--timed] DIR [TEST...]}
shift
if [ -n "$ko" ]; then
	insmod "$ko" || { echo "selftests: insmod $ko failed"; dmesg | tail -n 5; exit 1; }
	echo "selftests: $ko loaded"
fi
[ -c /dev/kvm ] || echo "selftests: no /dev/kvm (every test will skip)"
if [ $# -gt 0 ]; then
	all=$*
else
	all=$REQUIRED
	while read -r t; do
		case " $REQUIRED " in *" $t "*) ;; *) all="$all $t" ;; esac
	done <"$dir/tests"
fi
# This run's share: the TIMED tests with --timed, the others without.
list='' left=''
for t in $all; do
	case " $TIMED " in
	*" $t "*) if [ $timed = 1 ]; then list="$list $t"; else left="$left $t"; fi ;;
	*) [ $timed = 1 ] || list="$list $t" ;;
	esac
done
[ -z "$left" ] || echo "selftests: left to the --timed run (under -icount):$left"

# Tests sized for hardware (1 GiB per vCPU, many seconds per phase) run smaller under emulation, with
# the same arguments on keel and on the reference, so that they finish and their result says
# something; the others run with their defaults.
args_for() {
	case "$1" in
	dirty_log_test) echo "-m 2 -i 3" ;; # one guest mode (PA 48, 4K pages) of the 1 GiB test
	dirty_log_perf_test) echo "-b 64M -i 2" ;;
	kvm_page_table_test) echo "-b 128M" ;;
	demand_paging_test) echo "-b 128M" ;;
	# Not its RW test (5): its host waits for the guest to touch the whole area within 2 s of wall time
	# (alarm(2)), which an emulated guest cannot promise.
	memslot_perf_test) echo "-l 1 -r 1 -s 512 -e 4" ;;
	# Its userspace single-step test 2,000 times, not 10,000 (~80 s emulated): each pass is the same.
	aarch64/debug-exceptions) echo "-i 2000" ;;
	# Two vCPUs, not migrated between CPUs every 2 ms: its guest allows a timer interrupt 100 us of
	# lateness (run under -icount, --timed), and two vCPU threads keep the host's 2 CPUs to themselves.
	aarch64/arch_timer) echo "-n 2 -m 0" ;;
	esac
}

logs=/tmp/selftests
mkdir -p "$logs"
pass=0 skip=0 fail=0 req_ok=0 req_bad='' req_skip='' other_bad=''
for t in $list; do
	req=''
	case " $REQUIRED " in *" $t "*) req=' [required]' ;; esac
	log=$logs/$(echo "$t" | tr / _).log
	start=$(date +%s) d0=$(dmesg | wc -l)
	targs=$(args_for "$t")
	# KILL after the limit: a test stuck in KVM_RUN does not get to handle TERM anyway.
	# shellcheck disable=SC2086 # $targs is a list of arguments
	(cd "$dir" && exec timeout -s KILL "$tmo" "./$t" $targs) >"$log" 2>&1 </dev/null
	rc=$?
	secs=$(($(date +%s) - start))
	if [ ! -x "$dir/$t" ]; then
		res=FAIL why="not built"
	elif [ $rc = 0 ]; then
		res=PASS why=''
	elif [ $rc = 4 ]; then
		# ksft_exit_skip prints "1..0 # SKIP reason", print_skip "reason, skipping test".
		res=SKIP why=$(grep -E 'SKIP|skipping test' "$log" | tail -n 1)
		[ -n "$why" ] || why=$(grep -v '^ *$' "$log" | tail -n 1)
	elif [ $rc = 137 ] && [ "$secs" -ge "$tmo" ]; then
		res=TIMEOUT why="killed after ${tmo} s"
	else
		res=FAIL why="exit $rc"
	fi
	echo "$res $t${targs:+ $targs}$req (${secs} s)${why:+: $why}"
	case $res in
	PASS) pass=$((pass + 1)); [ -z "$req" ] || req_ok=$((req_ok + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*)
		fail=$((fail + 1))
		# (the library's backtrace wants addr2line, which the host lacks)
		if [ $verbose = 1 ]; then n=100000; else n=6; fi
		grep -v -e '^ *$' -e 'addr2line: not found' "$log" | tail -n $n | sed 's/^/    | /'
		# What the kernel said meanwhile (a WARN, a bugged VM, keel's messages relayed by the shim).
		dmesg | tail -n +$((d0 + 1)) | tail -n 4 | sed 's/^/    dmesg: /'
		;;
	esac
	# A required test may skip only because a capability reads 0 (keel truthfully lacks it).
	if [ -n "$req" ] && [ $res = SKIP ] && echo "$why" | grep -q 'Requirement not met: kvm_has_cap('; then
		req_skip="$req_skip $t ($(echo "$why" | sed -n 's/.*kvm_has_cap(\([A-Z0-9_]*\)).*/\1 reads 0/p'))"
	elif [ -n "$req" ] && [ $res != PASS ]; then
		req_bad="$req_bad $t"
	elif [ -z "$req" ] && [ $res != PASS ] && [ $res != SKIP ]; then
		other_bad="$other_bad $t ($res)"
	fi
done
echo "selftests: $pass passed, $skip skipped, $fail failed (every test run)"
[ -z "$other_bad" ] || echo "selftests: not required, did not pass:$other_bad"
# The line make check adds up: the required set only (a capability skip counts as neither).
skipped=${req_skip:+; skipped for a capability keel reports absent:$req_skip}
req_fail=$(echo "$req_bad" | wc -w)
echo "selftests: required set: $req_ok passed, $req_fail failed$skipped"
if [ -n "$req_bad" ]; then
	echo "selftests: required tests that did not pass:$req_bad"
	exit 1
fi
