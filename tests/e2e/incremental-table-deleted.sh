#!/bin/bash
# Another program deleted guardnet's table: the next change (or the heal
# that races it) rebuilds it whole, and nothing is lost.
#
#   [ host H: guardnetd, no dockerd ]
. "$(dirname "$0")/../lib.sh"
scenario incremental-table-deleted bare_host

must drv_net a1 10.231.1.0/24 10.231.1.1/24 fd00:231:1::/64 fd00:231:1::1/64 '{"guardnet.allow":"192.0.2.0/28"}'
must drv_ep a1 e9 10.231.1.19/24 fd00:231:1::19/64 192.0.2.9/32
must drv_pub a1 e9 "$(drv_pm 6 80 "" 8900)"
must drv_ep a1 e10 10.231.1.20/24 ""
must drv_pub a1 e10 "$(drv_pm 6 80 "" 7778)"
must in_ns "$H" nft delete table inet guardnet
must drv_pub a1 e9 "$(drv_pm 6 80 "" 8901)"
check "the table is back with the new publish" wait_until 5 nft_has "$H" map any4 8901
check "and with what was there before" nft_has "$H" map any4 7778
same_as_rebuild "after the table was deleted"
summary
