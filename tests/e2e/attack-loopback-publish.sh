#!/bin/bash
# Attack (issue 12, point 2): a port published on 127.0.0.1 only, reached
# by a neighbour on the host's segment who sends a frame to the host's MAC
# with destination 127.0.0.1: the prerouting DNAT matched before the
# kernel's martian check would drop it, and guardnet let the neighbour in
# when guardnet.allow held its source or a UFW rule allowed the port, while
# a host service bound to 127.0.0.1 under the same UFW rule got nothing.  A
# loopback publish must answer the host alone.  Docker's bridge driver is
# attacked the same way (its DNAT of 127.0.0.1 ports has the same hole in
# Docker 20.10).  "held": the neighbour's control SYN to the host's service
# on 192.0.2.1 was answered, the attack was not, and guardnet's
# raw-prerouting drop for loopback destinations counted it.
#
#   [ host H: uplink 192.0.2.1 ]--veth--[ neighbour O: 192.0.2.2-.4 ]
#        frames from O: Ethernet to H's MAC, IP to 127.0.0.1:P
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
scenario attack-loopback-publish
attack_require
must testbed

ONET=/run/netns/$O
OIF=${O:0:7}y
HMAC=$(mac_of "$H" "${H:0:7}x")

must ufw --force enable
must ufw allow 8088/tcp
must ufw allow 9988/tcp
must ufw allow 9998/tcp
must dk "$H" network create -d "$DRV" --subnet 10.243.1.0/24 -o guardnet.allow=192.0.2.2/32 -o guardnet.ufw=off gp1
must dk "$H" network create -d "$DRV" --subnet 10.243.2.0/24 -o guardnet.ufw=on gp2
must dk "$H" network create --subnet 10.244.1.0/24 dp1
web pa gp1 -p 127.0.0.1:8086:80
web pb gp1 -p 8087:80
web pc gp2 -p 127.0.0.1:8088:80
web qa dp1 -p 127.0.0.1:8096:80
web qb dp1 -p 8097:80
serve "$H" 127.0.0.1:9988
serve "$H" 9998

# The host is served on every loopback publish (what must keep working).
for p in 8086 8088 8096; do
	expect_open "the host gets the page of 127.0.0.1:$p" "$H" "http://127.0.0.1:$p/"
done

# attack SRC TARGET [PATTERN]: the neighbour's SYN from SRC to TARGET in a
# frame to the host's MAC; the control is the same neighbour's SYN to the
# host's service on its real address.
attack() {
	local ctl=192.0.2.1:9998
	case $1 in *:*) ctl='[2001:db8:1::1]:9998' ;; esac
	syn_cell "$ONET" "$OIF" "$HMAC" "$1" "$ctl" "$2" "${3:-}"
}
lo4="raw-prerouting: iif != \"lo\" ip daddr 127.0.0.0/8"
# IPv6: the kernel itself drops ::1 arriving on a device that is not
# loopback, before any netfilter hook (ip6_rcv_core, counted as
# Ip6InHdrErrors); guardnet's raw rule sees such frames only when they
# cross a bridge (br_netfilter), as attack-loopback.sh shows.
hdr_errors() { in_ns "$H" awk '$1 == "Ip6InHdrErrors" { print $2 }' /proc/net/snmp6; }
kernel6() {
	local before after cell
	before=$(hdr_errors)
	cell=$(attack "$@")
	after=$(hdr_errors)
	case $cell in
	held*) if [ "$after" -gt "$before" ]; then
		echo "${cell%)}; the kernel dropped it: Ip6InHdrErrors +$((after - before)))"
	else
		echo "no answer, but Ip6InHdrErrors did not move"
	fi ;;
	*) echo "$cell" ;;
	esac
}

attack_check "neighbour in guardnet.allow -> 127.0.0.1:P published on 127.0.0.1" \
	"$(attack 192.0.2.2 127.0.0.1:8096)" "$(attack 192.0.2.2 127.0.0.1:8086 "$lo4")"
attack_check "neighbour in no allowlist -> 127.0.0.1:P published on 127.0.0.1" \
	"$(attack 192.0.2.3 127.0.0.1:8096)" "$(attack 192.0.2.3 127.0.0.1:8086 "$lo4")"
attack_check "neighbour, ufw allow P -> 127.0.0.1:P published on 127.0.0.1" \
	"-" "$(attack 192.0.2.3 127.0.0.1:8088 "$lo4")"
attack_check "neighbour in guardnet.allow -> 127.0.0.1:P published on all addresses" \
	"$(attack 192.0.2.2 127.0.0.1:8097)" "$(attack 192.0.2.2 127.0.0.1:8087 "$lo4")"
attack_check "neighbour -> [::1]:P published on all addresses" \
	"$(attack 2001:db8:1::2 '[::1]:8097')" "$(kernel6 2001:db8:1::2 '[::1]:8087')"

# What a loopback publish must be equivalent to: a host service bound to
# 127.0.0.1, which the kernel keeps from the neighbour whatever UFW allows.
check "control: a host service on 127.0.0.1:9988 under ufw allow 9988 does not answer the neighbour" \
	grep -q '^held' <<<"$(attack 192.0.2.3 127.0.0.1:9988)"
syn "$ONET" "$OIF" "$HMAC" 192.0.2.2 192.0.2.1:8087
check "control: the allowed neighbour gets its SYN-ACK from 192.0.2.1:8087 (published on all addresses)" \
	test "${SYN[192.0.2.1:8087]:-}" = synack

attack_table attack-loopback-publish
summary
