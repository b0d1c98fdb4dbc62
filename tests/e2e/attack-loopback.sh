#!/bin/bash
# Attack (issue 12, point 1): a container at the host's loopback-only
# services.  guardnet sets route_localnet=1 on its bridges (the host's own
# 127.0.0.1:P needs it), which also lets the kernel accept packets to
# 127.0.0.0/8 arriving on them: a container sending a TCP SYN to 127.0.0.1
# in a frame to its bridge's MAC got the SYN-ACK of a service bound to
# 127.0.0.1 only, and RST from a closed port (a port scan of the host's
# loopback), from an icc=false network too, and [::1] the same.  Each
# attack is one scapy run in the container's network namespace
# (CAP_NET_RAW, which every container has) sending the attack and a
# control, a SYN to a host service on the gateway address: "held" means
# the control was answered, the attack was not, and guardnet's
# raw-prerouting drop for loopback destinations counted it.  The same
# attacks from containers on Docker's bridge driver fill the other column.
#
#   [ container ]--veth--[ bridge: gateway G ]  host H: services on 127.0.0.1:9999,
#                                                [::1]:9996 and *:9998 (the control)
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
scenario attack-loopback
attack_require
must testbed

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.241.1.0/24 --gateway 10.241.1.1 \
	--subnet fd00:241:1::/64 --gateway fd00:241:1::1 gl1
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.241.2.0/24 --gateway 10.241.2.1 \
	--subnet fd00:241:2::/64 --gateway fd00:241:2::1 -o guardnet.icc=false gl2
must dk "$H" network create --ipv6 --subnet 10.242.1.0/24 --gateway 10.242.1.1 \
	--subnet fd00:242:1::/64 --gateway fd00:242:1::1 dl1
must dk "$H" network create --ipv6 --subnet 10.242.2.0/24 --gateway 10.242.2.1 \
	--subnet fd00:242:2::/64 --gateway fd00:242:2::1 -o com.docker.network.bridge.enable_icc=false dl2
web ga gl1 -p 127.0.0.1:8080:80
web gb gl2
web da dl1
web db dl2

# The host's services: loopback only (the targets) and on every address
# (the control, reached through the gateway address).
for p in 127.0.0.1:9999 '[::1]:9996' 9998; do
	serve "$H" "$p"
done
must reachable "$H" http://127.0.0.1:9999/
must reachable "$H" 'http://[::1]:9996/'

# attack CONTAINER NETWORK GATEWAY FAMILY TARGET [PATTERN]: a cell.  The
# container's own address is the source, its bridge's MAC the frame's
# destination, as the container's kernel would address its gateway.
attack() {
	local c=$1 gw=$3 fam=$4 target=$5 net src mac ctl
	net=$(ctr_net "$H" "$c")
	src=$(ctr_ip "$H" "$c" "$2" "$fam")
	mac=$(mac_of "$H" "$(iface_of "$H" "$gw")")
	if [ "$fam" = 6 ]; then ctl="[$gw]:9998"; else ctl="$gw:9998"; fi
	syn_cell "$net" eth0 "$mac" "$src" "$ctl" "$target" "${6:-}"
}
lo4="raw-prerouting: iif != \"lo\" ip daddr 127.0.0.0/8"
lo6="raw-prerouting: iif != \"lo\" ip6 daddr ::1"

attack_check "SYN to the host's 127.0.0.1:9999 (bound to loopback only)" \
	"$(attack da dl1 10.242.1.1 4 127.0.0.1:9999)" "$(attack ga gl1 10.241.1.1 4 127.0.0.1:9999 "$lo4")"
attack_check "SYN to a closed 127.0.0.1:9997 (loopback port scan)" \
	"$(attack da dl1 10.242.1.1 4 127.0.0.1:9997)" "$(attack ga gl1 10.241.1.1 4 127.0.0.1:9997 "$lo4")"
attack_check "the same from an icc=false network (127.0.0.1:9999)" \
	"$(attack db dl2 10.242.2.1 4 127.0.0.1:9999)" "$(attack gb gl2 10.241.2.1 4 127.0.0.1:9999 "$lo4")"
attack_check "SYN to the host's [::1]:9996 (bound to loopback only)" \
	"$(attack da dl1 fd00:242:1::1 6 '[::1]:9996')" "$(attack ga gl1 fd00:241:1::1 6 '[::1]:9996' "$lo6")"
attack_check "SYN to a closed [::1]:9997" \
	"$(attack da dl1 fd00:242:1::1 6 '[::1]:9997')" "$(attack ga gl1 fd00:241:1::1 6 '[::1]:9997' "$lo6")"

# What must keep working whatever closes the above: the host reaches a
# guardnet port published on 127.0.0.1 (route_localnet, the masquerade of
# the loopback source, and its answer, which comes back to the gateway
# address and becomes 127.0.0.1 only at dstnat, after the raw drop), and
# containers reach the host.
expect_open "the host still gets the page of a guardnet port published on 127.0.0.1:8080" "$H" http://127.0.0.1:8080/
expect_open "a guardnet container still reaches the host's service on its gateway" @ga http://10.241.1.1:9998/
expect_open "and over IPv6" @ga 'http://[fd00:241:1::1]:9998/'

attack_table attack-loopback
summary
