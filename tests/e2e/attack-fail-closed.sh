#!/bin/bash
# Attack (issue 12, point 7): fail closed in depth.  guardnetd is killed,
# then someone deletes table inet guardnet: with nothing of guardnet left
# but its accept rule, a container on Docker's docker0 reached any port of
# a guardnet container (Docker accepts what leaves docker0), and IPv6 had
# no barrier at all where Docker writes no ip6tables rules.  The second
# barrier is guardnet's pair of drops in iptables' forward path for
# anything unmarked into or out of its bridges (their device group), which
# stays in the kernel while guardnetd is down.  guardnetd comes back and
# must put the table back within the healing target; killed again, someone
# runs ufw disable and iptables -F: the table alone must then keep the
# outside from routing to container addresses and networks apart.  The
# Docker column is the same attack on Docker's own networks after the same
# steps.  "held": no page, a sniffer at the target saw no SYN, and the
# counter of the barrier that should stop it moved (the devgroup drop in
# iptables or ip6tables, or guardnet's table).
#
#   [ outside O: routes 10.250/16, fd00:250::/32 via H ]--[ host H ]--[ gc1: ca ] [ gc2: cb ]
#                                                                  --[ docker0: da ] [ dc1: dd (IPv6) ]
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
scenario attack-fail-closed
attack_require
must testbed

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.250.1.0/24 --subnet fd00:250:1::/64 \
	-o guardnet.allow=192.0.2.2/32 gc1
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.250.2.0/24 --subnet fd00:250:2::/64 gc2
must dk "$H" network create --ipv6 --subnet 10.251.1.0/24 --subnet fd00:251:1::/64 dc1
must dk "$H" network create --ipv6 --subnet 10.251.2.0/24 --subnet fd00:251:2::/64 dc2
web ca gc1 -p 8080:80
web cb gc2
web da bridge
web dd dc1
web de dc2
for r in 10.250.0.0/16 10.251.0.0/16 172.17.0.0/16; do must ip -n "$O" route add "$r" via 192.0.2.1; done
for r in fd00:250::/32 fd00:251::/32; do must ip -n "$O" -6 route add "$r" via 2001:db8:1::1; done

must_read CA4 ctr_ip "$H" ca gc1
must_read CA6 ctr_ip "$H" ca gc1 6
must_read DD4 ctr_ip "$H" dd dc1
must_read DD6 ctr_ip "$H" dd dc1 6
CANET=$(ctr_net "$H" ca)
DDNET=$(ctr_net "$H" dd)

# The packets guardnet's rules in iptables (ip or ip6) dropped so far.
devgroup_drops() {
	in_ns "$H" "$1" -L "$2" -vnx 2>/dev/null | awk '/DROP/ && /group 0x4e47/ && /guardnet/ { n += $1 } END { print n + 0 }'
}
# The chain that holds them (DOCKER-USER while FORWARD jumps to it).
hook_chain() { if in_ns "$H" "$1" -S DOCKER-USER 2>/dev/null | grep -q 'devgroup'; then echo DOCKER-USER; else echo FORWARD; fi; }

# attack FROM URL TARGET_NETNS [BARRIER]: a cell; BARRIER is iptables or
# ip6tables (guardnet's devgroup drops there must count it) or table (a
# drop counter of guardnet's table).
attack() {
	local from=$1 url=$2 netns=$3 barrier=${4:-} seen before moved=
	case $barrier in
	table) before=$(drop_counters "$H") ;;
	ip*tables) before=$(devgroup_drops "$barrier" "$(hook_chain "$barrier")") ;;
	esac
	sniff_start "$netns" eth0 3 dport=80 flags=S
	if [ "$from" = out ]; then probe "$O" "$url"; else probe "@$from" "$url"; fi
	seen=$(sniff_wait)
	case $barrier in
	table) moved=$(guard_moved "$before" "drop") ;;
	ip*tables) after=$(devgroup_drops "$barrier" "$(hook_chain "$barrier")")
		[ "$after" -gt "$before" ] && moved="$barrier $(hook_chain "$barrier"): devgroup drop +$((after - before))" ;;
	esac
	page_cell "$url" "$seen" "$barrier" "$moved"
}

expect_open "control: the host reaches ca directly" "$H" "http://$CA4/"
expect_open "control: the outside reaches ca's published port (guardnet.allow)" "$O" http://192.0.2.1:8080/ 192.0.2.2
check "the bridges carry guardnet's device group" \
	grep -qE 'group (0x4e47|20039) ' <<<"$(ip -n "$H" -d link show "$(iface_of "$H" 10.250.1.1)")"
check "iptables and ip6tables hold guardnet's devgroup drops" \
	bash -c "nsenter --net=/run/netns/$H iptables-save | grep -q 'devgroup --dst-group 0x4e47' &&
		nsenter --net=/run/netns/$H ip6tables-save | grep -q 'devgroup --src-group 0x4e47'"

# 1. guardnetd dead, its table deleted: the second barrier alone.
must guardnetd_stop "$H" KILL
must in_ns "$H" nft delete table inet guardnet
A="guardnetd dead, table deleted:"
attack_check "$A docker0 container -> guardnet container" "-" "$(attack da "http://$CA4/" "$CANET" iptables)"
attack_check "$A Docker-network container -> guardnet container (IPv6)" "-" \
	"$(attack dd "http://[$CA6]/" "$CANET" ip6tables)"
attack_check "$A outside -> guardnet container, routed (IPv4)" "-" "$(attack out "http://$CA4/" "$CANET" iptables)"
attack_check "$A outside -> guardnet container, routed (IPv6)" "-" \
	"$(attack out "http://[$CA6]/" "$CANET" ip6tables)"
attack_check "$A guardnet network -> another guardnet network (IPv4)" "-" \
	"$(attack cb "http://$CA4/" "$CANET" iptables)"
attack_check "$A guardnet network -> another guardnet network (IPv6)" "-" \
	"$(attack cb "http://[$CA6]/" "$CANET" ip6tables)"

# 2. guardnetd back: the table within the healing target, then the port.
start=$(date +%s%N)
must guardnetd_start "$H" "$DRV"
wait_until 10 in_ns "$H" nft list chain inet guardnet forward
ms=$((($(date +%s%N) - start) / 1000000))
check "guardnetd started again has its table back ${ms} ms after it was started" \
	in_ns "$H" nft list chain inet guardnet forward
eventually open "and the outside reaches ca's published port again" "$O" http://192.0.2.1:8080/ 192.0.2.2

# 3. With UFW enabled (its ip6tables chains are then a barrier for IPv6
# too), guardnetd dead again; ufw disable and iptables -F: the table alone.
must ufw --force enable
must ufw allow 8080/tcp
eventually open "with UFW enabled, the outside reaches ca's published port (ufw allow 8080)" \
	"$O" http://192.0.2.1:8080/ 192.0.2.2
must guardnetd_stop "$H" KILL
must ufw disable
must in_ns "$H" iptables -F
must in_ns "$H" ip6tables -F
A="guardnetd dead, ufw disable + iptables -F:"
attack_check "$A outside -> container address, routed (IPv4)" \
	"$(attack out "http://$DD4/" "$DDNET")" "$(attack out "http://$CA4/" "$CANET" table)"
attack_check "$A outside -> container address, routed (IPv6)" \
	"$(attack out "http://[$DD6]/" "$DDNET")" "$(attack out "http://[$CA6]/" "$CANET" table)"
attack_check "$A docker0 container -> container on another network" \
	"$(attack da "http://$DD4/" "$DDNET")" "$(attack da "http://$CA4/" "$CANET" table)"
attack_check "$A network -> another network of the same driver (IPv4)" \
	"$(attack de "http://$DD4/" "$DDNET")" "$(attack cb "http://$CA4/" "$CANET" table)"
attack_check "$A network -> another network of the same driver (IPv6)" \
	"$(attack de "http://[$DD6]/" "$DDNET")" "$(attack cb "http://[$CA6]/" "$CANET" table)"

must guardnetd_start "$H" "$DRV"
eventually open "guardnetd started again: the outside reaches ca's published port" \
	"$O" http://192.0.2.1:8080/ 192.0.2.2
check "and its rules are back in iptables' forward path" \
	bash -c "nsenter --net=/run/netns/$H iptables-save | grep -q 'devgroup --dst-group 0x4e47'"

attack_table attack-fail-closed
summary
