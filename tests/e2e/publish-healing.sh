#!/bin/bash
# Healing: whatever removes guardnet's rules (iptables -F DOCKER-USER, nft
# delete table, nft flush chain), they come back at once, and what was
# blocked stays blocked.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario publish-healing testbed

must dk "$H" network create -d "$DRV" --subnet 10.221.2.0/24 -o guardnet.allow=192.0.2.2/32 n2
web be2 n2 -p 8081:80
must reachable "$O" http://192.0.2.1:8081/ 192.0.2.2
hook_back() { in_ns "$H" iptables -S DOCKER-USER | grep -q -- '--comment guardnet -j ACCEPT'; }
forward_back() { in_ns "$H" nft list chain inet guardnet forward | grep -q 'oifname @bridges goto pub'; }

must in_ns "$H" iptables -F DOCKER-USER
check "iptables -F DOCKER-USER: the accept rule is back" wait_until 2 hook_back
expect_open "after the flush: allowed traffic flows" "$O" http://192.0.2.1:8081/ 192.0.2.2
must in_ns "$H" nft delete table inet guardnet
check "nft delete table inet guardnet: the table is back" wait_until 2 in_ns "$H" nft list map inet guardnet any4
expect_dropped "after the delete: 192.0.2.3 still blocked" "$O" http://192.0.2.1:8081/ 192.0.2.3
expect_open "after the delete: 192.0.2.2 gets 200" "$O" http://192.0.2.1:8081/ 192.0.2.2
must in_ns "$H" nft flush chain inet guardnet forward
check "nft flush chain forward: the rules are back" wait_until 2 forward_back
expect_dropped "after the flush: 192.0.2.3 still blocked" "$O" http://192.0.2.1:8081/ 192.0.2.3
summary
