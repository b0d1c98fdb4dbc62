#!/bin/bash
# Attack: a host that starts routing because a network was created.
# guardnet turns net.ipv6.conf.all.forwarding on for an IPv6 network; when
# it did so before Docker, nothing set ip6tables' FORWARD policy to DROP
# (Docker 28 does that only when it turns forwarding on itself; Docker
# 20.10 writes no ip6tables rules at all), so a neighbour on one outside
# segment could route through the host to another: a surprise opening on a
# multi-homed host.  Now, when guardnet is the one that turns a family's
# forwarding on, it sets that family's FORWARD policy to DROP, as Docker
# does; its own traffic passes by its accept rule.  The Docker column is
# the same attack after Docker's bridge driver creates an IPv6 network on
# the same host (then forwarding and the policy are put back as they were).
# "held": the neighbour's connection through the host got nothing and the
# FORWARD policy's drop counter moved, while the host reaches both
# neighbours and the neighbour reaches guardnet's published port.
#
#   [ neighbour O: 2001:db8:1::2 ]--[ host H ]--[ neighbour P: 2001:db8:2::2, web server ]
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
scenario attack-ipv6-forward
must testbed

P=${GN_TAG}p
must netns_add "$P"
must ip link add "${H:0:7}z" netns "$H" type veth peer name "${P:0:7}w" netns "$P"
must ip -n "$H" addr add 2001:db8:2::1/64 dev "${H:0:7}z" nodad
must ip -n "$P" addr add 2001:db8:2::2/64 dev "${P:0:7}w" nodad
must ip -n "$H" link set "${H:0:7}z" up
must ip -n "$P" link set "${P:0:7}w" up
must ip -n "$O" -6 route add 2001:db8:2::/64 via 2001:db8:1::1
must ip -n "$P" -6 route add default via 2001:db8:2::1
serve "$P" 8099
must reachable "$H" 'http://[2001:db8:2::2]:8099/'

forwarding() { in_ns "$H" cat /proc/sys/net/ipv6/conf/all/forwarding; }
# The packets ip6tables' FORWARD policy dropped so far (none: no chain).
policy_drops() { in_ns "$H" ip6tables -L FORWARD -vnx 2>/dev/null | sed -n 's/^Chain FORWARD (policy DROP \([0-9]*\) packets.*/\1/p'; }
policy() { in_ns "$H" ip6tables -S FORWARD 2>/dev/null | sed -n 's/^-P FORWARD //p'; }

# through: a cell for the neighbour's connection through the host to P.
through() {
	local before after
	before=$(policy_drops)
	probe "$O" 'http://[2001:db8:2::2]:8099/'
	after=$(policy_drops)
	if [ "$PROBE" = open ]; then
		open_ "forwarding $(forwarding), ip6tables FORWARD policy ${1:-none}: O reached P through the host"
	elif [ -n "$after" ] && [ "${after:-0}" -gt "${before:-0}" ]; then
		held "forwarding $(forwarding); $PROBE; ip6tables FORWARD policy DROP +$((after - ${before:-0}))"
	elif [ "$(forwarding)" = 0 ]; then
		held "$PROBE: the host does not forward IPv6"
	else
		echo "$PROBE, but no drop counter of ip6tables' FORWARD policy moved"
	fi
}

check "before any IPv6 network the host does not forward IPv6" test "$(forwarding)" = 0
fwd0=$(forwarding) pol0=$(policy)

# Docker's bridge driver first, then everything as it was.
must dk "$H" network create --ipv6 --subnet 10.252.1.0/24 --subnet fd00:252:1::/64 d6
dcell=$(through "$(policy)")
must dk "$H" network rm d6
must in_ns "$H" sysctl -qw "net.ipv6.conf.all.forwarding=$fwd0"
[ -z "$pol0" ] || must in_ns "$H" ip6tables -P FORWARD "$pol0"
check "and again none after the Docker network went" test "$(forwarding)" = 0

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.252.2.0/24 --subnet fd00:252:2::/64 \
	-o guardnet.allow=2001:db8:1::2/128 g6
web w6 g6 -p 8080:80
check "guardnet turned IPv6 forwarding on" test "$(forwarding)" = 1
check "and set ip6tables' FORWARD policy to DROP" test "$(policy)" = DROP
check "and says so in its log" grep -q "turned net.ipv6.conf.all.forwarding on.*ip6tables FORWARD policy to DROP" \
	"$GN_TMP/gn-$H/guardnetd.log"
attack_check "neighbour routes IPv6 through the host to another neighbour" "$dcell" "$(through DROP)"

# What must work: guardnet's own IPv6 traffic passes by its accept rule.
expect_open "the allowed neighbour reaches guardnet's port over IPv6" "$O" 'http://[2001:db8:1::1]:8080/' 2001:db8:1::2
expect_open "a guardnet container reaches the other neighbour over IPv6 (egress)" @w6 'http://[2001:db8:2::2]:8099/'
expect_open "the host still reaches the other neighbour" "$H" 'http://[2001:db8:2::2]:8099/'

attack_table attack-ipv6-forward
summary
