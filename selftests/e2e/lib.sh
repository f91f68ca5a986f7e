# SPDX-License-Identifier: GPL-2.0
# Helpers for the end-to-end scripts (sourced): TAP lines, polling, the
# guests' consoles in build/guest/NAME.log and their domains in sysfs.
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $1"; }
# check DESCRIPTION COMMAND...: one TAP line; fails (1) when COMMAND does.
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; return 1; fi
}
# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.  COMMAND's
# arguments are expanded once, by the caller: poll a value through a
# function (file_is) or eval '...'.
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 2; i++)); do
		"$@" && return 0
		sleep 0.5
	done
	return 1
}
console_has() { grep -qa "$2" "build/guest/$1.log" 2>/dev/null; }
# where_stuck NAME...: for each guest that never said "ready", where its
# vCPU is, twice a second apart (firmware, early kernel, halted or
# spinning).  Its kernel boots quiet, and one that hangs before its
# console is up leaves nothing else behind.
where_stuck() {
	local g i regs
	for g; do
		console_has "$g" "PVHV-GUEST: ready" && continue
		echo "# $g never said ready; its console has" \
			"$(cat "build/guest/$g.log" 2>/dev/null | wc -c) bytes"
		for i in 1 2; do
			# Bounded: a QEMU whose vCPU thread holds its big
			# lock would not answer at all.
			regs=$(timeout 10 $virsh qemu-monitor-command "$g" \
				--hmp 'info registers' 2>&1 |
				grep -E '^(RIP|EIP|RAX|EAX|CR0|EFER)|^CS ' |
				tr -s ' \r' ' ' | paste -sd ' ')
			echo "# $g: ${regs:-no registers from its QEMU in 10 s}" |
				cut -c1-400
			sleep 1	# a second sample: does the vCPU move?
		done
	done
}
# console_count NAME TEXT N: TEXT is on at least N lines of NAME's console
console_count() {
	[ "$(grep -ac "$2" "build/guest/$1.log" 2>/dev/null)" -ge "$3" ]
}
# guests_reset NAME[:BOOTS]...: the guests whose kernel started more often
# than BOOTS times (default 1) since their console log was started: a
# silent reset, a triple fault.
guests_reset() {
	local g name boots
	for g; do
		name=${g%%:*} boots=1
		[ "$name" != "$g" ] && boots=${g#*:}
		[ "$(grep -ac 'PVHV-GUEST: boot$' "build/guest/$name.log" 2>/dev/null)" \
			-gt "$boots" ] && echo "$name"
	done
}
# guests_sane NAME[:BOOTS]...: no guest's console shows the OOM killer, a panic,
# an oops or a warning, and no guest reset itself.  A guest that died
# would make the later checks on its memory pass for nothing.  Prints
# what it found.
guests_sane() {
	local g found
	for g; do
		found=$(grep -aE 'Out of memory|Kernel panic|BUG:|Oops:|WARNING:' \
			"build/guest/${g%%:*}.log" 2>/dev/null | head -n 5)
		[ -n "$(guests_reset "$g")" ] &&
			found="${found:+$found
}its kernel started again (reset itself)"
		[ -z "$found" ] && continue
		echo "$found" | sed "s/^/# ${g%%:*}: /"
		return 1
	done
}
# note_resets NAME[:BOOTS]...: remember the guests that reset themselves
# so far, before a new boot of theirs starts their console log afresh
# (libvirt truncates it); finish reports them too.
resets_noted=
note_resets() { resets_noted="$resets_noted $(guests_reset "$@")"; }
# finish NAME[:BOOTS]...: the summary line, and the exit status: 0, 1 for
# failed checks, or 4 if one of the guests reset itself, whatever the
# checks said: the nested-TCG problem of Documentation/testhost.rst, and a
# run in which it happened proves less than it seems to.
finish() {
	local reset g
	echo "# $((n - fail)) passed, $fail failed"
	# What each guest said last: CI shows only the end of a failed run.
	if [ "$fail" -gt 0 ]; then
		for g; do
			echo "# ${g%%:*}'s console ended with:"
			grep -av '^ *$' "build/guest/${g%%:*}.log" 2>/dev/null |
				tail -n 4 | cut -c1-160 | sed 's/^/#   /'
		done
	fi
	reset=$(echo $resets_noted $(guests_reset "$@"))
	if [ -n "$reset" ]; then
		echo "# a guest kernel reset itself:" $reset
		exit 4
	fi
	exit $((fail > 0))
}
# meminfo_kb FIELD: /proc/meminfo's FIELD (MemFree, MemAvailable) in kB.
meminfo_kb() { sed -n "s/^$1: *\([0-9]*\).*/\1/p" /proc/meminfo; }
# pcp_kb: free pages held on the per-CPU lists, which MemFree and
# MemAvailable leave out; 6.12 keeps up to 20 MiB there per CPU and zone.
pcp_kb() { awk '/^ *count:/ { n += $2 } END { print n * 4 }' /proc/zoneinfo; }
# host_available_kb: what the host can allocate: MemAvailable (free pages,
# page cache and reclaimable slab) and the per-CPU free pages.  MemFree
# alone also drops with what the test host caches meanwhile.
host_available_kb() { echo $(($(meminfo_kb MemAvailable) + $(pcp_kb))); }
sysdom() { ls -d /sys/kernel/pvhv/domains/*-"$1" 2>/dev/null | head -n1; }
gt() { [ "${1:-0}" -gt "$2" ] 2>/dev/null; }
# file_is FILE VALUE: FILE reads VALUE now
file_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
virsh="virsh -q -c qemu:///system"

# tap_plan TOTAL: the TAP header; every test skips when pvhv is not loaded.
tap_plan() {
	echo "TAP version 13"
	echo "1..$1"
	if [ -z "${PVHV_MNT:-}" ]; then
		for i in $(seq "$1"); do echo "ok $i # SKIP pvhv not loaded"; done
		exit 0
	fi
}

# Nothing the host holds for guests may be left once they are gone.
released() {
	[ "$(cat /sys/kernel/pvhv/block/attached)" = 0 ] &&
	[ "$(cat /sys/kernel/pvhv/block/connected)" = 0 ] &&
	[ "$(cat /sys/kernel/pvhv/net/attached)" = 0 ] &&
	[ "$(cat /sys/kernel/pvhv/net/connected)" = 0 ] &&
	[ "$(cat /sys/kernel/pvhv/grants_mapped)" = 0 ] &&
	[ "$(cat /sys/kernel/pvhv/evtchn_ports)" = 0 ] &&
	[ "$(cat /sys/kernel/pvhv/frames_pinned)" = 0 ] &&
	[ "$(cat /sys/kernel/pvhv/balloon/ballooned_kb)" = 0 ] &&
	! grep -qs '^pvhv-vbd' /proc/[0-9]*/comm
}

# guest_cmd NAME SEQ COMMAND [ARGS]: a command for a guest booted with
# pvhv.cmds and --hostroot (tools/guest-initramfs runs each SEQ once).
guest_cmd() {
	local name=$1
	shift
	mkdir -p /tmp/pvhv-guest
	echo "$*" >"/tmp/pvhv-guest/$name.cmd.new"
	chmod 644 "/tmp/pvhv-guest/$name.cmd.new"
	mv "/tmp/pvhv-guest/$name.cmd.new" "/tmp/pvhv-guest/$name.cmd"
}
