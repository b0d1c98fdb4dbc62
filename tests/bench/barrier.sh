#!/bin/bash
# The cost of fail-closed's second barrier in iptables (issue 12, point 7;
# spec/firewall-model.md): forwarded traffic through a router namespace
# whose FORWARD chain holds nothing, guardnet's mark accept plus two
# device-group drops (the design), the mark accept plus 1,000 per-bridge
# "-o gn-... -j DROP" rules (one per network at 1,000 networks), or a
# "-o gn-+" name wildcard.  TCP throughput (iperf3) and the rate of 64-byte
# UDP datagrams received, per round.  Reported, not judged.
#
#   [ A 10.9.1.2 ]--veth--[ R: iptables FORWARD ]--veth--[ B 10.9.2.2: iperf3 -s ]
#
#   usage: bash tests/bench/barrier.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 3 1)
SECS=$(pick 3 1)
machine
A=${GN_TAG}a
R=${GN_TAG}r
B=${GN_TAG}b
for n in "$A" "$R" "$B"; do netns_add "$n"; done
ip link add a0 netns "$A" type veth peer name r0 netns "$R"
ip link add b0 netns "$B" type veth peer name r1 netns "$R"
ip -n "$A" addr add 10.9.1.2/24 dev a0
ip -n "$R" addr add 10.9.1.1/24 dev r0
ip -n "$B" addr add 10.9.2.2/24 dev b0
ip -n "$R" addr add 10.9.2.1/24 dev r1
for l in "$A a0" "$R r0" "$R r1" "$B b0"; do
	# shellcheck disable=SC2086
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$A" route add default via 10.9.1.1
ip -n "$B" route add default via 10.9.2.1
in_ns "$R" sysctl -qw net.ipv4.ip_forward=1

# measure: "TCP_GBITS UDP_KPPS" for one round through R's current rules.
measure() {
	local tcp udp
	in_ns "$B" iperf3 -s -1 -D >/dev/null 2>&1
	wait_until 5 in_ns "$B" sh -c 'ss -ltn | grep -q :5201'
	tcp=$(in_ns "$A" iperf3 -c 10.9.2.2 -t "$SECS" -J | python3 -c \
		'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))')
	in_ns "$B" iperf3 -s -1 -D >/dev/null 2>&1
	wait_until 5 in_ns "$B" sh -c 'ss -ltn | grep -q :5201'
	udp=$(in_ns "$A" iperf3 -c 10.9.2.2 -u -b 0 -l 64 -t "$SECS" -J | python3 -c \
		'import json,sys; d=json.load(sys.stdin)["end"]["sum"]; print("%.0f" % ((d["packets"] - d["lost_packets"]) / d["seconds"] / 1000))')
	echo "$tcp $udp"
}
rules() {
	in_ns "$R" iptables -F FORWARD
	[ "$1" = none ] && return
	in_ns "$R" iptables -A FORWARD -m mark --mark 0x4e47/0x4e47 -j ACCEPT
	case $1 in
	devgroup)
		in_ns "$R" iptables -A FORWARD -m devgroup --dst-group 0x4e47 -j DROP
		in_ns "$R" iptables -A FORWARD -m devgroup --src-group 0x4e47 -j DROP
		;;
	perbridge)
		{
			echo '*filter'
			for i in $(seq 1000); do echo "-A FORWARD -o gn-$(printf %012x "$i") -j DROP"; done
			echo COMMIT
		} | in_ns "$R" iptables-restore --noflush
		;;
	wildcard) in_ns "$R" iptables -A FORWARD -o gn-+ -j DROP ;;
	esac
}
for round in $(seq "$ROUNDS"); do
	for c in none devgroup perbridge wildcard; do
		rules "$c"
		m=$(measure)
		say "round $round, $c: TCP ${m% *} Gbit/s, 64-byte UDP ${m#* } kpps received"
		check "$c: numbers from round $round" test -n "${m% *}" -a -n "${m#* }"
	done
done
summary bench_barrier
