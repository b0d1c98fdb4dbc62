#!/bin/bash
# Attack (issue 12, point 4): spoofed sources.  Bridges have rp_filter=0
# and guardnet checks no source on the way in from a bridge, so a container
# that writes another address into its frames (CAP_NET_RAW) is admitted to a
# published port whose guardnet.allow holds that address: the connection
# gets guardnet's mark and the target answers (to the real owner of the
# address, here a neighbour namespace whose sniffer sees the SYN-ACK).  The
# same from a container on a Docker network, and spoofed sources leaving
# the host (reflection attacks).  IPv4 and IPv6.  "held" means the sniffer
# saw nothing while the real owner of the address, in the same run, is
# answered.
#
#   [ sa: gs1 ]  [ sb: gs2, allow 192.0.2.3, -p 8081 ]  [ ta: Docker ds1 ]
#          \______________ host H 192.0.2.1 ______________/
#                               |
#                 [ neighbour O: 192.0.2.2, .3 (sniffer) ]
set -u
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
trap gn_cleanup EXIT
attack_require

testbed || exit 1
must() { local out; out=$("$@" 2>&1) || { fail "setup: $*: $out"; summary attack_spoof; exit 1; }; }

ONET=/run/netns/$O
OIF=${O:0:7}y
HMAC=$(mac_of "$H" "${H:0:7}x")
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.248.1.0/24 --gateway 10.248.1.1 \
	--subnet fd00:248:1::/64 --gateway fd00:248:1::1 gs1
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.248.2.0/24 --subnet fd00:248:2::/64 \
	-o guardnet.allow=192.0.2.3/32,2001:db8:1::3/128 gs2
must dk "$H" network create --ipv6 --subnet 10.249.1.0/24 --gateway 10.249.1.1 \
	--subnet fd00:249:1::/64 --gateway fd00:249:1::1 ds1
must dk "$H" run -d --name sa --network gs1 gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name sb --network gs2 -p 8081:80 gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name ta --network ds1 gnbox httpd -f -p 80 -h /www
GMAC=$(mac_of "$H" "$(iface_of "$H" 10.248.1.1)")
DMAC=$(mac_of "$H" "$(iface_of "$H" 10.249.1.1)")
SANET=$(ctr_net "$H" sa)
TANET=$(ctr_net "$H" ta)

# spoof NETNS MAC SRC TARGET SNIFF_COND...: a SYN from SRC sent inside NETNS;
# prints what the sniffer at the neighbour saw.
spoof() {
	local n=$1 mac=$2 src=$3 target=$4
	shift 4
	sniff_start "$ONET" "$OIF" 4 "$@"
	raw_in "$n" syn eth0 "$mac" "$src" -- "$target" >/dev/null
	sniff_wait
}
cell() {
	case $1 in
	seen*) open_ "the neighbour's sniffer saw: ${1#seen }" ;;
	none) held "nothing reached the neighbour" ;;
	*) echo "sniffer failed: $1" ;;
	esac
}

# Controls: the real owner of the allowed address is answered, and the
# attacker with its own address is not (the allowlist is what lets a spoof in).
check "control: the real 192.0.2.3 gets a SYN-ACK from 192.0.2.1:8081" \
	test "$(syn_from "$ONET" "$OIF" "$HMAC" 192.0.2.3 192.0.2.1:8081)" = synack
check "control: the real 2001:db8:1::3 gets a SYN-ACK from [2001:db8:1::1]:8081" \
	test "$(syn_from "$ONET" "$OIF" "$HMAC" 2001:db8:1::3 '[2001:db8:1::1]:8081')" = synack
check "control: sa with its own address gets nothing from 192.0.2.1:8081" \
	test "$(syn_from "$SANET" eth0 "$GMAC" "$(ctr_ip "$H" sa gs1)" 192.0.2.1:8081)" = none

attack_check "guardnet container spoofs 192.0.2.3 (in gs2's allow) -> gs2's port" "-" \
	"$(cell "$(spoof "$SANET" "$GMAC" 192.0.2.3 192.0.2.1:8081 src=192.0.2.1 sport=8081 dst=192.0.2.3)")"
attack_check "guardnet container spoofs 2001:db8:1::3 (in gs2's allow) -> gs2's port" "-" \
	"$(cell "$(spoof "$SANET" "$GMAC" 2001:db8:1::3 '[2001:db8:1::1]:8081' src=2001:db8:1::1 sport=8081 dst=2001:db8:1::3)")"
attack_check "Docker-network container spoofs 192.0.2.3 -> gs2's port" "-" \
	"$(cell "$(spoof "$TANET" "$DMAC" 192.0.2.3 192.0.2.1:8081 src=192.0.2.1 sport=8081 dst=192.0.2.3)")"
attack_check "container sends from a spoofed 198.51.100.7 to the outside" \
	"$(cell "$(spoof "$TANET" "$DMAC" 198.51.100.7 192.0.2.2:9 src=198.51.100.7)")" \
	"$(cell "$(spoof "$SANET" "$GMAC" 198.51.100.7 192.0.2.2:9 src=198.51.100.7)")"
attack_check "container sends from a spoofed 2001:db8:99::7 to the outside" \
	"$(cell "$(spoof "$TANET" "$DMAC" 2001:db8:99::7 '[2001:db8:1::2]:9' src=2001:db8:99::7)")" \
	"$(cell "$(spoof "$SANET" "$GMAC" 2001:db8:99::7 '[2001:db8:1::2]:9' src=2001:db8:99::7)")"
attack_check "container sends from the host's 192.0.2.1 to the outside" \
	"$(cell "$(spoof "$TANET" "$DMAC" 192.0.2.1 192.0.2.2:9 src=192.0.2.1 dport=9)")" \
	"$(cell "$(spoof "$SANET" "$GMAC" 192.0.2.1 192.0.2.2:9 src=192.0.2.1 dport=9)")"

# What anti-spoofing must keep: a container's own traffic, IPv4 and IPv6
# (neighbour discovery first), and the way back for an outside client.
check "a container's own egress still works (IPv4)" \
	sh -c "docker -H unix://$GN_TMP/docker-$H/docker.sock exec sa timeout 3 wget -qO- http://192.0.2.2:1/ 2>&1 | grep -q refused"
check "a container's own egress still works (IPv6)" \
	sh -c "docker -H unix://$GN_TMP/docker-$H/docker.sock exec sa timeout 3 wget -qO- 'http://[2001:db8:1::2]:1/' 2>&1 | grep -q refused"
check "the allowed client still gets the page" \
	test "$(in_ns "$O" curl -s -m 3 --interface 192.0.2.3 http://192.0.2.1:8081/)" = "hello from guardnet"

attack_table attack_spoof
summary attack_spoof
