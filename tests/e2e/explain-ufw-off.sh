#!/bin/bash
# explain on a network with guardnet.ufw=off: UFW's allow does not apply,
# explain says so, and the connection is dropped.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario explain-ufw-off testbed

must dk "$H" network create -d "$DRV" --subnet 10.223.5.0/24 -o guardnet.ufw=off n5
web uoff n5 -p 8088:80
must reachable "$H" http://127.0.0.1:8088/
must ufw --force enable
check "ufw allow 8088" ufw allow 8088
agree drop outside 192.0.2.2 192.0.2.1 8088 http://192.0.2.1:8088/
check "explain says guardnet.ufw=off" grep -q 'guardnet.ufw=off' <<<"$(explain 192.0.2.2 192.0.2.1 8088 | json_field because)"
summary
