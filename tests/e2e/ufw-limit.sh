#!/bin/bash
# `ufw limit`, counted as UFW counts it: every limit rule, both protocols
# and UFW's own host rules share the kernel's recent list DEFAULT, a
# sliding window of 30 s in which a source's sixth new connection is
# refused.  One limit rule: five quick connections pass, the sixth is
# refused.  A client that alternates between published ports and host
# services under limit rules is counted once, as UFW alone would count it.
# And the IPv6 case of issue 14: UFW's own IPv6 limit is stale until its
# next reload, and guardnet follows UFW's files.
#
#   [ host H: dockerd, guardnetd, ufw; host services :8090, :5390/udp;
#     containers published on :8080, :8081, :8084, :5380/udp ] 192.0.2.1, 2001:db8:1::1
#       --veth-- [ outside O: 192.0.2.2-.5, 2001:db8:1::2-::4 ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-limit testbed

must ip -n "$O" addr add 192.0.2.5/24 dev "${O:0:7}y"
must serve "$H" 8090
must serve "$H" 5390 udp
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.224.1.0/24 --subnet fd00:224:1::/64 n1
web ca n1 -p 8080:80
web cb n1 -p 8081:80
web lim n1 -p 8084:80
must dk "$H" run -d --name cu --network n1 -p 5380:5380/udp gnbox udp serve 5380
for p in 8080 8081 8084; do must reachable "$H" "http://127.0.0.1:$p/"; done
must ufw --force enable
for r in 8080/tcp 8081/tcp 8084/tcp 8090/tcp 5380/udp 5390/udp; do must ufw limit "$r"; done

# UFW's own IPv6 limit is broken until its next reload: Debian's pristine
# user6.rules has no "RATE LIMITING" lines, and adding a limit rule loads
# only the new -A lines, so ufw6-user-limit-accept stays empty and a host
# service under an IPv6 limit rule times out.  Its files (and UFW after a
# reload or a boot) say accept, as guardnet does.
limit_accepts() { in_ns "$H" ip6tables -S ufw6-user-limit-accept | grep -c ACCEPT; }
expect_timeout "UFW before a reload: IPv6 to the host's limited 8090 gets no answer" \
	"$O" 'http://[2001:db8:1::1]:8090/' 2001:db8:1::4
check "UFW before a reload: its chain ufw6-user-limit-accept is empty" test "$(limit_accepts)" = 0
# guardnet follows the files (its limit rules waited for without probing,
# which would count against the limit).
must wait_until 5 eval "in_ns '$H' nft list table ip6 guardnet | grep -c 'xt match recent' | grep -qx 12"
expect_open "before UFW's reload, guardnet follows UFW's files: IPv6 to the published 8080 is admitted" \
	"$O" 'http://[2001:db8:1::1]:8080/' 2001:db8:1::4
must ufw reload
check "after ufw reload, ufw6-user-limit-accept accepts (UFW loaded its files)" test "$(limit_accepts)" = 1
# Two lines (--set, --update) for each of the six rules.
must wait_until 5 eval "in_ns '$H' nft list table ip guardnet | grep -c 'xt match recent' | grep -qx 12"

# pattern SRC TARGET...: each target probed in turn from SRC (one new
# connection or datagram each); the outcomes.
pattern() {
	local src=$1 t out=()
	shift
	for t in "$@"; do
		probe "$O" "$t" "$src"
		out+=("$PROBE")
	done
	echo "${out[*]}"
}
h=http://192.0.2.1 u=udp://192.0.2.1 h6='http://[2001:db8:1::1]'
five="open open open open open refused refused refused"

got=$(pattern 192.0.2.5 "$h:8084/" "$h:8084/" "$h:8084/" "$h:8084/" "$h:8084/" "$h:8084/")
check "one limit rule, published 8084: 5 of 6 quick connections admitted, the sixth refused ($got)" \
	test "$got" = "open open open open open refused"

got=$(pattern 192.0.2.4 "$h:8090/" "$u:5390" "$h:8090/" "$u:5390" "$h:8090/" "$u:5390" "$h:8090/" "$u:5390")
check "control, UFW alone: host tcp/8090 and udp/5390 alternating: five pass, then refused ($got)" test "$got" = "$five"

got=$(pattern 192.0.2.2 "$h:8080/" "$h:8081/" "$h:8080/" "$h:8081/" "$h:8080/" "$h:8081/" "$h:8080/" "$h:8081/")
check "published 8080 and 8081 under two limit rules, alternating: five in all ($got)" test "$got" = "$five"

got=$(pattern 192.0.2.3 "$h:8080/" "$h:8090/" "$u:5380" "$u:5390" "$h:8081/" "$h:8090/" "$u:5380" "$h:8080/")
check "published ports and host services, TCP and UDP, alternating: five in all ($got)" test "$got" = "$five"
check "the kernel's list DEFAULT holds 192.0.2.3 (what UFW's own rules read)" \
	grep -q "src=192.0.2.3 " <(in_ns "$H" cat /proc/net/xt_recent/DEFAULT)

got=$(pattern 2001:db8:1::3 "$h6:8080/" "$h6:8090/" "$h6:8081/" "$h6:8090/" "$h6:8080/" "$h6:8081/" "$h6:8090/" "$h6:8080/")
check "IPv6 (user6.rules, table ip6 guardnet): published ports and a host service alternating: five in all ($got)" \
	test "$got" = "$five"

# The count is the kernel's list itself (the window, 30 s sliding, is
# xt_recent's own code, the same that UFW's rules run): emptying it admits
# the source again.
expect_refused "192.0.2.2 is still over the limit within the window" "$O" "$h:8080/" 192.0.2.2
must in_ns "$H" sh -c 'echo / >/proc/net/xt_recent/DEFAULT'
expect_open "flushing the kernel's list (as its counts expire) admits 192.0.2.2 again" "$O" "$h:8080/" 192.0.2.2
summary
