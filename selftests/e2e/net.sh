#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PV networking end to end, inside a test host:
#   tools/testhost -- selftests/e2e/net.sh
# Two guests on pvhv memory, each with a PV interface declared in its
# libvirt XML on the bridge br-pv, where the host is 10.99.0.1.  Checked:
# the hook attaches the interfaces and bridges them; ping and TCP between
# each guest and the host, and between the guests, with the data's md5sum
# compared at both ends; the counters on both sides; two guests sending
# UDP flat out through a backend that is the bottleneck share it in
# proportion to their credits; killing QEMU mid-transfer and virsh
# destroy leave no interface, grant, port or frame behind.
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/e2e/lib.sh

tap_plan 25
# The host may have no ping of its own: busybox's will do.
command -v ping >/dev/null || ping() { busybox ping "$@"; }
frames0=$(cat /sys/kernel/pvhv/frames)
vif() { cat "$(sysdom "$1")/vif0/$2" 2>/dev/null; }
net_released() {
	released && file_is /sys/kernel/pvhv/net/attached 0 &&
		file_is /sys/kernel/pvhv/net/connected 0 &&
		! ip -o link show | grep -q ' pvif'
}

check "libvirtd starts with memory_backing_dir on pvhvfs" tools/libvirt-env
ip link del br-pv 2>/dev/null
ip link add br-pv type bridge &&
	ip addr add 10.99.0.1/24 dev br-pv && ip link set br-pv up
for g in 1 2; do
	tools/libvirt-domain --hostroot --nic "52:54:00:99:00:1$g,br-pv" \
		--cmdline "pvhv.ip=10.99.0.1$g/24 pvhv.cmds" net$g \
		>/tmp/net$g.xml
	rm -f build/guest/net$g.log
done
# One after the other (Documentation/testhost.rst).
$virsh create /tmp/net1.xml >/dev/null &&
	wait_for 180 console_has net1 "PVHV-GUEST: ready" &&
	$virsh create /tmp/net2.xml >/dev/null
check "both guests bring pvnet0 up" \
	wait_for 180 eval 'console_has net1 "pvnet0 up" &&
		console_has net2 "pvnet0 up"' ||
	where_stuck net1 net2
grep -a 'PVHV-GUEST: pvnet0\|pvhv-guest: pvnet' build/guest/net1.log | sed 's/^/# /'
# Every guest command below arrives through the host's root mounted in
# the guest (9p): without it the later checks would fail for no reason
# they could name (a CI run saw "cmds: no hostroot" once).
check "both guests read commands from the host" \
	wait_for 30 eval 'console_has net1 "cmds: reading" &&
		console_has net2 "cmds: reading"'
grep -ah 'PVHV-GUEST: cmds' build/guest/net1.log build/guest/net2.log |
	cut -c1-300 | sed 's/^/# /'
check "the hook put both host interfaces on the bridge" \
	test -n "$(vif net1 ifname)" -a -n "$(vif net2 ifname)" -a \
	-e "/sys/class/net/$(vif net1 ifname)/brport" -a \
	-e "/sys/class/net/$(vif net2 ifname)/brport"
check "both interfaces are connected" \
	wait_for 30 eval 'test "$(vif net1 state)" = connected -a \
		"$(vif net2 state)" = connected'

# ---- ping ----
check "the host pings guest 1" wait_for 30 ping -c 1 -W 2 10.99.0.11
check "the host pings guest 2" wait_for 30 ping -c 1 -W 2 10.99.0.12
guest_cmd net1 1 ping 10.99.0.1
check "guest 1 pings the host" \
	wait_for 60 console_has net1 "cmd 1: ping 10.99.0.1 ok"
guest_cmd net1 2 ping 10.99.0.12
check "guest 1 pings guest 2" \
	wait_for 60 console_has net1 "cmd 2: ping 10.99.0.12 ok"

# ---- TCP ----
head -c 2M /dev/urandom >/tmp/net-blob
sum=$(md5sum </tmp/net-blob | cut -c1-32)
timeout 60 bash -c 'cat /tmp/net-blob >/dev/tcp/10.99.0.11/5000'
check "TCP host -> guest 1: 2 MiB arrive intact" \
	wait_for 60 console_has net1 "tcp got $sum"
# A one-connection sink on the host that records the md5sum.
rm -f /tmp/net-got /tmp/net-listening
python3 -c '
import hashlib, socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.0.1", 5000)); s.listen(1); s.settimeout(120)
open("/tmp/net-listening", "w").close()
c, _ = s.accept(); h = hashlib.md5()
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b)
open("/tmp/net-got", "w").write(h.hexdigest())
' &
wait_for 30 test -e /tmp/net-listening
guest_cmd net1 3 send 10.99.0.1 2048
wait_for 90 console_has net1 "cmd 3: sent"
sent=$(grep -ao 'cmd 3: sent [0-9a-f]*' build/guest/net1.log | awk '{ print $4 }')
check "TCP guest 1 -> host: 2 MiB arrive intact" \
	wait_for 30 eval 'test -n "$sent" && file_is /tmp/net-got "$sent"'
guest_cmd net1 4 send 10.99.0.12 2048
wait_for 90 console_has net1 "cmd 4: sent"
sent=$(grep -ao 'cmd 4: sent [0-9a-f]*' build/guest/net1.log | awk '{ print $4 }')
check "TCP guest 1 -> guest 2: 2 MiB arrive intact" \
	wait_for 30 eval 'test -n "$sent" && console_has net2 "tcp got $sent"'

# The same with page trade on: guest 2's frames change hands.
trade0=$(cat /sys/kernel/pvhv/net/rx_trade_min) traded0=$(vif net2 rx_traded)
echo 0 >/sys/kernel/pvhv/net/rx_trade_min
guest_cmd net1 5 send 10.99.0.12 2048
wait_for 90 console_has net1 "cmd 5: sent"
sent=$(grep -ao 'cmd 5: sent [0-9a-f]*' build/guest/net1.log | awk '{ print $4 }')
check "... and with page trade: intact, $(($(vif net2 rx_traded) - traded0)) frames traded" \
	eval 'wait_for 30 console_has net2 "tcp got $sent" &&
		gt "$(vif net2 rx_traded)" "$traded0"'
echo "$trade0" >/sys/kernel/pvhv/net/rx_trade_min

# ---- counters ----
check "the backend counted both directions" \
	test "$(vif net1 tx_bytes)" -gt 2000000 -a "$(vif net1 rx_bytes)" -gt 2000000
# The backend counts a packet as copied or traded, then as received, and
# packets (the last ACKs, ARP, IPv6 neighbour discovery) may still arrive
# while the three files are read one after the other.  All three only
# grow, so a packet that was really lost, or counted twice, leaves them
# unequal for good: wait until they agree.
rx_accounted() {
	local p c t
	p=$(vif net1 rx_packets) c=$(vif net1 rx_copied) t=$(vif net1 rx_traded)
	rx_seen="rx_packets $p, rx_copied $c, rx_traded $t" rx_reads=$((rx_reads + 1))
	[ -n "$p" ] && [ $((c + t)) = "$p" ]
}
rx_seen= rx_reads=0 accounted=no
wait_for 10 rx_accounted && accounted=yes
echo "# the receive counters agreed at read $rx_reads"
check "every packet was copied or traded, none failed ($rx_seen)" \
	test "$(vif net1 rx_errors)" = 0 -a "$(vif net1 tx_errors)" = 0 -a \
	$accounted = yes
guest_cmd net1 6 ethtool
check "the guest's ethtool statistics show the traffic" \
	wait_for 30 eval 'grep -a "cmd 6: " build/guest/net1.log |
		grep -q "rx_packets: [1-9]"'
grep -a "cmd 6: " build/guest/net1.log | cut -c1-300 | sed 's/^/# /'

# ---- fairness: both guests send to the host flat out ----
# Left alone, each guest's sender is limited by its own emulated CPU, and
# the shares would show how the test host's CPUs were split, not the
# backend's scheduler.  So the backend is made the bottleneck: its thread
# gets 2% of a CPU (cgroup v2 cpu.max), less than it needs for what the
# guests send.  And the guests send UDP: TCP's acknowledgements come back
# through the same thread, so a slow backend slows both flows' ACK clocks
# alike and TCP's windows, not the scheduler, would set the shares
# (measured: 45-64% whatever the credits).  Then the deficit round robin
# decides who sends: equal credits give equal shares, twice the credit
# twice the share (measured: 50%, 52%; 67%, and 34% the other way round).
cg=/tmp/pvhv-cgroup
mkdir -p $cg
mountpoint -q $cg || mount -t cgroup2 none $cg
echo +cpu >$cg/cgroup.subtree_control
mkdir -p $cg/pvhv-net
echo "2000 100000" >$cg/pvhv-net/cpu.max
pgrep -x pvhv-net >$cg/pvhv-net/cgroup.procs
throttled() { sed -n 's/^nr_throttled //p' $cg/pvhv-net/cpu.stat; }
# fair_phase SEQ PORT: both guests send UDP for 30 s; guest 1's share of
# what the backend transmitted in 10 s once both were sending, in $share.
fair_phase() {
	# Named: eval'd by wait_for, "$1" would be wait_for's own.
	local seq=$1 port1=$2 port2=$(($2 + 1)) a1 a2 b1 b2 d1 d2 th
	iperf3 -s -p $port1 -D -1 && iperf3 -s -p $port2 -D -1
	wait_for 20 eval 'busybox netstat -ltn | grep -q ":$port2 "'
	a1=$(vif net1 tx_bytes) a2=$(vif net2 tx_bytes)
	guest_cmd net1 $seq iperf 10.99.0.1 30 -p$port1 -u -b0
	guest_cmd net2 $seq iperf 10.99.0.1 30 -p$port2 -u -b0
	wait_for 20 eval 'gt "$(vif net1 tx_bytes)" $((a1 + 100000)) &&
		gt "$(vif net2 tx_bytes)" $((a2 + 100000))'
	a1=$(vif net1 tx_bytes) a2=$(vif net2 tx_bytes) th=$(throttled)
	sleep 10	# the measuring window, not a wait
	b1=$(vif net1 tx_bytes) b2=$(vif net2 tx_bytes)
	d1=$((b1 - a1)) d2=$((b2 - a2))
	share=$((d1 * 100 / (d1 + d2 + 1)))
	throttled_in_phase=$(($(throttled) - th))
	echo "# credits $(vif net1 tx_credit)/$(vif net2 tx_credit):" \
		"in 10 s guest 1 sent $d1 bytes, guest 2 $d2: guest 1's share" \
		"$share%; the backend was throttled $throttled_in_phase times"
	wait_for 60 eval 'console_has net1 "cmd $seq: iperf" &&
		console_has net2 "cmd $seq: iperf"'
	grep -ah "cmd $seq: iperf" build/guest/net1.log build/guest/net2.log |
		sed 's/^/# /'
}
credit0=$(vif net1 tx_credit)
fair_phase 7 5201
check "the backend is the bottleneck: its CPU quota ran out ($throttled_in_phase times in 10 s)" \
	gt "$throttled_in_phase" 50
check "equal credits: two guests sending flat out each get 50% +- 10% ($share%)" \
	test "$share" -ge 40 -a "$share" -le 60
# Credits well below 64 packets a turn (NET_TURN_BUDGET) of 1.5 KB each,
# so that the credit, not the packet budget, ends a turn.
echo 32768 >"$(sysdom net1)/vif0/tx_credit"
echo 16384 >"$(sysdom net2)/vif0/tx_credit"
fair_phase 8 5204
check "guest 1 with twice the credit gets 67% +- 10% ($share%)" \
	test "$share" -ge 57 -a "$share" -le 77
echo "$credit0" >"$(sysdom net1)/vif0/tx_credit"
echo "$credit0" >"$(sysdom net2)/vif0/tx_credit"
pgrep -x pvhv-net >$cg/cgroup.procs
check "neither guest ran out of memory or crashed" guests_sane net1 net2

# ---- teardown ----
iperf3 -s -p 5203 -D -1
wait_for 20 eval 'busybox netstat -ltn | grep -q ":5203 "'
t2=$(vif net2 tx_bytes)
guest_cmd net2 9 iperf 10.99.0.1 30 -p5203
wait_for 30 eval 'gt "$(vif net2 tx_bytes)" $((t2 + 10000000))'
d=$(sysdom net2) if2=$(vif net2 ifname)
pkill -KILL -f 'guest=net2' || pkill -KILL -f 'qemu-system.*net2'
check "QEMU killed mid-transfer: the domain goes" wait_for 30 test ! -e "$d"
check "... and its host interface $if2 with it" \
	wait_for 30 eval 'test -n "$if2" -a ! -e "/sys/class/net/$if2"'
check "guest 1 still talks to the host" ping -c 1 -W 5 10.99.0.11
$virsh destroy net1 >/dev/null
$virsh destroy net2 >/dev/null 2>&1
check "virsh destroy: no interface, grant, port or pinned frame is left" \
	wait_for 30 net_released
check "every frame is back (frames = $frames0)" \
	wait_for 20 file_is /sys/kernel/pvhv/frames "$frames0"
ip link del br-pv
finish net1 net2
