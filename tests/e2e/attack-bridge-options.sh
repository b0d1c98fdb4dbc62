#!/bin/bash
# Attack (issue 12, point 6): Docker's own bridge options on a guardnet
# network.  Someone moving a network from "bridge" to guardnet keeps its
# -o com.docker.network.bridge.* options; each must be honoured with
# Docker's meaning or refused with a message naming it, never accepted and
# ignored (a network made with enable_icc=false that lets its containers
# talk has lost its isolation without a word).  The Docker column is the
# same option on Docker's bridge driver.
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
scenario attack-bridge-options
attack_require
must testbed

# create DRIVER NAME SUBNET OPTION...: the network, or "refused: message".
create() {
	local drv=$1 name=$2 subnet=$3 out
	shift 3
	out=$(dk "$H" network create ${drv:+-d "$drv"} --subnet "$subnet" "$@" "$name" 2>&1) || {
		echo "refused: $(sed 's/.*Error response from daemon: //' <<<"$out" | head -c 150)"
		return
	}
	echo created
}
names_key() { case $1 in refused:*"$2"*) return 0 ;; esac; return 1; }

# enable_icc=false: two containers of the network must not talk.
icc() {
	local drv=$1 n=$2 subnet=$3 r
	r=$(create "$drv" "$n" "$subnet" -o com.docker.network.bridge.enable_icc=false)
	if [ "$r" != created ]; then
		names_key "$r" enable_icc && held "$r" || open_ "refused without naming it: $r"
		return
	fi
	web "${n}a" "$n"
	web "${n}b" "$n"
	probe "@${n}a" "http://$(ctr_ip "$H" "${n}b" "$n")/"
	if [ "$PROBE" = open ]; then
		open_ "accepted; the containers talk"
	else
		held "honoured; the containers do not talk"
	fi
}
attack_check "-o com.docker.network.bridge.enable_icc=false" \
	"$(icc "" di 10.254.1.0/24)" "$(icc "$DRV" gi 10.254.2.0/24)"

# name=NAME: the network's bridge has that name.
name() {
	local drv=$1 n=$2 subnet=$3 b=$4 r
	r=$(create "$drv" "$n" "$subnet" -o com.docker.network.bridge.name="$b")
	if [ "$r" != created ]; then
		names_key "$r" bridge.name && held "$r" || open_ "refused without naming it: $r"
	elif ip -n "$H" link show "$b" >/dev/null 2>&1; then
		held "honoured; the bridge is $b"
	else
		open_ "accepted; no bridge named $b"
	fi
}
attack_check "-o com.docker.network.bridge.name=NAME" \
	"$(name "" dn 10.254.3.0/24 dkr-legacy)" "$(name "$DRV" gname 10.254.4.0/24 gnr-legacy)"

# host_binding_ipv4=127.0.0.1: -p P:C is published on 127.0.0.1 only; an
# allowed neighbour (guardnet.allow on guardnet's network) does not reach
# it through the host's address, the host does through 127.0.0.1.
binding() {
	local drv=$1 n=$2 subnet=$3 port=$4 r allow=()
	[ -n "$drv" ] && allow=(-o guardnet.allow=192.0.2.2/32)
	r=$(create "$drv" "$n" "$subnet" -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 "${allow[@]}")
	if [ "$r" != created ]; then
		names_key "$r" host_binding && held "$r" || open_ "refused without naming it: $r"
		return
	fi
	web "${n}a" "$n" -p "$port:80"
	probe "$H" "http://127.0.0.1:$port/" "" "$GN_OPEN_SECS"
	[ "$PROBE" = open ] || { echo "setup broken (the host gets $PROBE from 127.0.0.1:$port)"; return; }
	probe "$O" "http://192.0.2.1:$port/" 192.0.2.2
	if [ "$PROBE" = open ]; then
		open_ "accepted; 192.0.2.1:$port answers the neighbour"
	else
		held "honoured; 127.0.0.1:$port only (192.0.2.1:$port: $PROBE)"
	fi
}
attack_check "-o com.docker.network.bridge.host_binding_ipv4=127.0.0.1" \
	"$(binding "" db 10.254.5.0/24 8085)" "$(binding "$DRV" gb 10.254.6.0/24 8086)"

# enable_ip_masquerade=false: the outside sees the container's address.
masq() {
	local drv=$1 n=$2 subnet=$3 r seen
	r=$(create "$drv" "$n" "$subnet" -o com.docker.network.bridge.enable_ip_masquerade=false)
	if [ "$r" != created ]; then
		names_key "$r" enable_ip_masquerade && held "$r" || open_ "refused without naming it: $r"
		return
	fi
	web "${n}a" "$n"
	# The neighbour routes the subnet back through the host, as a network
	# that does without masquerade needs.
	ip -n "$O" route replace "$subnet" via 192.0.2.1
	sniff_start "/run/netns/$O" "${O:0:7}y" 3 dport=9 flags=S
	probe "@${n}a" http://192.0.2.2:9/
	seen=$(sniff_wait)
	case $seen in
	*" ${subnet%.*}."*) held "honoured; the outside saw ${seen#seen }" ;;
	seen*) open_ "accepted; the outside saw ${seen#seen }" ;;
	*) echo "setup broken (the outside saw nothing)" ;;
	esac
}
attack_check "-o com.docker.network.bridge.enable_ip_masquerade=false" \
	"$(masq "" dm 10.254.7.0/24)" "$(masq "$DRV" gm 10.254.8.0/24)"

# Keys guardnet has no meaning for: refused by name.
other() {
	local r
	r=$(create "$@")
	case $r in
	created) open_ "accepted and ignored" ;;
	refused:*) names_key "$r" "${5%%=*}" && held "$r" || open_ "refused without naming it: $r" ;;
	esac
}
# Docker 20.10 has no gateway modes and ignores the key; Docker 28's bridge
# driver knows it (routed: no NAT for the network).
case ${GUARDNET_DOCKER:-} in
28) dgw='accepted (a gateway mode of Docker 28)' ;;
*) dgw='accepted (Docker 20.10 has no gateway modes)' ;;
esac
attack_check "-o com.docker.network.bridge.gateway_mode_ipv4=routed" \
	"$(other "" dr 10.254.9.0/24 -o com.docker.network.bridge.gateway_mode_ipv4=routed | sed "s/^OPEN (accepted and ignored)\$/$dgw/")" \
	"$(other "$DRV" gr 10.254.10.0/24 -o com.docker.network.bridge.gateway_mode_ipv4=routed)"
attack_check "-o com.docker.network.bridge.inhibit_ipv4=true" \
	"-" "$(other "$DRV" gx 10.254.11.0/24 -o com.docker.network.bridge.inhibit_ipv4=true)"

# enable_ip_masquerade=false keeps egress working (no masquerade, the way
# back routed) and the hairpin and loopback publish masquerades it needs.
must ip -n "$O" route replace 10.254.8.0/24 via 192.0.2.1
serve "$O" 8099
expect_open "enable_ip_masquerade=false: egress to the outside works, routed back" @gma http://192.0.2.2:8099/
check "and the outside saw the container's own address" \
	grep -q "^$(ctr_ip "$H" gma gm)\$" <<<"$(egress_seen "$H" gma http://192.0.2.2:8099/cgi-bin/ip)"

attack_table attack-bridge-options
summary
