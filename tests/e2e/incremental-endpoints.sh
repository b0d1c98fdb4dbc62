#!/bin/bash
# The incremental firewall path against the reference.  Publishes, revokes
# and endpoint changes reach `table inet guardnet` as element deltas, one
# small transaction each (spec/firewall-model.md, "One endpoint at a time");
# a restarted guardnetd rebuilds the table whole from the same state.  The
# two must be the same table.  Talks to guardnetd's socket as dockerd would.
#
#   [ host H: guardnetd, no dockerd ]
. "$(dirname "$0")/../lib.sh"
scenario incremental-endpoints bare_host

must drv_net a1 10.231.1.0/24 10.231.1.1/24 fd00:231:1::/64 fd00:231:1::1/64 '{"guardnet.allow":"192.0.2.0/28,2001:db8:1::/64"}'
must drv_net b2 10.231.2.0/24 10.231.2.1/24 "" "" '{"guardnet.publish":"127.0.0.1,192.0.2.1","guardnet.icc":"false"}'
must_read h0 nft_handle "$H"
must drv_ep a1 e1 10.231.1.11/24 fd00:231:1::11/64
must drv_pub a1 e1 "$(drv_pm 6 80 "" 8001)" "$(drv_pm 17 53 "" 8053)" "$(drv_pm 6 443 "" 8443)"
must drv_ep a1 e2 10.231.1.12/24 fd00:231:1::12/64 192.0.2.5/32,192.0.2.4/30,2001:db8:1::5/128
must drv_pub a1 e2 "$(drv_pm 6 80 "" 9000 9005)" "$(drv_pm 6 81 "" 0)"
must drv_ep b2 e3 10.231.2.13/24 ""
must drv_pub b2 e3 "$(drv_pm 6 80 "" 7001)" "$(drv_pm 17 5000 127.0.0.1 7002)"
must drv_ep a1 e4 10.231.1.14/24 fd00:231:1::14/64
must drv_pub a1 e4 "$(drv_pm 6 80 "" 8100)"
must drv_revoke a1 e4
must drv_pub a1 e4 "$(drv_pm 6 80 "" 8101)"
must drv_ep b2 e5 10.231.2.15/24 "" 198.51.100.0/24
must drv_pub b2 e5 "$(drv_pm 6 80 "" 8200)"
must drv_revoke b2 e5
must drv_leave b2 e5
must drv_delete b2 e5
must drv_ep a1 e6 10.231.1.16/24 fd00:231:1::16/64 203.0.113.7/32
must drv_ep a1 e7 10.231.1.17/24 ""
must drv_pub a1 e7 "$(drv_pm 6 80 "" 8300)"
must drv_pub a1 e7 "$(drv_pm 6 80 "" 8301)"
must drv_ep b2 e8 10.231.2.18/24 ""
must drv_pub b2 e8 "$(drv_pm 6 80 "" 8400)"
must drv_leave b2 e8
must drv_delete b2 e8

check "no rebuild since the networks: the table kept its handle $h0" test "$(nft_handle "$H")" = "$h0"
check "any4 and any6 hold e1's ports" nft_has "$H" map any4 ". 8443 : 10.231.1.11 . 443"
check "any6 holds e1's ports" nft_has "$H" map any6 ". 8053 : fd00:231:1::11 . 53"
check "pub4 holds e3's port on 192.0.2.1" nft_has "$H" map pub4 "192.0.2.1 . tcp . 7001"
check "pub4 holds e3's port on 127.0.0.1" nft_has "$H" map pub4 "127.0.0.1 . tcp . 7001"
check "e2's overlapping allow prefixes are one element" nft_has "$H" set "$(drv_epa 4 e2)" "192.0.2.4/30"
check "e2's address jumps to its chain" nft_has "$H" map epav4 "10.231.1.12 : jump $(drv_epa 4 e2)"
check "e2's IPv6 list is its own set" nft_has "$H" set "$(drv_epa 6 e2)" "2001:db8:1::5"
check "e6 (joined, not published) has its guardnet.allow" nft_has "$H" set "$(drv_epa 4 e6)" "203.0.113.7"
check "revoked then republished: 8101" nft_has "$H" map any4 8101
check "revoked then republished: not 8100" nft_lacks "$H" map any4 8100
check "programmed twice: 8301" nft_has "$H" map any4 8301
check "programmed twice: not 8300" nft_lacks "$H" map any4 8300
check "deleted e5 left no port" nft_lacks "$H" map any4 8200
check "deleted e5 left no element in epav4" nft_lacks "$H" map epav4 10.231.2.15
check "deleted e5 left no set of its own" nft_gone "$H" set "$(drv_epa 4 e5)"
check "deleted e5 left no chain of its own" nft_gone "$H" chain "$(drv_epa 4 e5)"
check "left without a revoke: e8's 8400 is gone" nft_lacks "$H" map any4 8400
same_as_rebuild "after 8 endpoints"
check "the restart rebuilt the table (new handle)" test "$(nft_handle "$H")" != "$h0"
summary
