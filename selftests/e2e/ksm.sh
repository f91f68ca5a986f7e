#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Page sharing end to end, inside a test host:
#   tools/testhost -- selftests/e2e/ksm.sh
# Three libvirt guests boot from the same kernel and initramfs on pvhv
# memory, all of it populated at start, and keep rewriting 8 MiB of tmpfs
# (pvhv.scribble).  With the scanner on, their identical frames merge
# (zero frames and others), what the host can allocate rises by what pvhv says it
# saved, the guests' writes get private copies and read back, and
# unmerging and virsh destroy leave nothing behind.
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/e2e/lib.sh

tap_plan 13
frames0=$(cat /sys/kernel/pvhv/frames)
k=/sys/kernel/pvhv/ksm
guests="ksm1 ksm2 ksm3"
saved_kb() { echo $(($(cat $k/pages_sharing) * 4)); }
scribbles() { grep -ac "scribble [0-9]* ok" "build/guest/$1.log"; }

cleanup() {
	echo 2 >$k/run
	echo 0 >$k/run
	for g in $guests; do $virsh destroy "$g" >/dev/null 2>&1; done
}
trap cleanup EXIT

check "libvirtd starts with memory_backing_dir on pvhvfs" tools/libvirt-env
for g in $guests; do
	tools/libvirt-domain --prealloc --cmdline "pvhv.scribble=8" \
		"$g" 256 >"/tmp/$g.xml"
	rm -f "build/guest/$g.log"
done
# One after the other (Documentation/testhost.rst).
booted=0
for g in $guests; do
	$virsh create "/tmp/$g.xml" >/dev/null &&
		wait_for 240 console_has "$g" "PVHV-GUEST: ready" &&
		booted=$((booted + 1))
done
check "three guests boot from the same image" test $booted = 3 ||
	where_stuck $guests

# ---- merge ----
echo 0 >$k/run
echo 10000 >$k/pages_to_scan
echo 20 >$k/sleep_millisecs
free0=$(meminfo_kb MemFree) avail0=$(host_available_kb) saved0=$(saved_kb) scans0=$(cat $k/full_scans)
t0=$(date +%s)
echo 1 >$k/run
check "the scanner goes through all guest memory twice" \
	wait_for 300 eval 'gt "$(cat $k/full_scans)" $((scans0 + 1))'
saved=$(saved_kb) zero=$(($(cat $k/zero_pages) * 4))
echo "# after $(($(date +%s) - t0)) s: saved $saved kB ($zero kB on the zero" \
	"frame), shared frames $(cat $k/pages_shared), hints $(cat $k/hint_frames)," \
	"metadata $(cat $k/metadata_bytes) bytes, cow_breaks $(cat $k/cow_breaks)"
for g in $guests; do
	d=$(sysdom "$g")
	echo "# $g: shared $(cat "$d/ksm/shared_frames") private $(cat "$d/ksm/private_frames")"
done
check "at least a quarter of the guests' 768 MiB is shared" \
	test "$saved" -ge $((768 * 1024 / 4))
check "not only zero frames: the guests' identical kernel pages too" \
	test $((saved - zero)) -ge 1024
# Not MemFree alone, for the reasons balloon.sh gives.
free1=$(meminfo_kb MemFree) avail1=$(host_available_kb)
echo "# host MemFree $free0 -> $free1 kB; MemAvailable and per-CPU free pages $avail0 -> $avail1 kB"
check "the host can allocate at least 90% of it again (+$((avail1 - avail0)) kB)" \
	test $((avail1 - avail0)) -ge $(((saved - saved0) * 9 / 10))
check "metadata within 0.5% of guest memory" \
	test "$(cat $k/metadata_bytes)" -le $((768 * 1024 * 1024 / 200))

# ---- the guests keep writing ----
declare -A before
for g in $guests; do before[$g]=$(scribbles "$g"); done
more_scribbles() {
	for g in $guests; do
		[ "$(scribbles "$g")" -ge $((${before[$g]} + 3)) ] || return 1
	done
}
check "every guest rewrote its data 3 more times while merged" \
	wait_for 240 more_scribbles
check "and it always read back" \
	eval '! grep -aq "scribble [0-9]* BAD" build/guest/ksm[123].log'
check "the writes broke sharing (copy on write)" gt "$(cat $k/cow_breaks)" 0

check "no guest ran out of memory or crashed" guests_sane $guests

# ---- unmerge and teardown ----
echo 2 >$k/run
check "run=2 unmerges every frame" \
	test "$(cat $k/pages_shared)" = 0 -a "$(cat $k/pages_sharing)" = 0
for g in $guests; do $virsh destroy "$g" >/dev/null; done
check "virsh destroy: every frame is back (frames = $frames0)" \
	wait_for 30 eval 'file_is /sys/kernel/pvhv/frames "$frames0" && released'
echo 0 >$k/run
finish $guests
