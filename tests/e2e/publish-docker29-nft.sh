#!/bin/bash
# Docker 29's nftables firewall backend, faked (no Debian suite ships
# Docker 29): its tables "ip docker-bridges" and "ip6 docker-bridges" made
# with nft in a test host whose UFW gives iptables' FORWARD chain policy
# DROP, next to a DOCKER-USER chain (what Docker 29 leaves of an earlier
# iptables run, or ufw-docker's after.rules declares).  guardnet must notice
# the backend from those tables, say so in its log and put its rules in
# FORWARD, where they work; with Docker's iptables backend they belong in
# DOCKER-USER, but only while FORWARD jumps to it: in a DOCKER-USER nothing
# jumps to (after iptables -F, or left by Docker 29) they would never be
# reached and UFW's policy would drop every admitted connection
# (spec/firewall-model.md, "Docker 29's nftables backend").  No dockerd: the test speaks Docker's side of the
# protocol, and a namespace stands in for the container.
#
#   [ container C: httpd ] 10.231.1.2 --veth-- [ host H: guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
# Docker plays no part: the machine's ufw and iptables on either lane.
unset GUARDNET_DOCKER
. "$(dirname "$0")/../lib.sh"
scenario publish-docker29-nft

H=${GN_TAG}h
O=${GN_TAG}o
C=${GN_TAG}c
DRV=${GN_TAG}drv
LOG=$GN_TMP/gn-$H/guardnetd.log
must netns_add "$H"
must netns_add "$O"
must netns_add "$C"
must outside_add "$H" "$O"
must ip -n "$O" addr add 192.0.2.3/24 dev "${O:0:7}y"
must ufw_setup "$H"
must ufw --force enable
must in_ns "$H" iptables -N DOCKER-USER
must in_ns "$H" ip6tables -N DOCKER-USER
# Docker's iptables backend jumps to its DOCKER-USER first thing.
must in_ns "$H" iptables -I FORWARD -j DOCKER-USER
must in_ns "$H" ip6tables -I FORWARD -j DOCKER-USER
must guardnetd_start "$H" "$DRV"

must drv_net a 10.231.1.0/24 10.231.1.1/24 "" "" '{"guardnet.allow":"192.0.2.2/32"}'
must drv_ep a b 10.231.1.2/24 ""
# What dockerd does with Join's answer: the container end into the sandbox.
ctr_if=gnc$(drv_id b | cut -c1-12)
must ip -n "$H" link set "$ctr_if" netns "$C"
must ip -n "$C" link set "$ctr_if" name eth0
must ip -n "$C" addr add 10.231.1.2/24 dev eth0
must ip -n "$C" link set eth0 up
must ip -n "$C" route add default via 10.231.1.1
www_make "$GN_TMP/www"
nsenter --net=/run/netns/"$C" /bin/busybox httpd -f -p 80 -h "$GN_TMP/www" &
GN_PIDS+=($!)
must drv_pub a b "$(drv_pm 6 80 "" 8080)"
URL=http://192.0.2.1:8080/

ours() { in_ns "$H" "${2:-iptables}" -S "$1" | grep -q -- '--comment guardnet -j ACCEPT'; }
# The packets iptables' FORWARD policy dropped so far.
fwd_drops() { in_ns "$H" iptables -L FORWARD -vnx | sed -n 's/^Chain FORWARD (policy DROP \([0-9]*\) packets.*/\1/p'; }
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
# gets the rules while FORWARD jumps to it.
check "start-up: no docker-bridges table, the log says DOCKER-USER" \
	grep -q "Docker's firewall: no table docker-bridges .*go to iptables' DOCKER-USER chain" "$LOG"
check "the accept rule is in DOCKER-USER" ours DOCKER-USER
check "and not in FORWARD" bash -c "! nsenter --net=/run/netns/$H iptables -S FORWARD | grep -q 'comment guardnet'"
expect_open "the host gets the page (positive control: the container serves)" "$H" http://127.0.0.1:8080/
expect_open "allowed 192.0.2.2 gets the page" "$O" "$URL" 192.0.2.2

# 1b. The jump goes (iptables -D, as iptables -F does until dockerd restarts;
# Docker 29 leaves DOCKER-USER unjumped): rules there would never be
# reached, and UFW's FORWARD policy would drop the admitted connection.
must in_ns "$H" iptables -D FORWARD -j DOCKER-USER
must in_ns "$H" ip6tables -D FORWARD -j DOCKER-USER
check "FORWARD no longer jumps to DOCKER-USER: the rules move to FORWARD" wait_until 5 ours FORWARD
check "and leave the unjumped DOCKER-USER" \
	bash -c "! nsenter --net=/run/netns/$H iptables -S DOCKER-USER | grep -q 'comment guardnet'"
before=$(fwd_drops)
expect_open "allowed 192.0.2.2 still gets the page" "$O" "$URL" 192.0.2.2
check "and iptables' FORWARD policy dropped nothing of it ($before -> $(fwd_drops) packets)" \
	test "$(fwd_drops)" -eq "$before"
must in_ns "$H" iptables -I FORWARD -j DOCKER-USER
must in_ns "$H" ip6tables -I FORWARD -j DOCKER-USER
check "the jump back: the rules are in DOCKER-USER again" wait_until 5 ours DOCKER-USER

# 2. Docker's nftables tables appear: the rule moves to FORWARD and works.
must docker_tables add
check "the rule moves to FORWARD" wait_until 5 ours FORWARD
check "and leaves DOCKER-USER" bash -c "! nsenter --net=/run/netns/$H iptables -S DOCKER-USER | grep -q 'comment guardnet'"
check "ip6tables too" ours FORWARD ip6tables
check "the log says the nftables backend and FORWARD" \
	grep -q "Docker's firewall: nftables backend (table docker-bridges).*FORWARD chain" "$LOG"
expect_open "allowed 192.0.2.2 gets the page" "$O" "$URL" 192.0.2.2
expect_dropped "192.0.2.3, not allowed, still dropped" "$O" "$URL" 192.0.2.3
check "exactly guardnet's three rules in ip filter (the accept and the two device group drops)" \
	test "$(in_ns "$H" iptables-save -t filter | grep -c 'comment guardnet')" -eq 3

# 3. A restart decides the same from the tables alone.
must guardnetd_stop "$H"
: >"$LOG"
must guardnetd_start "$H" "$DRV"
check "restart with the tables there: the log says the nftables backend at start-up" \
	grep -q "Docker's firewall: nftables backend" "$LOG"
check "after the restart the rule is in FORWARD" wait_until 5 ours FORWARD
expect_open "after the restart 192.0.2.2 gets the page" "$O" "$URL" 192.0.2.2

# 4. The tables go (Docker back on iptables): back to DOCKER-USER.
must docker_tables delete
check "tables gone: the rule goes back to DOCKER-USER" wait_until 5 ours DOCKER-USER
check "and the log says so" grep -q "Docker's firewall: no table docker-bridges" "$LOG"
summary
