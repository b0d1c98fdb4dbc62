#!/bin/bash
# Attack (issue 12, point 7): fail closed in depth.  guardnetd is killed,
# then someone deletes table inet guardnet: with nothing left of guardnet
# but its accept rule, a container on Docker's docker0 reaches any port of a
# guardnet container (Docker accepts what leaves docker0), and IPv6 has no
# barrier at all where Docker writes no ip6tables rules and UFW is off.  guardnetd comes
# back and must put the table back within the healing target; killed again,
# someone runs ufw disable and iptables -F: the table alone must then keep
# the outside from routing to container addresses and networks apart.  The
# Docker column is the same attack on Docker's own networks after the same
# flush.  "held" means no page and a sniffer at the target saw no SYN.
#
#   [ outside O: routes 10.250/16, fd00:250::/32 via H ]--[ host H ]--[ gc1: ca ] [ gc2: cb ]
#                                                                  --[ docker0: da ] [ dc1: dd (IPv6) ]
set -u
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
trap gn_cleanup EXIT
attack_require

testbed || exit 1
must() { local out; out=$("$@" 2>&1) || { fail "setup: $*: $out"; summary attack_fail_closed; exit 1; }; }

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.250.1.0/24 --subnet fd00:250:1::/64 \
	-o guardnet.allow=192.0.2.2/32 gc1
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.250.2.0/24 --subnet fd00:250:2::/64 gc2
must dk "$H" network create --ipv6 --subnet 10.251.1.0/24 --subnet fd00:251:1::/64 dc1
must dk "$H" network create --ipv6 --subnet 10.251.2.0/24 --subnet fd00:251:2::/64 dc2
must dk "$H" run -d --name ca --network gc1 -p 8080:80 gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name cb --network gc2 gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name da --network bridge gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name dd --network dc1 gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name de --network dc2 gnbox httpd -f -p 80 -h /www
for r in 10.250.0.0/16 10.251.0.0/16 172.17.0.0/16; do ip -n "$O" route add "$r" via 192.0.2.1; done
for r in fd00:250::/32 fd00:251::/32; do ip -n "$O" -6 route add "$r" via 2001:db8:1::1; done

CA4=$(ctr_ip "$H" ca gc1)
CA6=$(ctr_ip "$H" ca gc1 6)
DD4=$(ctr_ip "$H" dd dc1)
DD6=$(ctr_ip "$H" dd dc1 6)
CANET=$(ctr_net "$H" ca)
DDNET=$(ctr_net "$H" dd)

get() { if [ "$1" = out ]; then in_ns "$O" curl -s -m 3 "$2"; else fetch "$H" "$1" "$2"; fi; }
# attack FROM URL TARGET_NETNS: a table cell (see attack-foreign-bridge.sh).
attack() {
	local page seen
	sniff_start "$3" eth0 5 dport=80 flags=S
	page=$(get "$1" "$2")
	seen=$(sniff_wait)
	if [ -n "$page" ]; then
		open_ "got the page of $2"
	elif [ "${seen:-none}" = none ]; then
		held "no SYN reached the target"
	else
		echo "no page, but the SYN arrived ($seen)"
	fi
}
allowed() { test "$(in_ns "$O" curl -s -m 3 http://192.0.2.1:8080/)" = "hello from guardnet"; }

check "control: the host reaches ca directly" test "$(in_ns "$H" curl -s -m 3 "http://$CA4/")" = "hello from guardnet"
check "control: the outside reaches ca's published port (guardnet.allow)" allowed

# 1. guardnetd dead, its table deleted.
pid_var=GUARDNETD_PID_${H//-/_}
kill -9 "${!pid_var}"
wait_until 10 pid_gone "${!pid_var}"
in_ns "$H" nft delete table inet guardnet
A="guardnetd dead, table deleted:"
attack_check "$A docker0 container -> guardnet container" "-" "$(attack da "http://$CA4/" "$CANET")"
attack_check "$A Docker-network container -> guardnet container (IPv6)" "-" "$(attack dd "http://[$CA6]/" "$CANET")"
attack_check "$A outside -> guardnet container, routed (IPv4)" "-" "$(attack out "http://$CA4/" "$CANET")"
attack_check "$A outside -> guardnet container, routed (IPv6)" "-" "$(attack out "http://[$CA6]/" "$CANET")"
attack_check "$A guardnet network -> another guardnet network (IPv4)" "-" "$(attack cb "http://$CA4/" "$CANET")"
attack_check "$A guardnet network -> another guardnet network (IPv6)" "-" "$(attack cb "http://[$CA6]/" "$CANET")"

# 2. guardnetd back: the table within the healing target, then the port.
start=$(date +%s%N)
guardnetd_start "$H" "$DRV" || exit 1
wait_until 10 in_ns "$H" nft list table inet guardnet
ms=$((($(date +%s%N) - start) / 1000000))
check "guardnetd started again puts its table back (${ms} ms from start)" in_ns "$H" nft list table inet guardnet
check "and the outside reaches ca's published port again" wait_until 5 allowed

# 3. With UFW enabled (its ip6tables chains are then a barrier for IPv6
# too), guardnetd dead again; ufw disable and iptables -F: the table alone.
ufw --force enable
ufw allow 8080/tcp
check "with UFW enabled, the outside reaches ca's published port (ufw allow 8080)" wait_until 5 allowed
kill -9 "${!pid_var}"
wait_until 10 pid_gone "${!pid_var}"
ufw disable
for t in iptables ip6tables; do in_ns "$H" "$t" -F; done
A="guardnetd dead, ufw disable + iptables -F:"
attack_check "$A outside -> container address, routed (IPv4)" \
	"$(attack out "http://$DD4/" "$DDNET")" "$(attack out "http://$CA4/" "$CANET")"
attack_check "$A outside -> container address, routed (IPv6)" \
	"$(attack out "http://[$DD6]/" "$DDNET")" "$(attack out "http://[$CA6]/" "$CANET")"
attack_check "$A docker0 container -> container on another network" \
	"$(attack da "http://$DD4/" "$DDNET")" "$(attack da "http://$CA4/" "$CANET")"
attack_check "$A network -> another network of the same driver (IPv4)" \
	"$(attack de "http://$DD4/" "$DDNET")" "$(attack cb "http://$CA4/" "$CANET")"
attack_check "$A network -> another network of the same driver (IPv6)" \
	"$(attack de "http://[$DD6]/" "$DDNET")" "$(attack cb "http://[$CA6]/" "$CANET")"

guardnetd_start "$H" "$DRV" || exit 1
check "guardnetd started again: the outside reaches ca's published port" wait_until 5 allowed

attack_table attack_fail_closed
summary attack_fail_closed
