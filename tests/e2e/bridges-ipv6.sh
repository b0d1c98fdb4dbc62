#!/bin/bash
# A dual-stack guardnet network: containers reach each other over IPv6 and
# leave with the host's IPv6 address.
#
#   [ host H: dockerd, guardnetd ] 2001:db8:1::1 --veth-- 2001:db8:1::2 [ outside O: web server ]
. "$(dirname "$0")/../lib.sh"
scenario bridges-ipv6 testbed
must serve_outside "$O" 8080

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.220.3.0/24 --subnet fd00:220:3::/64 n6
web c5 n6
must dk "$H" run -d --name c6 --network n6 gnbox sleep 1000
must_read ip5 ctr_ip "$H" c5 n6 6
expect_open "IPv6: c6 reaches c5 ([$ip5])" @c6 "http://[$ip5]/"
seen=$(egress_seen "$H" c6 "http://[2001:db8:1::2]:8080/cgi-bin/ip")
check "IPv6 egress: the outside sees the host's address (got '$seen')" test "$seen" = 2001:db8:1::1
summary
