#!/bin/bash
# An internal network: its containers reach each other, and nothing leaves:
# they have no route out, and one given a route (as a container with
# CAP_NET_ADMIN could add) is dropped by guardnet.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O: web server ]
. "$(dirname "$0")/../lib.sh"
scenario bridges-internal testbed
must serve_outside "$O" 8080

must dk "$H" network create -d "$DRV" --internal --subnet 10.220.2.0/24 nint
web c3 nint
web c4 nint
must_read ip3 ctr_ip "$H" c3 nint
expect_open "internal: containers reach each other" @c4 "http://$ip3/"
expect noroute "internal: no way out" @c4 http://192.0.2.2:8080/
must in_ctr "$H" c4 ip route add default via 10.220.2.1
expect_dropped "internal: no way out with a route via the bridge either" @c4 http://192.0.2.2:8080/
summary
