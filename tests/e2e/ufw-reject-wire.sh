#!/bin/bash
# UFW's reject, packet for packet: a host service and a published port
# under the same reject rules give the client the same answer on the wire:
# a TCP reset for "reject PORT/tcp", an ICMP (ICMPv6) port unreachable for
# UDP and for rules without a protocol ("reject from ADDR" answers TCP with
# ICMP too, as UFW's plain -j REJECT does), and for the default policy
# reject.  Captured in the outside namespace with tcpdump, answers
# compared after the port numbers are made equal.  Each client address
# asks for at most a few ICMP errors, below the kernel's ICMP rate limit
# (a burst of 6 per destination), so every probe gets its answer.
#
#   [ host H: ufw, host services :8090 tcp, :5390 udp; containers published
#     on :8080 tcp, :5380 udp ] 192.0.2.1, 2001:db8:1::1 --veth-- [ outside O: .2 .3 .4, ::2 ::3 ]
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

command -v tcpdump >/dev/null || { say "skip: no tcpdump (packaging/deps.sh installs it)"; exit 77; }
testbed || exit 1
must() { local out; out=$("$@" 2>&1) || { fail "setup: $* ($out)"; summary ufw_reject; exit 1; }; }
must ufw --force enable
www_make "$GN_TMP/hostwww"
nsenter --net=/run/netns/"$H" /bin/busybox httpd -f -p 8090 -h "$GN_TMP/hostwww" &
GN_PIDS+=($!)
nsenter --net=/run/netns/"$H" "$GN_TMP/udp" serve 5390 &
GN_PIDS+=($!)
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.225.1.0/24 --subnet fd00:225:1::/64 n1
must dk "$H" run -d --name web --network n1 -p 8080:80 gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name echo --network n1 -p 5380:5380/udp gnbox udp serve 5380
for r in "reject 8080/tcp" "reject 8090/tcp" "reject 5380/udp" "reject 5390/udp" "insert 1 reject from 192.0.2.4" \
	"prepend reject from 2001:db8:1::4" "allow 22/tcp"; do
	must ufw $r
done
must ufw reload  # UFW's IPv6 rules as its files say (see ufw-limit.sh)
wait_until 5 bash -c "nsenter --net=/run/netns/$H nft list table ip6 guardnet | grep -q 'reject'" ||
	fail "guardnet never compiled the reject rules"

dev=${O:0:7}y
in_ns "$O" tcpdump -i "$dev" -n -U -w "$GN_TMP/wire.pcap" \
	'(tcp and tcp[13] & 4 != 0) or (ip6 and ip6[6] == 6 and ip6[53] & 4 != 0) or (icmp and icmp[0] == 3) or (icmp6 and ip6[40] == 1)' 2>/dev/null &
tcpdump_pid=$!
GN_PIDS+=($tcpdump_pid)
wait_until 5 test -s "$GN_TMP/wire.pcap" || true
sleep 0.5 # tcpdump opens its socket after writing the file header; nothing to poll for

tcp() { local h=$2; [[ $h == *:* ]] && h="[$h]"; in_ns "$O" curl -s -m 2 --interface "$1" "http://$h:$3/" >/dev/null 2>&1; echo $?; }
udp() { in_ns "$O" "$GN_TMP/udp" send "$2" "$3" x "$1" >/dev/null 2>&1; echo $?; }
# probe KIND SRC DST HOSTPORT CTRPORT: the host service, then the published
# port; both must be refused at once (curl 7, udp 3).
n=0
probe() {
	local a b
	a=$($1 "$2" "$3" "$4"); b=$($1 "$2" "$3" "$5")
	n=$((n + 2))
	check "$1 $2 -> $3: host :$4 refused ($a), published :$5 refused ($b)" \
		test "$a" = "$([ "$1" = tcp ] && echo 7 || echo 3)" -a "$b" = "$a"
}
probe tcp 192.0.2.2 192.0.2.1 8090 8080
probe udp 192.0.2.2 192.0.2.1 5390 5380
probe tcp 192.0.2.4 192.0.2.1 8090 8080
probe udp 192.0.2.4 192.0.2.1 5390 5380
probe tcp 2001:db8:1::2 2001:db8:1::1 8090 8080
probe udp 2001:db8:1::2 2001:db8:1::1 5390 5380
probe tcp 2001:db8:1::4 2001:db8:1::1 8090 8080
probe udp 2001:db8:1::4 2001:db8:1::1 5390 5380
wait_until 3 bash -c "tcpdump -n -r '$GN_TMP/wire.pcap' 2>/dev/null | wc -l | grep -qx $n"
kill "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null

tcpdump -n -r "$GN_TMP/wire.pcap" 2>/dev/null | sed 's/^/# wire: /'
# One line per answer; what may differ between two answers to two probes
# (ports, sequence numbers, checksums, IP ids, flow labels) made equal.
tcpdump -n -v -r "$GN_TMP/wire.pcap" 2>/dev/null | awk '/^[^ \t]/ { if (l) print l; l = $0; next } { l = l " " $0 } END { print l }' |
	sed -E 's/^[0-9:.]+ //; s/id [0-9]+/id N/g; s/(seq|ack|cksum|win) [0-9a-fx]+/\1 N/g; s/flowlabel 0x[0-9a-f]+/flowlabel N/g;
		s/TS val [0-9]+ ecr [0-9]+/TS val N ecr N/g; s/, bad cksum [0-9a-f]+ \(->[0-9a-f]+\)!//g; s/, length [0-9]+//g;
		s/\(incorrect -> 0x[0-9a-f]+\)//g; s/ +/ /g' |
	uniq | # TCP over IPv6 sends its SYN again after an ICMPv6 error: one answer each
	sed -E 's/\b(8080|8090)\b/HTTP/g; s/\b(5380|5390)\b/UDP/g;
		s/([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)\.[0-9]+( >|:)/\1.PORT\2/g; s/([0-9a-f]*:[0-9a-f:]*)\.[0-9]+( >|:)/\1.PORT\2/g' \
	>"$GN_TMP/answers"
check "$n answers on the wire for $n probes" test "$(wc -l <"$GN_TMP/answers")" -eq "$n"
# guardnet decides right after the DNAT in prerouting, so an ICMP error
# quotes the packet as it arrived, TTL included, as UFW's INPUT reject does.
i=0
while IFS= read -r host && IFS= read -r ctr; do
	i=$((i + 1))
	check "answer $i: the published port's is the host service's: $host" test "$host" = "$ctr"
	[ "$host" = "$ctr" ] || say "   host: $host" "   guardnet: $ctr"
done <"$GN_TMP/answers"
grep -q 'Flags \[R' "$GN_TMP/answers" && grep -q 'udp port UDP unreachable' "$GN_TMP/answers" &&
	grep -q 'ICMP6, destination unreachable, unreachable port' "$GN_TMP/answers"
check "the answers include TCP resets, ICMP and ICMPv6 port unreachables" test $? -eq 0
check "reject from 192.0.2.4 answers TCP with ICMP, as UFW's plain REJECT does" \
	grep -q '192.0.2.1 tcp port HTTP unreachable' "$GN_TMP/answers"

{ cut -c1-150 "$GN_TMP/answers"; } ; [ "$GN_FAILED" -gt 0 ] && { tail -20 "$GN_TMP/gn-$H/guardnetd.log"; }
summary ufw_reject
