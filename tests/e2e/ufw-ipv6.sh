#!/bin/bash
# UFW's IPv6 rules (user6.rules) decide for IPv6 sources as user.rules do
# for IPv4: an allow admits that source, UFW's default deny drops another.
#
#   [ host H: dockerd, guardnetd, ufw ] 2001:db8:1::1 --veth-- 2001:db8:1::2, ::3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-ipv6 testbed

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.222.1.0/24 --subnet fd00:222:1::/64 n1
web be n1 -p 8080:80
must ufw --force enable
check "ufw prepend allow from 2001:db8:1::2 to any port 8080" ufw prepend allow from 2001:db8:1::2 to any port 8080
eventually open "IPv6 allow: 2001:db8:1::2 admitted" "$O" 'http://[2001:db8:1::1]:8080/' 2001:db8:1::2
expect_dropped "IPv6 allow: 2001:db8:1::3 blocked" "$O" 'http://[2001:db8:1::1]:8080/' 2001:db8:1::3
summary
