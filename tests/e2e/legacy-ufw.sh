#!/bin/bash
# Docker and UFW both on legacy iptables: UFW's rules decide as on nf_tables
# hosts (an allow admits, a deny inserted first drops, guardnet.allow still
# admits), and after `ufw reload` guardnet's accept rule is still there.
#
#   [ host H: dockerd and ufw on iptables-legacy, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario legacy-ufw testbed legacy
legacy() { in_ns "$H" iptables-legacy "$@"; }
hook() { legacy -S DOCKER-USER | grep -q -- '-m mark --mark 0x4e47/0x4e47 -m comment --comment guardnet -j ACCEPT'; }

must dk "$H" network create -d "$DRV" --subnet 10.224.1.0/24 -o guardnet.allow=192.0.2.2/32 n1
web be n1 -p 8080:80
export UFW_LEGACY=1
check "ufw enable (on legacy iptables)" ufw --force enable
check "UFW's chains are in legacy iptables" quiet legacy -S ufw-user-input
check "ufw allow from 192.0.2.3 to any port 8080" ufw allow from 192.0.2.3 to any port 8080
eventually open "UFW allow: 192.0.2.3 admitted" "$O" http://192.0.2.1:8080/ 192.0.2.3
expect_open "UFW on: 192.0.2.2 still admitted by guardnet.allow" "$O" http://192.0.2.1:8080/ 192.0.2.2
check "ufw deny from 192.0.2.2" ufw insert 1 deny from 192.0.2.2
eventually dropped "UFW deny comes first: 192.0.2.2 blocked" "$O" http://192.0.2.1:8080/ 192.0.2.2
check "ufw reload (legacy)" ufw reload
check "after ufw reload: the accept rule is still there" wait_until 6 hook
expect_open "after ufw reload: 192.0.2.3 admitted" "$O" http://192.0.2.1:8080/ 192.0.2.3
summary
