#!/bin/bash
# Attack (issue 12, point 3): isolation that trusted names.  guardnet kept
# its networks apart from bridges named docker* and br-*; a Docker network
# made with -o com.docker.network.bridge.name=anything, or a plain Linux
# bridge made with ip link (podman, LXD, libvirt and Kubernetes have their
# own names), was reached from a guardnet container like the internet, and
# guardnet's accept rule in DOCKER-USER carried the packet past Docker's
# isolation.  Now a network's traffic leaves only by an uplink, an
# interface guardnetd classified from rtnetlink by what it is (set
# uplinks).  Here a guardnet container opens TCP connections to an
# unpublished port of a container on such a Docker network and to a "VM"
# (a namespace) behind a plain bridge made after guardnetd started, IPv4
# and IPv6.  "held": no page, a sniffer at the target saw no SYN, and
# guardnet's forward drop for "not an uplink" counted it, while the host
# reaches the same target in the same run.  The Docker column is the same
# attack from a container on another Docker bridge network.
#
#   [ fa: guardnet gf1 ]   [ xa: Docker "anything" ]   [ xb: Docker br-... ]
#             \                      |                       /
#              +------------- host H (routes) --------------+---[ vmbr: VM V ]
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
scenario attack-foreign-bridge
attack_require
must testbed

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.245.1.0/24 --subnet fd00:245:1::/64 gf1
must dk "$H" network create --ipv6 --subnet 10.246.1.0/24 --subnet fd00:246:1::/64 \
	-o com.docker.network.bridge.name=anything df1
must dk "$H" network create --ipv6 --subnet 10.246.2.0/24 --subnet fd00:246:2::/64 df2
web fa gf1
web xa df1
web xb df2
# The "VM": a namespace behind a plain Linux bridge of the host, made after
# guardnetd started, as libvirt or LXD would.
V=${GN_TAG}v
must netns_add "$V"
must ip -n "$H" link add vmbr type bridge
must ip -n "$H" addr add 10.247.0.1/24 dev vmbr
must ip -n "$H" addr add fd00:247::1/64 dev vmbr nodad
must ip -n "$H" link set vmbr up
must ip link add vmtap netns "$H" type veth peer name eth0 netns "$V"
must ip -n "$H" link set vmtap master vmbr up
must ip -n "$V" addr add 10.247.0.2/24 dev eth0
must ip -n "$V" addr add fd00:247::2/64 dev eth0 nodad
must ip -n "$V" link set eth0 up
must ip -n "$V" route add default via 10.247.0.1
must ip -n "$V" -6 route add default via fd00:247::1
serve "$V" 80

must_read XA4 ctr_ip "$H" xa df1
must_read XA6 ctr_ip "$H" xa df1 6
must_read FA4 ctr_ip "$H" fa gf1
must_read XB4 ctr_ip "$H" xb df2
XANET=$(ctr_net "$H" xa)
FANET=$(ctr_net "$H" fa)
XBNET=$(ctr_net "$H" xb)
iso="forward: iifname @bridges oif != @uplinks ct status ! dnat"
entering="forward: oifname @bridges"

# attack FROM URL TARGET_NETNS [PATTERN]: a cell.  FROM is a container of
# $H or "vm"; the sniffer in the target's namespace says whether the SYN
# got there.
attack() {
	local from=$1 url=$2 netns=$3 pattern=${4:-} before moved= seen addr raw0 raw1
	probe "$H" "$url"
	[ "$PROBE" = open ] || { echo "setup broken (the host gets $PROBE from $url)"; return; }
	addr=${url#http://} addr=${addr%/} addr=${addr#[} addr=${addr%]}
	before=$(drop_counters "$H")
	raw0=$(docker_raw_drops "$addr")
	sniff_start "$netns" eth0 3 dport=80 flags=S
	if [ "$from" = vm ]; then probe "$V" "$url"; else probe "@$from" "$url"; fi
	seen=$(sniff_wait)
	[ -z "$pattern" ] || moved=$(guard_moved "$before" "$pattern")
	raw1=$(docker_raw_drops "$addr")
	# Docker 28 drops packets for its containers that arrive on another
	# interface in the raw table, before guardnet's forward chain sees them.
	[ -n "$pattern" ] && [ -z "$moved" ] && [ "${raw1:-0}" -gt "${raw0:-0}" ] &&
		moved="Docker's raw PREROUTING drop for $addr +$((raw1 - raw0))"
	page_cell "$url" "$seen" "${pattern:+'$pattern'}" "$moved"
}
# docker_raw_drops ADDR: the packets Docker 28's raw PREROUTING rule for
# its container ADDR dropped (none on Docker 20.10, which has no such rule).
docker_raw_drops() {
	local t=iptables
	case $1 in *:*) t=ip6tables ;; esac
	in_ns "$H" "$t" -t raw -L PREROUTING -vnx 2>/dev/null | awk -v d="$1" '
		$3 == "DROP" { for (i = 4; i <= NF; i++) if ($i == d || $i == d "/32" || $i == d "/128") { n += $1; break } }
		END { print n + 0 }'
}

# The sniffer must see a SYN it is told to look for: a control of the
# control, from the host to the VM.
sniff_start "/run/netns/$V" eth0 5 dport=80 flags=S
probe "$H" http://10.247.0.2/
seen=$(sniff_wait)
check "control: the sniffer at the VM sees the host's SYN ($seen)" test "${seen%% *}" = seen
check "guardnetd classified the uplinks by kind: the test host's uplink, no bridge" \
	grep -q "uplinks (.*): ${H:0:7}x$" <<<"$(grep 'uplinks (' "$GN_TMP/gn-$H/guardnetd.log" | tail -1)"

attack_check "container -> unpublished port on Docker's bridge named 'anything' (IPv4)" \
	"$(attack xb "http://$XA4/" "$XANET")" "$(attack fa "http://$XA4/" "$XANET" "$iso")"
attack_check "container -> unpublished port on Docker's bridge named 'anything' (IPv6)" \
	"$(attack xb "http://[$XA6]/" "$XANET")" "$(attack fa "http://[$XA6]/" "$XANET" "$iso")"
attack_check "container -> container on Docker's br-... network (IPv4)" \
	"$(attack xa "http://$XB4/" "$XBNET")" "$(attack fa "http://$XB4/" "$XBNET" "$iso")"
attack_check "container -> VM behind a plain Linux bridge (IPv4)" \
	"$(attack xb http://10.247.0.2/ "/run/netns/$V")" "$(attack fa http://10.247.0.2/ "/run/netns/$V" "$iso")"
attack_check "container -> VM behind a plain Linux bridge (IPv6)" \
	"$(attack xb 'http://[fd00:247::2]/' "/run/netns/$V")" \
	"$(attack fa 'http://[fd00:247::2]/' "/run/netns/$V" "$iso")"
attack_check "VM behind a plain Linux bridge -> container's unpublished port" \
	"$(attack vm "http://$XA4/" "$XANET")" "$(attack vm "http://$FA4/" "$FANET" "$entering")"
attack_check "container on Docker's 'anything' -> container on another network" \
	"$(attack xa "http://$XB4/" "$XBNET")" "$(attack xa "http://$FA4/" "$FANET" "$entering")"

# What must keep working: egress to the outside, IPv4 and IPv6, and a port
# Docker published on 'anything', through the host's address, which
# Docker's own rules decide (a DNATed connection is not isolation's).
serve "$O" 8099
web xp df1 -p 8090:80
expect_open "a guardnet container reaches the outside (IPv4)" @fa http://192.0.2.2:8099/
expect_open "a guardnet container reaches the outside (IPv6)" @fa 'http://[2001:db8:1::2]:8099/'
expect_open "a guardnet container reaches a port Docker published on 'anything' through 192.0.2.1" \
	@fa http://192.0.2.1:8090/

attack_table attack-foreign-bridge
summary
