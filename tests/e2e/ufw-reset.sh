#!/bin/bash
# `ufw reset`: UFW's rules are gone (and UFW disabled), so the port an
# allow rule opened closes again; guardnet.allow still admits and
# everything else stays closed.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-reset testbed

must dk "$H" network create -d "$DRV" --subnet 10.222.1.0/24 n1
must dk "$H" network create -d "$DRV" --subnet 10.222.2.0/24 -o guardnet.allow=192.0.2.2/32 n2
web be n1 -p 8082:80
web al n2 -p 8085:80
must ufw --force enable
must ufw allow from 192.0.2.3 to any port 8082
must until_seen open 5 "$O" http://192.0.2.1:8082/ 192.0.2.3
check "ufw reset" ufw --force reset
eventually dropped "reset: UFW's rules are gone" "$O" http://192.0.2.1:8082/ 192.0.2.3
expect_open "reset: the allowlist still admits" "$O" http://192.0.2.1:8085/ 192.0.2.2
expect_dropped "reset: everything else stays closed" "$O" http://192.0.2.1:8085/ 192.0.2.3
summary
