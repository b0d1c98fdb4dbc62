#!/bin/bash
# explain says a UFW route rule (against the container's port) decided, and
# the connection it admits gets the page.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario explain-ufw-route testbed

must dk "$H" network create -d "$DRV" --subnet 10.223.1.0/24 n1
web_at 8080 rt n1 -p 8085:8080
must reachable "$H" http://127.0.0.1:8085/
must ufw --force enable
check "ufw route allow proto tcp from any to any port 8080" ufw route allow proto tcp from any to any port 8080
agree accept outside 192.0.2.3 192.0.2.1 8085 http://192.0.2.1:8085/
check "explain says a route rule decided" test "$(explain 192.0.2.3 192.0.2.1 8085 | json_field step)" = ufw-route
summary
