#!/bin/bash
# Attack (issue 12, point 3): isolation that trusts names.  guardnet keeps
# its networks apart from bridges named docker* and br-*; a Docker network
# made with -o com.docker.network.bridge.name=anything, or a plain Linux
# bridge made with ip link (podman, LXD, libvirt and Kubernetes have their
# own names) is reached from a guardnet container like the internet, and
# guardnet's accept rule in DOCKER-USER carries the packet past Docker's
# isolation.  Here a guardnet container opens TCP connections to an
# unpublished port of a container on such a Docker network and to a "VM"
# (a namespace) behind a plain bridge, IPv4 and IPv6.  "held" means the
# connection failed and a sniffer at the target saw no SYN, while the host
# reaches the same target in the same run.  The Docker column is the same
# attack from a container on another Docker bridge network.
#
#   [ fa: guardnet gf1 ]   [ xa: Docker "anything" ]   [ xb: Docker br-... ]
#             \                      |                       /
#              +------------- host H (routes) --------------+---[ vmbr: VM V ]
set -u
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
trap gn_cleanup EXIT
attack_require

testbed || exit 1
must() { local out; out=$("$@" 2>&1) || { fail "setup: $*: $out"; summary attack_foreign_bridge; exit 1; }; }

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.245.1.0/24 --subnet fd00:245:1::/64 gf1
must dk "$H" network create --ipv6 --subnet 10.246.1.0/24 --subnet fd00:246:1::/64 \
	-o com.docker.network.bridge.name=anything df1
must dk "$H" network create --ipv6 --subnet 10.246.2.0/24 --subnet fd00:246:2::/64 df2
for c in fa:gf1 xa:df1 xb:df2; do
	must dk "$H" run -d --name "${c%%:*}" --network "${c#*:}" gnbox httpd -f -p 80 -h /www
done
# The "VM": a namespace behind a plain Linux bridge of the host, made after
# guardnetd started, as libvirt or LXD would.
V=${GN_TAG}v
netns_add "$V"
ip -n "$H" link add vmbr type bridge
ip -n "$H" addr add 10.247.0.1/24 dev vmbr
ip -n "$H" addr add fd00:247::1/64 dev vmbr nodad
ip -n "$H" link set vmbr up
ip link add vmtap netns "$H" type veth peer name eth0 netns "$V"
ip -n "$H" link set vmtap master vmbr up
ip -n "$V" addr add 10.247.0.2/24 dev eth0
ip -n "$V" addr add fd00:247::2/64 dev eth0 nodad
ip -n "$V" link set eth0 up
ip -n "$V" route add default via 10.247.0.1
ip -n "$V" -6 route add default via fd00:247::1
serve "$V" 80

XA4=$(ctr_ip "$H" xa df1)
XA6=$(ctr_ip "$H" xa df1 6)
FA4=$(ctr_ip "$H" fa gf1)

# get FROM URL: a page, from a container's shell or (FROM=vm) from the VM.
get() {
	if [ "$1" = vm ]; then in_ns "$V" curl -s -m 3 "$2"; else fetch "$H" "$1" "$2"; fi
}
# attack FROM URL TARGET_NETNS SRC: a table cell.  The sniffer in the
# target's namespace says whether the SYN got there.
attack() {
	local page seen ctl
	ctl=$(in_ns "$H" curl -s -m 3 "$2")
	sniff_start "$3" eth0 5 dport=80 flags=S ${4:+src=$4}
	page=$(get "$1" "$2")
	seen=$(sniff_wait)
	if [ -z "$ctl" ]; then
		echo "setup broken (the host gets nothing from $2)"
	elif [ -n "$page" ]; then
		open_ "got the page of $2"
	elif [ "${seen:-none}" = none ]; then
		held "no SYN reached the target; the host did"
	else
		echo "no page, but the SYN arrived ($seen)"
	fi
}

# The sniffer must see a SYN it is told to look for: a control of the
# control, from the host to the VM.
sniff_start "/run/netns/$V" eth0 5 dport=80 flags=S
in_ns "$H" curl -s -m 3 http://10.247.0.2/ >/dev/null
seen=$(sniff_wait)
check "control: the sniffer at the VM sees the host's SYN ($seen)" test "${seen%% *}" = seen

XANET=$(ctr_net "$H" xa)
FANET=$(ctr_net "$H" fa)
attack_check "container -> unpublished port on Docker's bridge named 'anything' (IPv4)" \
	"$(attack xb "http://$XA4/" "$XANET")" "$(attack fa "http://$XA4/" "$XANET")"
attack_check "container -> unpublished port on Docker's bridge named 'anything' (IPv6)" \
	"$(attack xb "http://[$XA6]/" "$XANET")" "$(attack fa "http://[$XA6]/" "$XANET")"
attack_check "container -> VM behind a plain Linux bridge (IPv4)" \
	"$(attack xb http://10.247.0.2/ "/run/netns/$V")" "$(attack fa http://10.247.0.2/ "/run/netns/$V")"
attack_check "container -> VM behind a plain Linux bridge (IPv6)" \
	"$(attack xb 'http://[fd00:247::2]/' "/run/netns/$V")" "$(attack fa 'http://[fd00:247::2]/' "/run/netns/$V")"
attack_check "VM behind a plain Linux bridge -> container's unpublished port" \
	"$(attack vm "http://$XA4/" "$XANET")" "$(attack vm "http://$FA4/" "$FANET")"
attack_check "container on Docker's 'anything' -> container on another network" \
	"$(attack xa "http://$(ctr_ip "$H" xb df2)/" "$(ctr_net "$H" xb)")" "$(attack xa "http://$FA4/" "$FANET")"

# What must keep working: egress to the outside, IPv4 and IPv6 (O answers
# with a refusal: reached), and a port Docker published, through the host's
# address, which Docker's own rules decide.
must dk "$H" run -d --name xp --network df1 -p 8090:80 gnbox httpd -f -p 80 -h /www
check "a guardnet container reaches the outside (IPv4)" \
	sh -c "docker -H unix://$GN_TMP/docker-$H/docker.sock exec fa timeout 3 wget -qO- http://192.0.2.2:1/ 2>&1 | grep -q refused"
check "a guardnet container reaches the outside (IPv6)" \
	sh -c "docker -H unix://$GN_TMP/docker-$H/docker.sock exec fa timeout 3 wget -qO- 'http://[2001:db8:1::2]:1/' 2>&1 | grep -q refused"
check "a guardnet container reaches a port Docker published on 'anything' through 192.0.2.1" \
	test "$(fetch "$H" fa http://192.0.2.1:8090/)" = "hello from guardnet"

attack_table attack_foreign_bridge
summary attack_foreign_bridge
