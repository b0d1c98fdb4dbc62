#!/bin/bash
# guardnetd killed with SIGKILL: its rules stay, so the blocked stay blocked
# and the allowed keep working; started again, it rebuilds the very same
# table.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario publish-crash testbed

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.221.2.0/24 --subnet fd00:221:2::/64 \
	-o guardnet.allow=192.0.2.2/32,2001:db8:1::2/128 n2
web be2 n2 -p 8081:80
must reachable "$O" http://192.0.2.1:8081/ 192.0.2.2
must guardnetd_stop "$H" KILL
expect_dropped "after SIGKILL: 192.0.2.3 still blocked" "$O" http://192.0.2.1:8081/ 192.0.2.3
expect_open "after SIGKILL: 192.0.2.2 still gets 200" "$O" http://192.0.2.1:8081/ 192.0.2.2
nft_dump "$H" >"$GN_TMP/before.nft"
must guardnetd_start "$H" "$DRV"
expect_dropped "after restart: 192.0.2.3 still blocked" "$O" http://192.0.2.1:8081/ 192.0.2.3
expect_open "after restart: 192.0.2.2 still gets 200" "$O" http://192.0.2.1:8081/ 192.0.2.2
expect_same "after restart: the same ruleset" "$GN_TMP/before.nft" nft_dump "$H"
summary
