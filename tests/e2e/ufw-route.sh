#!/bin/bash
# UFW's route rules, matched against the container's port: with no rule the
# default policy drops; `ufw route allow ... port 8080` admits the port
# published from container port 8080, an incoming rule for host port 8080
# still comes first, and `ufw reload` keeps both as they were.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-route testbed

must dk "$H" network create -d "$DRV" --subnet 10.222.1.0/24 n1
web be n1 -p 8080:80
web_at 8080 rt n1 -p 8082:8080
must ufw --force enable
must ufw deny 8080
expect_open "the host gets 200 from 8082" "$H" http://127.0.0.1:8082/
eventually dropped "no rule for 8082: blocked by the default policy" "$O" http://192.0.2.1:8082/ 192.0.2.2
check "ufw route allow proto tcp from any to any port 8080" ufw route allow proto tcp from any to any port 8080
eventually open "route allow to container port 8080: admitted" "$O" http://192.0.2.1:8082/ 192.0.2.2
expect_dropped "route rules come after incoming rules: 8080 still denied" "$O" http://192.0.2.1:8080/ 192.0.2.3
check "ufw reload" ufw reload
eventually open "after reload: the route-allowed port is admitted" "$O" http://192.0.2.1:8082/ 192.0.2.2
expect_dropped "after reload: 8080 still denied" "$O" http://192.0.2.1:8080/ 192.0.2.3
summary
