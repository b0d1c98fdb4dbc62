#!/bin/bash
# `ufw disable` and `ufw enable`: while UFW is disabled its allows no longer
# open anything, guardnet.allow still admits, everything else stays closed
# and the host keeps its access; enabled again, UFW's rules apply again.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-disable testbed

must dk "$H" network create -d "$DRV" --subnet 10.222.1.0/24 n1
must dk "$H" network create -d "$DRV" --subnet 10.222.2.0/24 -o guardnet.allow=192.0.2.2/32 n2
web_at 8080 rt n1 -p 8082:8080
web al n2 -p 8085:80
must ufw --force enable
must ufw route allow proto tcp from any to any port 8080
must until_seen open 5 "$O" http://192.0.2.1:8082/ 192.0.2.2
check "ufw disable" ufw disable
eventually dropped "disabled: UFW's allows no longer apply" "$O" http://192.0.2.1:8082/ 192.0.2.2
expect_open "disabled: the allowlist still admits" "$O" http://192.0.2.1:8085/ 192.0.2.2
expect_dropped "disabled: everything else stays closed" "$O" http://192.0.2.1:8085/ 192.0.2.3
expect_open "disabled: the host still gets 200" "$H" http://127.0.0.1:8082/
check "ufw enable" ufw --force enable
eventually open "enabled again: UFW's route allow applies" "$O" http://192.0.2.1:8082/ 192.0.2.2
summary
