#!/bin/bash
# Attack (issue 12, point 4): spoofed sources.  Bridges have rp_filter=0,
# and guardnet checked no source on the way in from a bridge, so a
# container writing another address into its frames (CAP_NET_RAW) was
# admitted to a published port whose guardnet.allow held that address: the
# connection got guardnet's mark and the target answered (to the real owner
# of the address, here a neighbour whose sniffer sees the SYN-ACK).  The
# same from a container on a Docker network, and spoofed sources leaving the
# host (reflection attacks), and a container claiming an address of
# another guardnet network.  IPv4 and IPv6.  "held": the sniffer saw
# nothing, guardnet's drop counter for it moved (the source check of
# chain src for guardnet's networks, the reverse path check of
# published ports for others), while the real owner of the address, in the same run, is
# answered.  What anti-spoofing must not break is checked from a cold
# neighbour cache: IPv6 between two containers and to the gateway needs
# neighbour discovery, from link-local sources.
#
#   [ sa, sc: gs1 ]  [ sb: gs2, allow 192.0.2.3, -p 8081 ]  [ ta: Docker ds1 ]
#          \______________ host H 192.0.2.1 ______________/
#                               |
#                 [ neighbour O: 192.0.2.2, .3 (sniffer) ]
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
scenario attack-spoof
attack_require
must testbed

ONET=/run/netns/$O
OIF=${O:0:7}y
HMAC=$(mac_of "$H" "${H:0:7}x")
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.248.1.0/24 --gateway 10.248.1.1 \
	--subnet fd00:248:1::/64 --gateway fd00:248:1::1 gs1
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.248.2.0/24 --subnet fd00:248:2::/64 \
	-o guardnet.allow=192.0.2.3/32,2001:db8:1::3/128 gs2
must dk "$H" network create --ipv6 --subnet 10.249.1.0/24 --gateway 10.249.1.1 \
	--subnet fd00:249:1::/64 --gateway fd00:249:1::1 ds1
web sa gs1
web sc gs1
web sb gs2 -p 8081:80
web ta ds1
GMAC=$(mac_of "$H" "$(iface_of "$H" 10.248.1.1)")
DMAC=$(mac_of "$H" "$(iface_of "$H" 10.249.1.1)")
SANET=$(ctr_net "$H" sa)
TANET=$(ctr_net "$H" ta)

# held_by WHAT PATTERN BEFORE: the cell of an attack that got through to
# nothing (WHAT says what was looked at): held, with the drop counters of
# PATTERN that moved since BEFORE (drop_counters' output), or, when none
# moved, why that is no proof.  PATTERN "-": Docker's side, no counter.
held_by() {
	local moved=
	[ "$2" = - ] || moved=$(guard_moved "$3" "$2")
	if [ "$2" != - ] && [ -z "$moved" ]; then
		echo "$1, but no drop counter of '$2' moved"
	else
		held "$1${moved:+; $moved}"
	fi
}

# spoof NETNS MAC SRC TARGET PATTERN SNIFF_COND...: a SYN from SRC sent
# inside NETNS, a cell from what the sniffer at the neighbour saw and
# (PATTERN not "-") which of guardnet's drop counters moved.
spoof() {
	local n=$1 mac=$2 src=$3 target=$4 pattern=$5 before seen
	shift 5
	before=$(drop_counters "$H")
	sniff_start "$ONET" "$OIF" 3 "$@"
	raw_in "$n" syn eth0 "$mac" "$src" -- "$target" >/dev/null
	seen=$(sniff_wait)
	case $seen in
	seen*) open_ "the neighbour's sniffer saw: ${seen#seen }" ;;
	none) held_by "nothing reached the neighbour" "$pattern" "$before" ;;
	*) echo "sniffer failed: $seen" ;;
	esac
}
# Chain src, which every guardnet network's packets cross: a source the
# host would not answer by the bridge it came from (its gateway too: the
# host's own address).
src4="src: meta nfproto ipv4 fib saddr . iif oif missing"
src6="src: meta nfproto ipv6 fib saddr . iif oif missing"
gw4=$src4
rpf="prerouting: fib daddr type local meta nfproto ipv4 meta l4proto . th dport @any4 fib saddr . iif oif missing"

# Controls: the real owner of the allowed address is answered, and the
# attacker with its own address is not (the allowlist is what a spoof is after).
syn "$ONET" "$OIF" "$HMAC" 192.0.2.3 192.0.2.1:8081
check "control: the real 192.0.2.3 gets a SYN-ACK from 192.0.2.1:8081" test "${SYN[192.0.2.1:8081]:-}" = synack
k6='[2001:db8:1::1]:8081'
syn "$ONET" "$OIF" "$HMAC" 2001:db8:1::3 "$k6"
check "control: the real 2001:db8:1::3 gets a SYN-ACK from $k6" test "${SYN[$k6]:-}" = synack
syn "$SANET" eth0 "$GMAC" "$(ctr_ip "$H" sa gs1)" 192.0.2.1:8081
check "control: sa with its own address gets nothing from 192.0.2.1:8081" test "${SYN[192.0.2.1:8081]:-}" = none

attack_check "guardnet container spoofs 192.0.2.3 (in gs2's allow) -> gs2's port" "-" \
	"$(spoof "$SANET" "$GMAC" 192.0.2.3 192.0.2.1:8081 "$src4" src=192.0.2.1 sport=8081 dst=192.0.2.3)"
attack_check "guardnet container spoofs 2001:db8:1::3 (in gs2's allow) -> gs2's port" "-" \
	"$(spoof "$SANET" "$GMAC" 2001:db8:1::3 '[2001:db8:1::1]:8081' "$src6" src=2001:db8:1::1 sport=8081 dst=2001:db8:1::3)"
attack_check "Docker-network container spoofs 192.0.2.3 -> gs2's port" "-" \
	"$(spoof "$TANET" "$DMAC" 192.0.2.3 192.0.2.1:8081 "$rpf" src=192.0.2.1 sport=8081 dst=192.0.2.3)"
attack_check "container sends from a spoofed 198.51.100.7 to the outside" \
	"$(spoof "$TANET" "$DMAC" 198.51.100.7 192.0.2.2:9 - src=198.51.100.7)" \
	"$(spoof "$SANET" "$GMAC" 198.51.100.7 192.0.2.2:9 "$src4" src=198.51.100.7)"
attack_check "container sends from a spoofed 2001:db8:99::7 to the outside" \
	"$(spoof "$TANET" "$DMAC" 2001:db8:99::7 '[2001:db8:1::2]:9' - src=2001:db8:99::7)" \
	"$(spoof "$SANET" "$GMAC" 2001:db8:99::7 '[2001:db8:1::2]:9' "$src6" src=2001:db8:99::7)"
attack_check "container sends from the host's 192.0.2.1 to the outside" \
	"$(spoof "$TANET" "$DMAC" 192.0.2.1 192.0.2.2:9 - src=192.0.2.1 dport=9)" \
	"$(spoof "$SANET" "$GMAC" 192.0.2.1 192.0.2.2:9 "$src4" src=192.0.2.1 dport=9)"
attack_check "container claims its gateway 10.248.1.1 towards the outside" "-" \
	"$(spoof "$SANET" "$GMAC" 10.248.1.1 192.0.2.2:9 "$gw4" dport=9)"
attack_check "container claims its gateway fd00:248:1::1 towards the outside" "-" \
	"$(spoof "$SANET" "$GMAC" fd00:248:1::1 '[2001:db8:1::2]:9' "$src6" dport=9)"
attack_check "container claims another guardnet network's 10.248.2.50 towards the outside" "-" \
	"$(spoof "$SANET" "$GMAC" 10.248.2.50 192.0.2.2:9 "$src4" dport=9)"
attack_check "container claims another guardnet network's fd00:248:2::50 towards the outside" "-" \
	"$(spoof "$SANET" "$GMAC" fd00:248:2::50 '[2001:db8:1::2]:9' "$src6" dport=9)"

# What anti-spoofing must keep, from cold neighbour caches: IPv6 between
# two containers and to the gateway (neighbour discovery from link-local
# sources and the subnet's), egress, and the way back for an outside client.
for c in sa sc; do in_ctr "$H" "$c" ip -6 neigh flush all; in_ctr "$H" "$c" ip -4 neigh flush all; done
in_ns "$H" ip -6 neigh flush dev "$(iface_of "$H" 10.248.1.1)"
must_read sc6 ctr_ip "$H" sc gs1 6
must_read sc4 ctr_ip "$H" sc gs1
expect_open "cold neighbour cache: sa reaches sc over IPv6 (neighbour discovery between containers)" \
	@sa "http://[$sc6]/"
expect_open "cold neighbour cache: sa reaches sc over IPv4" @sa "http://$sc4/"
check "sa resolved sc's IPv6 address by neighbour discovery" \
	bash -c "nsenter --net=$SANET ip -6 neigh show $sc6 | grep -qE 'REACHABLE|STALE|DELAY|PROBE'"
serve "$O" 8099
expect_open "egress to the outside, IPv4 (after the gateway's neighbour discovery)" @sa http://192.0.2.2:8099/
expect_open "egress to the outside, IPv6" @sa 'http://[2001:db8:1::2]:8099/'
expect_open "the allowed client still gets the page" "$O" http://192.0.2.1:8081/ 192.0.2.3
expect_open "the host still reaches sb's port on 127.0.0.1" "$H" http://127.0.0.1:8081/

# 0.0.0.0 to the broadcast address: the kernel's route check lets it pass
# as arriving where it came from, and the host takes it (a DHCP server
# would); guardnet's source check drops 0.0.0.0/8 before asking the routes.
# zero_cell NETNS MAC PATTERN: such a datagram from inside NETNS, and
# whether a UDP socket of the host on 0.0.0.0:9999 got it.
zero_cell() {
	local n=$1 mac=$2 pattern=$3 before got=$GN_TMP/udp-got ready=$GN_TMP/udp-ready listener
	rm -f "$got" "$ready"
	[ "$pattern" = - ] || before=$(drop_counters "$H")
	nsenter --net="/run/netns/$H" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("0.0.0.0", 9999))
s.settimeout(3)
open(sys.argv[2], "w").close()
try:
    data, peer = s.recvfrom(100)
    open(sys.argv[1], "w").write("%s %s" % (peer[0], data.decode()))
except socket.timeout:
    pass' "$got" "$ready" &
	listener=$!
	wait_until 5 test -e "$ready"
	raw_in "$n" udp eth0 "$mac" 0.0.0.0 255.255.255.255:9999 zero >/dev/null
	wait "$listener"
	if [ -s "$got" ]; then
		open_ "the host's socket on 0.0.0.0:9999 got it from $(cat "$got")"
		return
	fi
	held_by "the host's socket got nothing in 3 s" "$pattern" "$before"
}
attack_check "container sends from 0.0.0.0 to 255.255.255.255 (the host listens on 0.0.0.0)" \
	"$(zero_cell "$TANET" ff:ff:ff:ff:ff:ff -)" \
	"$(zero_cell "$SANET" ff:ff:ff:ff:ff:ff "src: ip saddr 0.0.0.0/8 drop")"

# A rogue router: the source check trusts the host's routes, so a route a
# container could add through its bridge would make any source its own.
# Both bridges accept router advertisements here (accept_ra=2, which a host
# with IPv6 forwarding off has in effect at 1); Docker's shows that the
# kernel takes the advertisement, guardnet's must not.
GBR=$(iface_of "$H" 10.248.1.1)
DBR=$(iface_of "$H" 10.249.1.1)
for br in "$GBR" "$DBR"; do must in_ns "$H" sysctl -qw "net.ipv6.conf.$br.accept_ra=2"; done
# ra_cell NETNS BRIDGE PREFIX PATTERN: an advertisement of PREFIX on-link
# (and of the sender as default router) from inside NETNS.
ra_cell() {
	local n=$1 br=$2 prefix=$3 pattern=$4 before
	[ "$pattern" = - ] || before=$(drop_counters "$H")
	raw_in "$n" ra eth0 "$prefix"
	if wait_until 5 bash -c "ip -n $H -6 route show $prefix | grep -q 'dev $br'"; then
		open_ "the host routes $prefix through $br: $(ip -n "$H" -6 route show "$prefix" | head -1)"
		return
	fi
	held_by "no route to $prefix after 5 s" "$pattern" "$before"
}
attack_check "container sends a router advertisement (a prefix on-link, itself as default router)" \
	"$(ra_cell "$TANET" "$DBR" 2001:db8:66::/64 -)" \
	"$(ra_cell "$SANET" "$GBR" 2001:db8:77::/64 "src: icmpv6 type nd-router-advert drop")"
check "... and the host has no default route through guardnet's bridge" \
	bash -c "! ip -n $H -6 route show default | grep -q 'dev $GBR'"
in_ns "$H" ip -6 route flush proto ra >/dev/null 2>&1

# A redirect: the host routes a prefix through a container (a router of
# the user's, a VPN gateway say), and that container tells the host the
# prefix's hosts are on the bridge itself, which would make their
# addresses the network's for the source check.  The kernel takes a
# redirect only from the router its route names, and only on an interface
# that does not forward: both bridges get forwarding 0 (the host still
# routes: all.forwarding decides that) and accept_redirects 1.  Docker's
# bridge shows that the kernel takes it; guardnet's must not.
for br in "$GBR" "$DBR"; do
	must in_ns "$H" sysctl -qw "net.ipv6.conf.$br.forwarding=0" "net.ipv6.conf.$br.accept_redirects=1"
done
# link_local: the first address of `ip -o addr show ... scope link`.
link_local() { awk '{ sub(/\/.*/, "", $4); print $4; exit }'; }
# redirect_cell NETNS BRIDGE MAC PREFIX PATTERN: the container of NETNS
# (on BRIDGE, whose MAC is MAC) made the host's router for PREFIX, then its
# redirect for PREFIX's first address.
redirect_cell() {
	local n=$1 br=$2 mac=$3 prefix=$4 pattern=$5 dst=${4%/*}1 ll hll before
	ll=$(nsenter --net="$n" ip -6 -o addr show dev eth0 scope link | link_local)
	hll=$(ip -n "$H" -6 -o addr show dev "$br" scope link | link_local)
	if ! ip -n "$H" -6 route replace "$prefix" via "$ll" dev "$br" ||
		! ip -n "$H" -6 route get "$dst" | grep -q " via $ll "; then
		echo "setup broken (no route to $dst through the container's ${ll:-link-local address})"
		return
	fi
	[ "$pattern" = - ] || before=$(drop_counters "$H")
	raw_in "$n" redirect eth0 "$mac" "$hll" "$dst"
	if wait_until 5 bash -c "! ip -n $H -6 route get $dst | grep -q ' via '"; then
		open_ "the host sends to $dst straight onto $br: $(ip -n "$H" -6 route get "$dst" | head -1)"
		return
	fi
	held_by "the route still goes through $ll after 5 s" "$pattern" "$before"
}
dcell=$(redirect_cell "$TANET" "$DBR" "$DMAC" 2001:db8:98::/64 -)
attack_check "container redirects the host's traffic for a prefix it routes onto the bridge" \
	"$dcell" "$(redirect_cell "$SANET" "$GBR" "$GMAC" 2001:db8:99::/64 "src: icmpv6 type nd-redirect drop")"
check "... and Docker's bridge took the same redirect (the kernel takes it there: $dcell)" \
	test "${dcell#OPEN}" != "$dcell"
in_ns "$H" ip -6 route flush cache >/dev/null 2>&1

attack_table attack-spoof
summary
