#!/bin/bash
# guardnetd listens to nf_tables' change events to put its rules back when
# another program touches them.  Its own rebuild of a table of a few hundred
# networks sends more events than the socket holds, and the lost events
# (ENOBUFS) were taken for another program's: it rebuilt for ever (1,700
# rebuilds while 1,000 networks were made).  Its own events now never reach
# the socket (a socket filter drops them in the kernel, fw-nft-events.c),
# and lost events are counted against what it left: no rebuild while only
# guardnetd writes, and still one when another program deletes the table
# (the positive control).
#
#   [ host H: guardnetd, no dockerd ]
. "$(dirname "$0")/../lib.sh"
scenario incremental-own-events bare_host

NETS=300
heals() { grep -c "changed by another program; put back" "$GN_TMP/gn-$H/guardnetd.log"; }
for i in $(seq 0 $((NETS - 1))); do
	s=10.$((200 + i / 256)).$((i % 256))
	drv_net "$(printf 'b%03x' "$i")" "$s.0/24" "$s.1/24" "" "" '{}' || { fail "network $i of $NETS refused"; break; }
done
check "$NETS networks in the table" test "$(in_ns "$H" nft list set inet guardnet bridges | grep -o 'gn-' | wc -l)" -eq "$NETS"
check "no rebuild for guardnet's own events (got $(heals))" test "$(heals)" -eq 0
must in_ns "$H" nft delete table inet guardnet
check "another program deleting the table: guardnetd puts it back" wait_until 10 nft_has "$H" set bridges "gn-"
healed() { [ "$(heals)" -ge 1 ]; }
# The log line follows the table put back: polled, not read once.
check "and says so" wait_until 10 healed
summary
