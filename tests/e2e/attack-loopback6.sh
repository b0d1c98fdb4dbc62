#!/bin/bash
# Attack: the host's [::1]:P, which guardnet's relay serves for published
# ports (the host alone must reach it, as 127.0.0.1:P).  A neighbour sends
# a SYN for [::1]:P in a frame to the host's MAC; a container sends one in
# a frame to its gateway's MAC, and asks its own [::1]:P; the outside has no
# route to ::1 at all.  Each gets nothing, and a counter says why: the
# kernel counts the neighbour's frame as a header error (Ip6InHdrErrors);
# the container's crosses prerouting through the bridge's netfilter call
# first, where guardnet's raw-prerouting chain drops ::1 from any interface
# but lo; each next to a control from the same sender that is answered.
#
#   [ host H: uplink 2001:db8:1::1, relay on [::1]:8080 ]--veth--[ neighbour O: 2001:db8:1::2 ]
#            bridge of g6 (fd00:232:2::1) -- container a6 (fd00:232:2::3)
. "$(dirname "$0")/../lib.sh"
scenario attack-loopback6 testbed
require "scapy (python3-scapy)" /usr/bin/python3 -c 'import scapy'
hello=$GN_HELLO
gets() { test "$(in_ns "$H" curl -s -m 2 "$1")" = "$hello"; }
hdr_errors() { nsenter --net=/run/netns/"$H" awk '$1 == "Ip6InHdrErrors" { print $2 }' /proc/net/snmp6; }

must dk "$H" network create -d "$DRV" --subnet 10.232.1.0/24 g4
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.232.2.0/24 --subnet fd00:232:2::/64 g6
web c4 g4 -p 8080:80
web c6 g6 -p 8081:80
web a6 g6
# A host service on every address, for the controls.
www_make "$GN_TMP/www-host"
nsenter --net=/run/netns/"$H" /bin/busybox httpd -f -p '[::]:9998' -h "$GN_TMP/www-host" &
GN_PIDS+=($!)
check "the host reaches [::1]:8080 (IPv4-only network)" wait_until 10 gets 'http://[::1]:8080/'
check "the host reaches [::1]:8081 (dual-stack network)" wait_until 10 gets 'http://[::1]:8081/'
check "control: the host service answers on [::1]:9998" wait_until 10 gets 'http://[::1]:9998/'

# attack NS IFACE MAC SRC CTL_DST PORT: the control SYN to CTL_DST:9998
# must be answered; then the SYN to [::1]:PORT, with the count of address
# errors and guardnet's drop counters before and after.  Prints "answered",
# "dropped (Ip6InHdrErrors +N)" or "dropped (guardnet: CHAIN: RULE +N)".
attack() {
	local ctl res before after drops moved
	ctl=$(neighbour_syn "$1" "$2" "$3" "$4" "$5" 9998)
	[ "$ctl" = synack ] || { echo "control-$ctl"; return; }
	before=$(hdr_errors)
	drops=$(drop_counters "$H")
	res=$(neighbour_syn "$1" "$2" "$3" "$4" ::1 "$6")
	after=$(hdr_errors)
	moved=$(drops_moved "$drops" "$(drop_counters "$H")")
	if [ "$res" != none ]; then echo "answered ($res)"
	elif [ "$after" -gt "$before" ]; then echo "dropped (Ip6InHdrErrors +$((after - before)))"
	elif [ -n "$moved" ]; then echo "dropped (guardnet: $moved)"
	else echo "silent, not counted"
	fi
}
dropped() { grep -q '^dropped (Ip6InHdrErrors +[1-9]' <<<"$1"; }
dropped_by_guardnet() { grep -q '^dropped (guardnet: raw-prerouting: .*ip6 daddr ::1 .*drop +[1-9]' <<<"$1"; }

# 1. A neighbour on the host's link.
HMAC=$(mac_of "$H" "${H:0:7}x")
for p in 8080 8081; do
	r=$(attack "$O" "${O:0:7}y" "$HMAC" 2001:db8:1::2 2001:db8:1::1 "$p")
	check "neighbour -> [::1]:$p in a frame to the host's MAC: $r" dropped "$r"
done

# 2. A container, in a frame to its gateway (the bridge's MAC).
br=gn-$(dk "$H" network inspect -f '{{.Id}}' g6 | cut -c1-12)
BMAC=$(mac_of "$H" "$br")
A6=/proc/$(dk "$H" inspect -f '{{.State.Pid}}' a6)/ns/net
for p in 8080 8081; do
	r=$(attack "$A6" eth0 "$BMAC" fd00:232:2::3 fd00:232:2::1 "$p")
	check "container -> [::1]:$p in a frame to its gateway: $r" dropped_by_guardnet "$r"
done
# Its own [::1] is its own loopback: the host's relay is not there.
out=$(dk "$H" exec a6 timeout 3 wget -qO- 'http://[::1]:8080/' 2>&1)
check "container: its own [::1]:8080 refuses ($out)" grep -q 'refused' <<<"$out"
check "control: the container reaches the host service at [fd00:232:2::1]:9998" \
	test "$(fetch "$H" a6 'http://[fd00:232:2::1]:9998/')" = "$hello"

# 3. The outside has no way to ::1: its own ::1 is its own.
out=$(in_ns "$O" curl -s -m 2 'http://[::1]:8080/' 2>&1; echo "curl exit $?")
check "outside: [::1]:8080 is its own loopback, refused ($out)" grep -q 'curl exit 7' <<<"$out"
summary
