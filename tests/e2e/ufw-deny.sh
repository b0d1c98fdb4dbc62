#!/bin/bash
# The seed scenario with Debian's ufw enabled in the test host on its own
# /etc/ufw: `ufw deny 8080` keeps the outside out and the host in; an allow
# inserted first admits that source only, and deleting it closes again.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-deny testbed

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.222.1.0/24 --subnet fd00:222:1::/64 n1
web be n1 -p 8080:80
check "ufw --force enable" ufw --force enable
check "ufw deny 8080" ufw deny 8080
expect_open "deny 8080: the host still gets 200" "$H" http://127.0.0.1:8080/
eventually dropped "deny 8080: outside blocked" "$O" http://192.0.2.1:8080/ 192.0.2.2
check "ufw insert 1 allow from 192.0.2.2 to any port 8080" ufw insert 1 allow from 192.0.2.2 to any port 8080
eventually open "allow from 192.0.2.2: admitted" "$O" http://192.0.2.1:8080/ 192.0.2.2
expect_dropped "allow from 192.0.2.2: 192.0.2.3 still blocked" "$O" http://192.0.2.1:8080/ 192.0.2.3
check "ufw delete allow from 192.0.2.2" ufw delete allow from 192.0.2.2 to any port 8080
eventually dropped "after the delete: 192.0.2.2 blocked again" "$O" http://192.0.2.1:8080/ 192.0.2.2
summary
