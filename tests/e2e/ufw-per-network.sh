#!/bin/bash
# guardnet.ufw per network: "off" ignores UFW's rules, "on" applies them,
# even after `ufw disable`.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-per-network testbed

must dk "$H" network create -d "$DRV" --subnet 10.222.3.0/24 -o guardnet.ufw=off n3
must dk "$H" network create -d "$DRV" --subnet 10.222.4.0/24 -o guardnet.ufw=on n4
web uoff n3 -p 8086:80
web uon n4 -p 8087:80
must ufw --force enable
check "ufw allow 8086" ufw allow 8086
check "ufw allow 8087" ufw allow 8087
eventually open "guardnet.ufw=on: UFW's allow applies" "$O" http://192.0.2.1:8087/ 192.0.2.2
expect_dropped "guardnet.ufw=off: UFW's allow does not apply" "$O" http://192.0.2.1:8086/ 192.0.2.2
check "ufw disable" ufw disable
eventually open "disabled, guardnet.ufw=on: UFW's rules still apply" "$O" http://192.0.2.1:8087/ 192.0.2.2
summary
