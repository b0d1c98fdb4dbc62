#!/bin/bash
# explain says "reject" for a port UFW rejects, and the connection is
# refused at once.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario explain-ufw-reject testbed

must dk "$H" network create -d "$DRV" --subnet 10.223.1.0/24 n1
web rj n1 -p 8084:80
must reachable "$H" http://127.0.0.1:8084/
must ufw --force enable
check "ufw reject 8084" ufw reject 8084
agree reject outside 192.0.2.2 192.0.2.1 8084 http://192.0.2.1:8084/
summary
