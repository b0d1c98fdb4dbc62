#!/bin/bash
# UFW's reject, packet for packet: a host service and a published port
# under the same reject rules give the client the same answer on the wire,
# at once (refused, not timed out): a TCP reset for "reject PORT/tcp", an
# ICMP (ICMPv6) port unreachable for UDP and for rules without a protocol
# ("reject from ADDR" answers TCP with ICMP too, as UFW's plain -j REJECT
# does).  Captured in the outside namespace with tcpdump, answers compared
# after the port numbers are made equal.  Each client address asks for at
# most a few ICMP errors, below the kernel's ICMP rate limit (a burst of 6
# per destination), so every probe gets its answer.
#
#   [ host H: dockerd, guardnetd, ufw; host services :8090, :5390/udp;
#     containers published on :8080, :5380/udp ] 192.0.2.1, 2001:db8:1::1
#       --veth-- [ outside O: .2 .3 .4, ::2 ::3 ::4 ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-reject
require "tcpdump (packaging/deps.sh installs it)" command -v tcpdump
must testbed

must serve "$H" 8090
must serve "$H" 5390 udp
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.225.1.0/24 --subnet fd00:225:1::/64 n1
web web n1 -p 8080:80
must dk "$H" run -d --name echo --network n1 -p 5380:5380/udp gnbox udp serve 5380
must ufw --force enable
for r in "reject 8080/tcp" "reject 8090/tcp" "reject 5380/udp" "reject 5390/udp" "insert 1 reject from 192.0.2.4" \
	"prepend reject from 2001:db8:1::4" "allow 22/tcp"; do
	must ufw $r
done
must ufw reload # UFW's IPv6 rules as its files say (see ufw-limit.sh)
must wait_until 5 eval "in_ns '$H' nft list table ip6 guardnet | grep -q reject"
# The positive control: the rejected port works for the host.
expect_open "the host gets the page from the rejected port 8080" "$H" http://127.0.0.1:8080/

dev=${O:0:7}y
in_ns "$O" tcpdump -i "$dev" -n -U -w "$GN_TMP/wire.pcap" \
	'(tcp and tcp[13] & 4 != 0) or (ip6 and ip6[6] == 6 and ip6[53] & 4 != 0) or (icmp and icmp[0] == 3) or (icmp6 and ip6[40] == 1)' \
	2>"$GN_TMP/tcpdump.err" &
tcpdump_pid=$!
GN_PIDS+=($tcpdump_pid)
# It says so once the capture is open and its filter set.
must wait_until 5 grep -q '^tcpdump: listening on' "$GN_TMP/tcpdump.err"

# refused WHAT SRC HOSTPORT PUBPORT: the host service, then the published
# port, from SRC; both refused at once (curl exit 7, udp exit 3).
n=0
refused() {
	local a b
	probe "$O" "${1/PORT/$3}" "$2"
	a=$PROBE
	probe "$O" "${1/PORT/$4}" "$2"
	b=$PROBE
	n=$((n + 2))
	check "${1/PORT/P} from $2: host :$3 $a, published :$4 $b" test "$a" = refused -a "$b" = refused
}
refused http://192.0.2.1:PORT/ 192.0.2.2 8090 8080
refused udp://192.0.2.1:PORT 192.0.2.2 5390 5380
refused http://192.0.2.1:PORT/ 192.0.2.4 8090 8080
refused udp://192.0.2.1:PORT 192.0.2.4 5390 5380
refused 'http://[2001:db8:1::1]:PORT/' 2001:db8:1::2 8090 8080
refused 'udp://[2001:db8:1::1]:PORT' 2001:db8:1::2 5390 5380
refused 'http://[2001:db8:1::1]:PORT/' 2001:db8:1::4 8090 8080
refused 'udp://[2001:db8:1::1]:PORT' 2001:db8:1::4 5390 5380
# answers: one line per answer on the wire; what may differ between two
# answers to two probes (ports, sequence numbers, checksums, IP ids, flow
# labels) made equal.  TCP over IPv6 sends its SYN again after an ICMPv6
# error: one line for both answers.
answers() {
	tcpdump -n -v -r "$GN_TMP/wire.pcap" 2>/dev/null |
		awk '/^[^ \t]/ { if (l) print l; l = $0; next } { l = l " " $0 } END { if (l) print l }' |
		sed -E 's/^[0-9:.]+ //; s/id [0-9]+/id N/g; s/(seq|ack|cksum|win) [0-9a-fx]+/\1 N/g; s/flowlabel 0x[0-9a-f]+/flowlabel N/g;
			s/TS val [0-9]+ ecr [0-9]+/TS val N ecr N/g; s/, bad cksum [0-9a-f]+ \(->[0-9a-f]+\)!//g; s/, length [0-9]+//g;
			s/\(incorrect -> 0x[0-9a-f]+\)//g; s/ +/ /g' |
		uniq |
		sed -E 's/\b(8080|8090)\b/HTTP/g; s/\b(5380|5390)\b/UDP/g;
			s/([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)\.[0-9]+( >|:)/\1.PORT\2/g; s/([0-9a-f]*:[0-9a-f:]*)\.[0-9]+( >|:)/\1.PORT\2/g'
}
# tcpdump writes each packet as it comes (-U), a moment after.
wait_until 3 eval '[ "$(answers | wc -l)" -ge $n ]'
kill "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null
tcpdump -n -r "$GN_TMP/wire.pcap" 2>/dev/null | sed 's/^/# wire: /'
answers >"$GN_TMP/answers"
check "$n answers on the wire for $n probes" test "$(wc -l <"$GN_TMP/answers")" -eq "$n"
# guardnet decides right after the DNAT in prerouting, so an ICMP error
# quotes the packet as it arrived, TTL included, as UFW's INPUT reject does.
i=0
while IFS= read -r host && IFS= read -r ctr; do
	i=$((i + 1))
	check "answer $i: the published port's is the host service's: $host" test "$host" = "$ctr"
	[ "$host" = "$ctr" ] || say "   host: $host" "   guardnet: $ctr"
done <"$GN_TMP/answers"
check "the answers include TCP resets, ICMP and ICMPv6 port unreachables" eval \
	"grep -q 'Flags \[R' '$GN_TMP/answers' && grep -q 'udp port UDP unreachable' '$GN_TMP/answers' &&
	 grep -q 'ICMP6, destination unreachable, unreachable port' '$GN_TMP/answers'"
check "reject from 192.0.2.4 answers TCP with ICMP, as UFW's plain REJECT does" \
	grep -q '192.0.2.1 tcp port HTTP unreachable' "$GN_TMP/answers"
summary
