#!/bin/bash
# From a table a restarted guardnetd rebuilt: a revoke, a delete without a
# revoke and more publishes are still element deltas (no rebuild), and the
# result is still what a rebuild makes.
#
#   [ host H: guardnetd, no dockerd ]
. "$(dirname "$0")/../lib.sh"
scenario incremental-deletes bare_host

must drv_net a1 10.231.1.0/24 10.231.1.1/24 fd00:231:1::/64 fd00:231:1::1/64 '{"guardnet.allow":"192.0.2.0/28,2001:db8:1::/64"}'
must drv_ep a1 e1 10.231.1.11/24 fd00:231:1::11/64
must drv_pub a1 e1 "$(drv_pm 6 80 "" 8001)" "$(drv_pm 17 53 "" 8053)"
must drv_ep a1 e2 10.231.1.12/24 fd00:231:1::12/64 192.0.2.5/32,192.0.2.4/30,2001:db8:1::5/128
must drv_pub a1 e2 "$(drv_pm 6 80 "" 9000 9005)" "$(drv_pm 6 81 "" 0)"
must drv_ep a1 e6 10.231.1.16/24 fd00:231:1::16/64 203.0.113.7/32
must guardnetd_stop "$H"
must guardnetd_start "$H" "$DRV"
must_read h1 nft_handle "$H"
must drv_revoke a1 e1
must drv_delete a1 e2
must drv_pub a1 e6 "$(drv_pm 6 80 "" 8600)" "$(drv_pm 132 90 "" 8601)"
must drv_ep a1 e9 10.231.1.19/24 fd00:231:1::19/64 192.0.2.9/32
must drv_pub a1 e9 "$(drv_pm 6 80 "" 8900)"
check "still no rebuild" test "$(nft_handle "$H")" = "$h1"
check "e2's guardnet.allow went with it (map element)" nft_lacks "$H" map epav4 10.231.1.12
check "e2's guardnet.allow went with it (set)" nft_gone "$H" set "$(drv_epa 4 e2)"
check "e2's guardnet.allow went with it (chain)" nft_gone "$H" chain "$(drv_epa 6 e2)"
same_as_rebuild "after deletes"
summary
