#!/bin/bash
# Attack (issue 12, point 2): a port published on 127.0.0.1 only is reached
# by a neighbour on the host's segment, who sends a frame to the host's MAC
# with destination 127.0.0.1: the prerouting DNAT matches before the
# kernel's martian check would drop it.  guardnet lets such a neighbour in
# when its source is in guardnet.allow or a UFW rule allows the port, while a
# host service bound to 127.0.0.1 under the same UFW rule gets nothing.  A
# loopback publish must answer the host alone.  Docker's bridge driver is
# attacked the same way (its DNAT for 127.0.0.1 ports has the same hole).
#
#   [ host H: uplink 192.0.2.1 ]--veth--[ neighbour O: 192.0.2.2-.4 ]
#        frames from O: Ethernet to H's MAC, IP to 127.0.0.1:P
set -u
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
trap gn_cleanup EXIT
attack_require

testbed || exit 1
must() { local out; out=$("$@" 2>&1) || { fail "setup: $*: $out"; summary attack_loopback_publish; exit 1; }; }

ONET=/run/netns/$O
OIF=${O:0:7}y
HMAC=$(mac_of "$H" "${H:0:7}x")

ufw --force enable
ufw allow 8088/tcp
ufw allow 9988/tcp
ufw allow 9998/tcp
must dk "$H" network create -d "$DRV" --subnet 10.243.1.0/24 -o guardnet.allow=192.0.2.2/32 -o guardnet.ufw=off gp1
must dk "$H" network create -d "$DRV" --subnet 10.243.2.0/24 -o guardnet.ufw=on gp2
must dk "$H" network create --subnet 10.244.1.0/24 dp1
must dk "$H" run -d --name pa --network gp1 -p 127.0.0.1:8086:80 gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name pb --network gp1 -p 8087:80 gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name pc --network gp2 -p 127.0.0.1:8088:80 gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name qa --network dp1 -p 127.0.0.1:8096:80 gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name qb --network dp1 -p 8097:80 gnbox httpd -f -p 80 -h /www
serve "$H" 127.0.0.1:9988
serve "$H" 9998
for a in 2 3 4; do in_ns "$H" /bin/busybox ping -c1 -W2 192.0.2.$a >/dev/null; done

# The host is served on every loopback publish (what must keep working).
for p in 8086 8088 8096; do
	check "the host gets 200 from 127.0.0.1:$p" wait_until 10 in_ns "$H" curl -sf "http://127.0.0.1:$p/"
done

# attack SRC TARGET: a neighbour's SYN from SRC to TARGET in a frame to the
# host's MAC; the control is the same neighbour's SYN to the host's service
# on its real address, and must be answered.
attack() {
	local ctl=192.0.2.1:9998 res
	case $1 in *:*) ctl='[2001:db8:1::1]:9998' ;; esac
	ctl=$(syn_from "$ONET" "$OIF" "$HMAC" "$1" "$ctl")
	res=$(syn_from "$ONET" "$OIF" "$HMAC" "$1" "$2")
	if [ "$ctl" != synack ]; then
		echo "setup broken (control: $ctl)"
	elif [ "$res" = none ]; then
		held "no answer on the wire; control answered"
	else
		open_ "$res from $2"
	fi
}

attack_check "neighbour in guardnet.allow -> 127.0.0.1:P published on 127.0.0.1" \
	"$(attack 192.0.2.2 127.0.0.1:8096)" "$(attack 192.0.2.2 127.0.0.1:8086)"
attack_check "neighbour in no allowlist -> 127.0.0.1:P published on 127.0.0.1" \
	"$(attack 192.0.2.3 127.0.0.1:8096)" "$(attack 192.0.2.3 127.0.0.1:8086)"
attack_check "neighbour, ufw allow P -> 127.0.0.1:P published on 127.0.0.1" \
	"-" "$(attack 192.0.2.3 127.0.0.1:8088)"
attack_check "neighbour in guardnet.allow -> 127.0.0.1:P published on all addresses" \
	"$(attack 192.0.2.2 127.0.0.1:8097)" "$(attack 192.0.2.2 127.0.0.1:8087)"
attack_check "neighbour -> [::1]:P published on all addresses" \
	"$(attack 2001:db8:1::2 '[::1]:8097')" "$(attack 2001:db8:1::2 '[::1]:8087')"

# What a loopback publish must be equivalent to: a host service bound to
# 127.0.0.1, which the kernel keeps from the neighbour whatever UFW allows.
check "control: a host service on 127.0.0.1:9988 under ufw allow 9988 does not answer the neighbour" \
	test "$(attack 192.0.2.3 127.0.0.1:9988)" = "held (no answer on the wire; control answered)"
check "control: the allowed neighbour reaches 192.0.2.1:8087 (published on all addresses)" \
	test "$(syn_from "$ONET" "$OIF" "$HMAC" 192.0.2.2 192.0.2.1:8087)" = synack

attack_table attack_loopback_publish
summary attack_loopback_publish
