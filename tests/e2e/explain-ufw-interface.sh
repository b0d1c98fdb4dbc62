#!/bin/bash
# explain and interface-qualified UFW rules: a rule on another interface
# does not match, one on the ingress interface does, and explain takes the
# ingress interface from the route to the source.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 (Hx) --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario explain-ufw-interface testbed

must dk "$H" network create -d "$DRV" --subnet 10.223.1.0/24 n1
web ifc n1 -p 8086:80
must reachable "$H" http://127.0.0.1:8086/
must ufw --force enable
check "ufw allow in on nosuch0 to any port 8086" ufw allow in on nosuch0 to any port 8086
agree drop outside 192.0.2.2 192.0.2.1 8086 http://192.0.2.1:8086/
check "ufw allow in on ${H:0:7}x to any port 8086" ufw allow in on "${H:0:7}x" to any port 8086
agree accept outside 192.0.2.2 192.0.2.1 8086 http://192.0.2.1:8086/
check "explain takes the ingress interface from the route to the source" \
	test "$(explain 192.0.2.2 192.0.2.1 8086 | json_field in)" = "${H:0:7}x"
summary
