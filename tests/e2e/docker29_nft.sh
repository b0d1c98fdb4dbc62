#!/bin/bash
# Docker 29's nftables firewall backend, faked (no Debian suite ships
# Docker 29): its tables "ip docker-bridges" and "ip6 docker-bridges" made
# with nft in a test host whose UFW gives iptables' FORWARD chain policy
# DROP, next to a DOCKER-USER chain nothing jumps to (what Docker 29 leaves
# of an earlier iptables run, or ufw-docker's after.rules declares).
# guardnet must notice the backend from those tables, say so in its log and
# put its accept rule in FORWARD, where it works; with Docker's iptables
# backend it belongs in DOCKER-USER (spec/firewall-model.md, "Docker 29's
# nftables backend").  No dockerd: the test talks to guardnetd's socket as
# dockerd would, and a namespace stands in for the container.
#
#   [ container C: httpd ] 10.231.1.2 --veth-- [ host H: guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
set -u
# Docker plays no part here: the machine's ufw and iptables on either lane.
GUARDNET_DOCKER=20
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

H=${GN_TAG}h
O=${GN_TAG}o
C=${GN_TAG}c
DRV=${GN_TAG}drv
LOG=$GN_TMP/gn-$H/guardnetd.log
hello="hello from guardnet"
netns_add "$H"
netns_add "$O"
netns_add "$C"
outside_add "$H" "$O"
ip -n "$O" addr add 192.0.2.3/24 dev "${O:0:7}y"
ufw_setup "$H"
# must COMMAND...: a setup step; its failure ends the test with its output
# (a subshell: not for steps that set variables).
type must >/dev/null 2>&1 || must() {
	local out
	out=$("$@" 2>&1) || { fail "$* (setup): $out"; summary docker29_nft; exit 1; }
}
must ufw --force enable
must in_ns "$H" iptables -N DOCKER-USER
must in_ns "$H" ip6tables -N DOCKER-USER
guardnetd_start "$H" "$DRV" || exit 1

id() { printf '%s%0*d' "$1" $((64 - ${#1})) 0; }
call() { plugin_call "$DRV" "/NetworkDriver.$1" "$2" >/dev/null; }
ref='"NetworkID":"'$(id a)'","EndpointID":"'$(id b)'"'
must call CreateNetwork '{"NetworkID":"'"$(id a)"'","Options":{"com.docker.network.generic":{"guardnet.allow":"192.0.2.2/32"}},
	"IPv4Data":[{"AddressSpace":"LocalDefault","Pool":"10.231.1.0/24","Gateway":"10.231.1.1/24"}],"IPv6Data":[]}'
must call CreateEndpoint "{$ref,\"Interface\":{\"Address\":\"10.231.1.2/24\",\"AddressIPv6\":\"\",\"MacAddress\":\"\"},\"Options\":{}}"
must call Join "{$ref,\"SandboxKey\":\"/var/run/docker/netns/c\",\"Options\":{}}"
# What dockerd does with Join's answer: the container end into the sandbox.
ctr_if=gnc$(id b | cut -c1-12)
must ip -n "$H" link set "$ctr_if" netns "$C"
must ip -n "$C" link set "$ctr_if" name eth0
must ip -n "$C" addr add 10.231.1.2/24 dev eth0
must ip -n "$C" link set eth0 up
must ip -n "$C" route add default via 10.231.1.1
www_make "$GN_TMP/www"
nsenter --net=/run/netns/"$C" /bin/busybox httpd -f -p 80 -h "$GN_TMP/www" &
GN_PIDS+=($!)
must call ProgramExternalConnectivity "{$ref,\"Options\":{\"com.docker.network.portmap\":[{\"Proto\":6,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\",\"HostPort\":8080,\"HostPortEnd\":8080}]}}"

ours() { in_ns "$H" iptables -S "$1" | grep -q -- '--comment guardnet -j ACCEPT'; }
outside() { in_ns "$O" curl -s -m 2 --interface "$1" http://192.0.2.1:8080/ 2>/dev/null; }
# The packets iptables' FORWARD policy dropped so far.
fwd_drops() { in_ns "$H" iptables -L FORWARD -vnx | sed -n 's/^Chain FORWARD (policy DROP \([0-9]*\) packets.*/\1/p'; }
# timed_out SRC: the outside's request from SRC timed out (curl exit 28, not a refusal).
timed_out() { in_ns "$O" curl -s -m 2 --interface "$1" http://192.0.2.1:8080/ >/dev/null 2>&1; [ $? = 28 ]; }
docker_tables() {
	local f
	for f in ip ip6; do
		in_ns "$H" nft "$1" table "$f" docker-bridges || return 1
		[ "$1" = delete ] && continue
		# Docker 29's base chains (moby daemon/libnetwork/drivers/bridge/internal/nftabler).
		in_ns "$H" nft add chain "$f" docker-bridges filter-FORWARD \
			'{ type filter hook forward priority filter; policy accept; }' &&
			in_ns "$H" nft add chain "$f" docker-bridges raw-PREROUTING \
				'{ type filter hook prerouting priority raw; policy accept; }' &&
			in_ns "$H" nft add chain "$f" docker-bridges nat-PREROUTING \
				'{ type nat hook prerouting priority dstnat; policy accept; }' &&
			in_ns "$H" nft add chain "$f" docker-bridges nat-POSTROUTING \
				'{ type nat hook postrouting priority srcnat; policy accept; }' || return 1
	done
}

# 1. No table docker-bridges: Docker's iptables backend, whose DOCKER-USER
# gets the rule.  Here nothing jumps to it, so the rule does not work: the
# allowed source's connection dies at UFW's FORWARD policy.
check "start-up: no docker-bridges table, the log says DOCKER-USER" \
	grep -q "Docker's firewall: no table docker-bridges .*goes to iptables' DOCKER-USER chain" "$LOG"
check "the accept rule is in DOCKER-USER" ours DOCKER-USER
check "and not in FORWARD" bash -c "! nsenter --net=/run/netns/$H iptables -S FORWARD | grep -q 'comment guardnet'"
check "the host gets 200 (positive control: the container serves)" \
	test "$(in_ns "$H" curl -s -m 2 http://127.0.0.1:8080/)" = "$hello"
before=$(fwd_drops)
check "rule in an unjumped DOCKER-USER: the allowed 192.0.2.2 times out" timed_out 192.0.2.2
check "because iptables' FORWARD policy dropped it ($before -> $(fwd_drops) packets)" test "$(fwd_drops)" -gt "$before"

# 2. Docker's nftables tables appear: the rule moves to FORWARD and works.
must docker_tables add
check "the rule moves to FORWARD" wait_until 5 ours FORWARD
check "and leaves DOCKER-USER" bash -c "! nsenter --net=/run/netns/$H iptables -S DOCKER-USER | grep -q 'comment guardnet'"
check "ip6tables too" bash -c "nsenter --net=/run/netns/$H ip6tables -S FORWARD | grep -q 'comment guardnet -j ACCEPT'"
check "the log says the nftables backend and FORWARD" \
	grep -q "Docker's firewall: nftables backend (table docker-bridges).*FORWARD chain" "$LOG"
check "allowed 192.0.2.2 gets 200" test "$(outside 192.0.2.2)" = "$hello"
check "192.0.2.3, not allowed, still times out" timed_out 192.0.2.3
check "exactly one guardnet rule in ip filter" test "$(in_ns "$H" iptables-save -t filter | grep -c 'comment guardnet')" -eq 1

# 3. A restart decides the same from the tables alone.
v=GUARDNETD_PID_${H//-/_}
kill "${!v}"
wait_until 20 pid_gone "${!v}"
: >"$LOG"
guardnetd_start "$H" "$DRV" || exit 1
check "restart with the tables there: the log says the nftables backend at start-up" \
	grep -q "Docker's firewall: nftables backend" "$LOG"
check "after the restart the rule is in FORWARD" wait_until 5 ours FORWARD
check "after the restart 192.0.2.2 gets 200" test "$(outside 192.0.2.2)" = "$hello"

# 4. The tables go (Docker back on iptables): back to DOCKER-USER.
must docker_tables delete
check "tables gone: the rule goes back to DOCKER-USER" wait_until 5 ours DOCKER-USER
check "and the log says so" grep -q "Docker's firewall: no table docker-bridges" "$LOG"

[ "$GN_FAILED" -gt 0 ] && { say "--- guardnetd log"; tail -30 "$LOG"; }
summary docker29_nft
