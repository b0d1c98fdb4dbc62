#!/bin/bash
# Two containers on an IPv4 guardnet network reach each other (HTTP and
# ping), leave through masquerade with the host's address, on a bridge of
# guardnet's own with its accept rule in DOCKER-USER.
#
#   [ host H: dockerd, guardnetd, gn-* bridge ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O: web server ]
. "$(dirname "$0")/../lib.sh"
scenario bridges-ipv4 testbed
must serve_outside "$O" 8080

must dk "$H" network create -d "$DRV" --subnet 10.220.1.0/24 n4
web c1 n4
must dk "$H" run -d --name c2 --network n4 gnbox sleep 1000
must_read ip1 ctr_ip "$H" c1 n4
must_read ip2 ctr_ip "$H" c2 n4
expect_open "IPv4: c2 reaches c1 ($ip1)" @c2 "http://$ip1/"
check "IPv4: c1 reaches c2 by ping" quiet dk "$H" exec c1 ping -q -c1 -W2 "$ip2"
seen=$(egress_seen "$H" c2 http://192.0.2.2:8080/cgi-bin/ip)
check "IPv4 egress: the outside sees the host's address (got '$seen')" test "$seen" = 192.0.2.1
must_read br dk "$H" network inspect -f '{{.Id}}' n4
check "bridge gn-${br:0:12} exists" quiet ip -n "$H" link show "gn-${br:0:12}"
check "accept rule in DOCKER-USER" bash -c "nsenter --net=/run/netns/$H iptables -S DOCKER-USER | grep -q -- '--mark 0x4e47/0x4e47 -m comment --comment guardnet -j ACCEPT'"
summary
