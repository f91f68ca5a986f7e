#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/kvm-regression.sh DIR: KVM's own selftests as pvhv's regression
# suite.  pvhv hooks kvm_emulate_hypercall(), which every KVM VM's
# hypercalls pass through, and registers KVM page tracking: every VM that
# is not a pvhv domain must see stock KVM.  So the subset of KVM's
# selftests (built by tools/kvm-selftests into DIR) that completes under
# emulation runs here with pvhv loaded and pvhv guests running beside
# them: fuzz rounds, one after another, each of which checks that pvhv's
# counters come back to their baseline.
#
# A KVM test that fails is run again with pvhv unloaded.  Failing with
# pvhv and passing without is a failure; failing both ways is KVM's or
# the emulator's (../shared/TESTHOST.md lists those) and is reported as
# a skip that says so.  Output is TAP; exit status 0 if nothing failed.
set -u
dir=${1:?usage: selftests/kvm-regression.sh DIR}
cd "$(dirname "$0")/.." || exit 1
fuzz=build/selftests/fuzz
log=$(mktemp -d) || exit 1
trap 'rm -rf "$log"' EXIT

# The subset, with arguments: one "NAME ARGS..." a line.
tests=$(grep -vE '^(#|$)' selftests/kvm-regression.list | tr ' ' :)

prog_of() {
	local t
	for t in "$dir/x86_64/$1" "$dir/x86/$1" "$dir/$1"; do
		[ -x "$t" ] && { echo "$t"; return 0; }
	done
	return 1
}

# run_one NAME ARGS...: 0 passed, 4 skipped (kselftest's KSFT_SKIP),
# else failed; the output in $log/NAME.
run_one() {
	local name=$1 prog
	shift
	prog=$(prog_of "$name") || return 127
	timeout 300 "$prog" "$@" >"$log/$name" 2>&1
}

# ---- the pvhv guests beside ----
beside() {
	local n=0
	while [ ! -e "$log/stop" ]; do
		n=$((n + 1))
		"$fuzz" -n 20000 -d 2 -v 1 -s "$n" >"$log/fuzz.$n" 2>&1 ||
			echo "$n" >>"$log/fuzz-failed"
		echo "$n" >"$log/fuzz-rounds"
	done
}

echo "TAP version 13"
if [ -z "${PVHV_MNT:-}" ]; then
	echo "1..0 # SKIP pvhv not loaded"
	exit 0
fi
if [ ! -x "$fuzz" ]; then
	echo "not ok 1 - $fuzz is not built (make -C selftests)"
	exit 1
fi
set -- $tests
echo "1..$(($# + 1))"

beside &
bpid=$!

n=0 failed=""
for spec in $tests; do
	n=$((n + 1))
	IFS=: read -r -a argv <<<"$spec"
	name=${argv[0]}
	run_one "${argv[@]}"
	rc=$?
	case $rc in
	0) echo "ok $n - $name" ;;
	4) echo "ok $n - $name # SKIP $(tail -n 1 "$log/$name" |
		sed 's/^1\.\.0 # SKIP - //' | cut -c1-100)" ;;
	127) echo "ok $n - $name # SKIP not built from this kernel's source (tools/kvm-selftests)" ;;
	*) failed="$failed $n:$spec" ;;
	esac
done

touch "$log/stop"
wait "$bpid"
rounds=$(cat "$log/fuzz-rounds" 2>/dev/null || echo 0)
n=$((n + 1))
if [ -s "$log/fuzz-failed" ] || [ "$rounds" = 0 ]; then
	echo "not ok $n - pvhv guests beside: $rounds fuzz rounds, failed: $(tr '\n' ' ' <"$log/fuzz-failed" 2>/dev/null)"
	for r in $(cat "$log/fuzz-failed" 2>/dev/null); do
		sed "s/^/# fuzz round $r: /" "$log/fuzz.$r" | grep -v '^# fuzz round [0-9]*: ok' | tail -n 10
	done
else
	echo "ok $n - pvhv guests beside: $rounds fuzz rounds, each clean"
fi

# The failures again, without pvhv: only a failure that pvhv causes
# counts.
if [ -n "$failed" ]; then
	umount "$PVHV_MNT" && rmmod pvhv || {
		for f in $failed; do
			echo "not ok ${f%%:*} - ${f#*:}: failed with pvhv (pvhv could not be unloaded to compare)"
		done
		exit 1
	}
	nfail=0
	for f in $failed; do
		i=${f%%:*} spec=${f#*:}
		IFS=: read -r -a argv <<<"$spec"
		name=${argv[0]}
		cp "$log/$name" "$log/$name.with-pvhv"
		if run_one "${argv[@]}"; then
			echo "not ok $i - $name: fails with pvhv loaded, passes without"
			sed "s/^/# /" "$log/$name.with-pvhv" | tail -n 15
			nfail=$((nfail + 1))
		else
			echo "ok $i - $name # SKIP fails without pvhv too (emulation): $(tail -n 1 "$log/$name" | cut -c1-80)"
		fi
	done
	insmod "$PVHV_BUILD/pvhv.ko" && mount -t pvhvfs none "$PVHV_MNT"
	[ "$nfail" -eq 0 ] || exit 1
fi
! [ -s "$log/fuzz-failed" ]
