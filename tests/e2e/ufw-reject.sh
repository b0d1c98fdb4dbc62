#!/bin/bash
# `ufw reject` answers at once, as for a host service: the client is
# refused (curl exit 7), it does not wait for a timeout.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-reject testbed

must dk "$H" network create -d "$DRV" --subnet 10.222.1.0/24 n1
web rj n1 -p 8081:80
must ufw --force enable
expect_open "the host gets 200 from 8081" "$H" http://127.0.0.1:8081/
check "ufw reject 8081" ufw reject 8081
eventually refused "reject: refused, not timed out" "$O" http://192.0.2.1:8081/
summary
