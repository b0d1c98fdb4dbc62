#!/bin/bash
# Interface-qualified UFW rules match the interface the connection came in
# on: `allow in on nosuch0` does not open the port, `allow in on` the
# outside link does.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 (Hx) --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-interface testbed

must dk "$H" network create -d "$DRV" --subnet 10.222.1.0/24 n1
web ifc n1 -p 8083:80
must ufw --force enable
expect_open "the host gets 200 from 8083" "$H" http://127.0.0.1:8083/
check "ufw allow in on nosuch0 to any port 8083" ufw allow in on nosuch0 to any port 8083
eventually dropped "a rule on another interface does not match" "$O" http://192.0.2.1:8083/ 192.0.2.2
check "ufw allow in on ${H:0:7}x to any port 8083" ufw allow in on "${H:0:7}x" to any port 8083
eventually open "a rule on the ingress interface matches" "$O" http://192.0.2.1:8083/ 192.0.2.2
summary
