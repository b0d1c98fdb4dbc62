#!/bin/bash
# Attack (issue 12, point 1): a container reaches the host's loopback-only
# services.  guardnet sets route_localnet=1 on its bridges (the host's own
# 127.0.0.1:P needs it), so a container that sends a TCP SYN to 127.0.0.1
# in a frame addressed to its bridge's MAC gets the host's answer: SYN-ACK
# from a service bound to 127.0.0.1 only, RST from a closed port (a port
# scan of the host's loopback).  The same from a guardnet.icc=false
# network, and [::1] for IPv6.  Each attack is a raw frame built with scapy
# inside the container's network namespace (CAP_NET_RAW, which every
# container has); "held" means nothing came back on the container's wire
# while a SYN to a host service on the gateway address, in the same run,
# was answered.  The same attacks from containers on Docker's bridge driver
# fill the other column.
#
#   [ container ]--veth--[ bridge: gateway G ]  host H: services on 127.0.0.1:9999,
#                                                [::1]:9996 and *:9998 (the control)
set -u
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
trap gn_cleanup EXIT
attack_require

testbed || exit 1
must() { local out; out=$("$@" 2>&1) || { fail "setup: $*: $out"; summary attack_loopback; exit 1; }; }

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.241.1.0/24 --gateway 10.241.1.1 \
	--subnet fd00:241:1::/64 --gateway fd00:241:1::1 gl1
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.241.2.0/24 --gateway 10.241.2.1 \
	--subnet fd00:241:2::/64 --gateway fd00:241:2::1 -o guardnet.icc=false gl2
must dk "$H" network create --ipv6 --subnet 10.242.1.0/24 --gateway 10.242.1.1 \
	--subnet fd00:242:1::/64 --gateway fd00:242:1::1 dl1
must dk "$H" network create --ipv6 --subnet 10.242.2.0/24 --gateway 10.242.2.1 \
	--subnet fd00:242:2::/64 --gateway fd00:242:2::1 -o com.docker.network.bridge.enable_icc=false dl2
for c in ga:gl1 gb:gl2 da:dl1 db:dl2; do
	must dk "$H" run -d --name "${c%%:*}" --network "${c#*:}" gnbox httpd -f -p 80 -h /www
done

# The host's services: loopback only (the targets) and on every address
# (the control, reached through the gateway address).
for p in 127.0.0.1:9999 '[::1]:9996' 9998; do
	serve "$H" "$p"
done
wait_until 10 in_ns "$H" curl -sf http://127.0.0.1:9999/ || fail "setup: the host's 127.0.0.1:9999 does not answer the host"
wait_until 10 in_ns "$H" curl -sf 'http://[::1]:9996/' || fail "setup: the host's [::1]:9996 does not answer the host"

# attack CONTAINER NETWORK GATEWAY FAMILY TARGET: a table cell.  The
# container's own address is the source, its bridge's MAC the frame's
# destination, as the container's kernel would address its gateway.
attack() {
	local c=$1 gw=$3 fam=$4 target=$5 net src mac ctl res
	net=$(ctr_net "$H" "$c")
	src=$(ctr_ip "$H" "$c" "$2" "$fam")
	mac=$(mac_of "$H" "$(iface_of "$H" "$gw")")
	if [ "$fam" = 6 ]; then ctl="[$gw]:9998"; else ctl="$gw:9998"; fi
	ctl=$(syn_from "$net" eth0 "$mac" "$src" "$ctl")
	res=$(syn_from "$net" eth0 "$mac" "$src" "$target")
	if [ "$ctl" != synack ]; then
		echo "setup broken (control: $ctl)"
	elif [ "$res" = none ]; then
		held "no answer on the wire; control answered"
	else
		open_ "$res from $target"
	fi
}

attack_check "SYN to the host's 127.0.0.1:9999 (bound to loopback only)" \
	"$(attack da dl1 10.242.1.1 4 127.0.0.1:9999)" "$(attack ga gl1 10.241.1.1 4 127.0.0.1:9999)"
attack_check "SYN to a closed 127.0.0.1:9997 (loopback port scan)" \
	"$(attack da dl1 10.242.1.1 4 127.0.0.1:9997)" "$(attack ga gl1 10.241.1.1 4 127.0.0.1:9997)"
attack_check "the same from an icc=false network (127.0.0.1:9999)" \
	"$(attack db dl2 10.242.2.1 4 127.0.0.1:9999)" "$(attack gb gl2 10.241.2.1 4 127.0.0.1:9999)"
attack_check "SYN to the host's [::1]:9996 (bound to loopback only)" \
	"$(attack da dl1 fd00:242:1::1 6 '[::1]:9996')" "$(attack ga gl1 fd00:241:1::1 6 '[::1]:9996')"
attack_check "SYN to a closed [::1]:9997" \
	"$(attack da dl1 fd00:242:1::1 6 '[::1]:9997')" "$(attack ga gl1 fd00:241:1::1 6 '[::1]:9997')"

# Positive controls of what must keep working whatever closes the above:
# the host reaches a guardnet port published on 127.0.0.1 (route_localnet
# and the masquerade of the loopback source), containers reach the host.
must dk "$H" run -d --name gp --network gl1 -p 127.0.0.1:8080:80 gnbox httpd -f -p 80 -h /www
check "the host still gets 200 from a guardnet port published on 127.0.0.1:8080" \
	test "$(in_ns "$H" curl -s -m 3 http://127.0.0.1:8080/)" = "hello from guardnet"
check "a guardnet container still reaches the host's service on its gateway" \
	test "$(fetch "$H" ga http://10.241.1.1:9998/)" = "hello from guardnet"

attack_table attack_loopback
summary attack_loopback
