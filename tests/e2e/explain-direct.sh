#!/bin/bash
# explain for a connection straight to a container's address (the outside
# has a route to the network): dropped from outside, accepted from the host.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O, route to n1 via H ]
. "$(dirname "$0")/../lib.sh"
scenario explain-direct testbed

must dk "$H" network create -d "$DRV" --subnet 10.223.1.0/24 n1
web be n1 -p 8080:80
must_read be ctr_ip "$H" be n1
must ip -n "$O" route add 10.223.1.0/24 via 192.0.2.1
must reachable "$H" "http://$be/"
agree drop outside 192.0.2.2 "$be" 80 "http://$be/"
agree accept host 10.223.1.1 "$be" 80 "http://$be/"
summary
