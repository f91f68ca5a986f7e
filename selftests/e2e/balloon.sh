#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The balloon end to end, inside a test host:
#   tools/testhost -- selftests/e2e/balloon.sh
# Two libvirt guests on pvhv memory, all of it populated at start: idle1
# does nothing, busy1 keeps most of its memory in use.
# - Manual: idle1's target goes to half; its balloon driver hands the
#   memory back: pvhv frees exactly that many frames and what the host
#   can allocate (MemAvailable and per-CPU free pages) rises by at least
#   90% of it.  Back to the full target,
#   idle1 takes the memory back and uses it again.
#   In between, memory pressure in idle1 (it fills a tmpfs with more than
#   it has): its driver deflates beyond the target, and the host lets it.
# - Automatic: with the watermarks set just below what the host has, a
#   host process eats memory; the policy takes it from idle1 (the most
#   idle memory, ESX's idle tax) while busy1 keeps its memory, and gives
#   it back once the process exits.
# - virsh destroy leaves no ballooned frame, frame or port behind.
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/e2e/lib.sh

tap_plan 23
frames0=$(cat /sys/kernel/pvhv/frames)
pol=/sys/kernel/pvhv/balloon
bal() { cat "$1/balloon/$2" 2>/dev/null; }
# What the policy weighs each domain by (Documentation/balloon.rst): the
# guest's last MemAvailable report, and its age (older than 10 s: none).
policy_view() {
	echo "# $1: idle1 reports $(bal "$di" guest_available_kb) kB available" \
		"($(bal "$di" guest_report_age_ms) ms ago), busy1" \
		"$(bal "$db" guest_available_kb) kB ($(bal "$db" guest_report_age_ms) ms ago)"
}
eater=

cleanup() {
	[ -n "$eater" ] && kill "$eater" 2>/dev/null
	echo 0 >$pol/auto
	$virsh destroy idle1 >/dev/null 2>&1
	$virsh destroy busy1 >/dev/null 2>&1
}
trap cleanup EXIT

check "libvirtd starts with memory_backing_dir on pvhvfs" tools/libvirt-env
# --prealloc: QEMU populates all guest RAM first, as Xen and ESX hold it.
tools/libvirt-domain --prealloc --hostroot \
	--cmdline "pvhv.balloonwatch pvhv.cmds" idle1 256 >/tmp/idle1.xml
# 128 of busy1's 256 MiB stay in use; the kernel and the initramfs
# (which stays in RAM) take most of the rest.
tools/libvirt-domain --prealloc --cmdline "pvhv.busy=128 pvhv.balloonwatch" \
	busy1 256 >/tmp/busy1.xml
rm -f build/guest/idle1.log build/guest/busy1.log
# One after the other: two nested kernels booting at once under TCG is
# when test hosts have panicked (Documentation/testhost.rst).
$virsh create /tmp/idle1.xml >/dev/null &&
	wait_for 180 console_has idle1 "PVHV-GUEST: ready" &&
	$virsh create /tmp/busy1.xml >/dev/null
check "both guests boot and start the balloon driver" \
	wait_for 180 eval 'console_has idle1 "PVHV-GUEST: ready" &&
		console_has busy1 "PVHV-GUEST: ready" &&
		console_has busy1 "PVHV-GUEST: busy with"' ||
	where_stuck idle1 busy1
grep -a 'PVHV-GUEST: busy' build/guest/busy1.log | sed 's/^/# /'
di=$(sysdom idle1) db=$(sysdom busy1)
check "the host sees both balloon drivers" \
	test "$(bal "$di" driver)" = 1 -a "$(bal "$db" driver)" = 1
check "the guests report their memory" \
	wait_for 20 eval 'gt "$(bal "$di" guest_total_kb)" 0 &&
		gt "$(bal "$db" guest_total_kb)" 0'
echo "# idle1 available $(bal "$di" guest_available_kb) kB," \
	"busy1 available $(bal "$db" guest_available_kb) kB"

# ---- manual: half of idle1 back to the host ----
size=$(bal "$di" max_kb)
half=$((size / 2))
pop0=$(bal "$di" populated_kb)
frames0_kb=$(($(cat /sys/kernel/pvhv/frames) * 4))
free0=$(meminfo_kb MemFree) avail0=$(host_available_kb)
t0=$(date +%s.%N)
echo $half >"$di/balloon/target_kb"
check "idle1 inflates to half its memory ($half kB)" \
	wait_for 120 file_is "$di/balloon/current_kb" $half
t1=$(date +%s.%N)
echo "# $half kB in $(awk "BEGIN { print $t1 - $t0 }") s;" \
	"idle1 populated $pop0 -> $(bal "$di" populated_kb) kB"
frames1_kb=$(($(cat /sys/kernel/pvhv/frames) * 4))
check "pvhv let go of exactly those frames ($frames0_kb -> $frames1_kb kB)" \
	test $((frames0_kb - frames1_kb)) = $half
# And the host got them.  Not MemFree alone: the test host's page cache
# takes from it meanwhile, and on 6.12 freed pages may stay on per-CPU
# lists, which it leaves out (one run saw 105 of 128 MiB in MemFree,
# another 106 of 128 in MemAvailable, the frames all freed).  The
# counters catch up in a moment.
freed_enough() { [ $(($(host_available_kb) - avail0)) -ge $((half * 9 / 10)) ]; }
wait_for 10 freed_enough
free1=$(meminfo_kb MemFree) avail1=$(host_available_kb)
echo "# host MemFree $free0 -> $free1 kB; MemAvailable and per-CPU free pages $avail0 -> $avail1 kB"
check "the host can allocate at least 90% of it again (+$((avail1 - avail0)) kB)" \
	test $((avail1 - avail0)) -ge $((half * 9 / 10))
check "the guest's driver shows it" \
	wait_for 10 console_has idle1 "ballooned_kb=$half"

# ---- memory pressure in idle1: its shrinker deflates beyond the target ----
# idle1 fills a tmpfs with 32 MiB more than it has available.
pressure0=$(bal "$di" pressure_kb)
eat=$(($(bal "$di" guest_available_kb) / 1024 + 32))
guest_cmd idle1 1 eat $eat
check "under memory pressure idle1 deflates beyond its target" \
	wait_for 60 eval 'gt "$(bal "$di" pressure_kb)" "$pressure0"'
check "idle1's allocation of $eat MiB succeeds" \
	wait_for 60 console_has idle1 "cmd 1: ate $eat MiB"
echo "# idle1 took $(($(bal "$di" pressure_kb) - pressure0)) kB back under pressure;" \
	"$(grep -a 'PVHV-GUEST: balloon' build/guest/idle1.log | tail -n1)"
guest_cmd idle1 2 free
wait_for 30 console_has idle1 "cmd 2: freed"
echo 0 >"$di/balloon/target_kb"
check "back to full target: idle1 deflates" \
	wait_for 120 eval 'file_is "$di/balloon/current_kb" "$size" &&
		file_is "$di/balloon/ballooned_kb" 0'
check "idle1 uses that memory again" \
	wait_for 120 console_has idle1 "PVHV-GUEST: touched"
touched_ms=$(date +%s%3N)
check "nothing was taken back by touching it" test "$(bal "$di" touched)" = 0

# ---- automatic: a host process eats memory ----
# The policy weighs idle1 by its last report, and while it touched its
# memory it had almost none available: a report from then made the
# policy take from busy1 too (one run: 32 MiB from idle1, then 12 from
# busy1).  Start once idle1 has reported since.
reported_since_touch() {
	local age
	age=$(bal "$di" guest_report_age_ms)
	[ -n "$age" ] && [ "$age" -ge 0 ] &&
		[ "$age" -lt $(($(date +%s%3N) - touched_ms)) ]
}
check "idle1 reported its memory since it touched it" \
	wait_for 20 reported_since_touch
avail=$(cat $pol/host_available_kb)
echo $((avail - 236 * 1024)) >$pol/high_kb
echo $((avail - 280 * 1024)) >$pol/low_kb
echo 200 >$pol/interval_ms
echo 1 >$pol/auto
echo "# host available $avail kB; low $(cat $pol/low_kb), high $(cat $pol/high_kb)"
# dd fills a 300 MiB buffer, then blocks on a pipe nobody reads.
dd if=/dev/zero bs=300M count=1 2>/dev/null | sleep 600 &
eater=$!
policy_view "before the pressure"
check "under pressure the policy lowers idle1's target" \
	wait_for 60 eval 'gt "$(bal "$di" reclaimed_kb)" 0'
policy_view "first step taken"
sleep 5
policy_view "5 s later"
echo "# idle1 reclaimed $(bal "$di" reclaimed_kb) kB, current $(bal "$di" current_kb);" \
	"busy1 reclaimed $(bal "$db" reclaimed_kb) kB, current $(bal "$db" current_kb)"
check "idle1 gives memory back" \
	wait_for 60 eval 'test "$(bal "$di" current_kb)" -lt "$size"'
check "busy1 keeps its memory" \
	test "$(bal "$db" reclaimed_kb)" = 0 -a "$(bal "$db" current_kb)" = "$size"
kill $eater		# sleep; dd then dies of SIGPIPE
wait $eater 2>/dev/null
eater=
check "memory back: the policy gives idle1 its target again" \
	wait_for 60 file_is "$di/balloon/reclaimed_kb" 0
check "idle1 deflates" wait_for 60 file_is "$di/balloon/current_kb" "$size"
echo 0 >$pol/auto

check "neither guest ran out of memory or crashed" guests_sane idle1 busy1

# ---- teardown ----
$virsh destroy idle1 >/dev/null
$virsh destroy busy1 >/dev/null
check "virsh destroy removes both domains" \
	wait_for 20 eval 'test ! -e "$di" -a ! -e "$db"'
check "every frame is back (frames = $frames0)" \
	wait_for 20 file_is /sys/kernel/pvhv/frames "$frames0"
check "no ballooned frame, port or pinned frame is left" wait_for 20 released
finish idle1 busy1
