#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Module lifetime: rmmod refused while pvhvfs is mounted or a domain still
# exists, load/unload cycles, and no leftovers.  Runs last: it unloads pvhv
# and leaves it loaded and mounted at $PVHV_MNT again.
set -u
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $1"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
fails() { ! "$@" 2>/dev/null; }
no_splat() { ! dmesg | grep -qE "pvhv.*(BUG|WARNING)|Call Trace"; }

echo "TAP version 13"
echo "1..8"
if [ -z "${PVHV_MNT:-}" ] || [ ! -f "${PVHV_BUILD:-}/pvhv.ko" ]; then
	for i in $(seq 8); do echo "ok $i # SKIP pvhv not loaded"; done
	exit 0
fi
ko=$PVHV_BUILD/pvhv.ko
mnt=$PVHV_MNT

check "rmmod refused while pvhvfs is mounted" fails rmmod pvhv

# A domain outlives a lazy unmount while its memory file is open.
mkdir -p "$mnt/modtest" && exec 3<>"$mnt/modtest/ram"
rm -f "$mnt/modtest/ram"
umount -l "$mnt"
check "rmmod refused while a domain exists" fails rmmod pvhv
check "the domain is still listed" test -d /sys/kernel/pvhv/domains/modtest
exec 3>&-
sleep 0.2
check "rmmod after the last domain" rmmod pvhv
check "sysfs gone after rmmod" test ! -e /sys/kernel/pvhv

cycles=0
for i in 1 2 3; do
	insmod "$ko" && mount -t pvhvfs none "$mnt" && mkdir "$mnt/c$i" &&
		truncate -s 1M "$mnt/c$i/ram" &&
		test "$(cat /sys/kernel/pvhv/domains_active)" = 1 &&
		umount "$mnt" && rmmod pvhv && cycles=$((cycles + 1))
done
check "3 load/mount/unload cycles" test "$cycles" = 3

insmod "$ko" && mount -t pvhvfs none "$mnt"
check "reloaded and remounted" test "$(cat /sys/kernel/pvhv/frames)" = 0
check "no pvhv splat in the kernel log" no_splat
exit $((fail > 0))
