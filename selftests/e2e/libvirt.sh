#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end with libvirt, inside a test host:
#   tools/testhost -- selftests/e2e/libvirt.sh
# virsh create boots a Debian-kernel guest on pvhv memory; the guest loads
# pvhv-guest.ko and makes hypercalls; the host sees the domain in sysfs;
# virsh destroy removes it and frees its frames.  A guest whose RAM is not on
# pvhvfs must refuse to load pvhv-guest.ko.
set -u
cd "$(dirname "$0")/../.." || exit 1
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $1"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
# wait_for SECONDS COMMAND...: poll until COMMAND succeeds
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
sysdom() { ls -d /sys/kernel/pvhv/domains/*-"$1" 2>/dev/null | head -n1; }
gt() { [ "${1:-0}" -gt "$2" ] 2>/dev/null; }

echo "TAP version 13"
echo "1..12"
if [ -z "${PVHV_MNT:-}" ]; then
	for i in $(seq 12); do echo "ok $i # SKIP pvhv not loaded"; done
	exit 0
fi
virsh="virsh -q -c qemu:///system"
frames0=$(cat /sys/kernel/pvhv/frames)

check "libvirtd starts with memory_backing_dir on pvhvfs" tools/libvirt-env
tools/libvirt-domain pv1 >/tmp/pv1.xml
rm -f build/guest/pv1.log
check "virsh create of a guest on pvhv memory" $virsh create /tmp/pv1.xml
check "guest loaded pvhv-guest.ko and made hypercalls" \
	wait_for 120 console_has pv1 "PVHV-GUEST: 1000 null hypercalls done"
grep -a PVHV-GUEST build/guest/pv1.log | sed 's/^/# /'
d=$(sysdom pv1)
check "host lists the domain in sysfs ($d)" test -n "$d"
check "domain holds frames" gt "$(cat "$d/frames" 2>/dev/null)" 1000
check "domain is bound to its KVM VM" test "$(cat "$d/bound" 2>/dev/null)" = 1
check "host counted the guest's hypercalls" \
	gt "$(cat "$d/hypercalls" 2>/dev/null)" 999
check "guest text reached the domain console" \
	grep -q "pvhv-guest: hello from" "$d/console"
$virsh destroy pv1 >/dev/null
check "virsh destroy removes the domain" wait_for 20 test ! -e "$d"
check "every frame is back (frames = $frames0)" \
	wait_for 20 test "$(cat /sys/kernel/pvhv/frames)" = "$frames0"

# Not on pvhvfs: KVM answers, pvhv-guest.ko must refuse.
tools/libvirt-domain --plain plain1 >/tmp/plain1.xml
rm -f build/guest/plain1.log
$virsh create /tmp/plain1.xml >/dev/null
check "a guest not on pvhv memory refuses pvhv-guest.ko" \
	wait_for 120 console_has plain1 "PVHV-GUEST: refused"
grep -a PVHV-GUEST build/guest/plain1.log | sed 's/^/# /'
check "with a clear message" \
	console_has plain1 "does not implement pvhv hypercalls"
$virsh destroy plain1 >/dev/null
echo "# $((n - fail)) passed, $fail failed"
exit $((fail > 0))
