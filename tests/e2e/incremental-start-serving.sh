#!/bin/bash
# A restarted guardnetd answers Docker's handshake while it still checks
# the kernel against its state (issue 17, point 3), and acts on nothing
# else until the check is done: on a host of 1,000 networks (the check
# takes long enough to watch), Activate is answered before the log says
# "kernel state checked", and a CreateNetwork sent right after it is
# answered only after that line, and works.  Before this, Activate itself
# waited for the check.
#
#   [ host H: guardnetd, no dockerd; S: the containers' ends ]
. "$(dirname "$0")/../lib.sh"
scenario incremental-start-serving bare_host

NETS=1000
S=${GN_TAG}s
FLEET=$GN_ROOT/tests/bench/tools/fleet.py
log=$GN_TMP/gn-$H/guardnetd.log
must netns_add "$S"
must python3 "$FLEET" fill "$(plugin_sock "$DRV")" "$H" "$S" "$NETS" 1 1
must guardnetd_stop "$H"
out=$GN_TMP/startcheck
python3 "$FLEET" startcheck "$(plugin_sock "$DRV")" "$H" "$S" "$log" "$NETS" >"$out" 2>&1 &
probe=$!
check "the watcher is ready before guardnetd starts" wait_until 30 grep -q '^watching' "$out"
must guardnetd_start "$H" "$DRV"
wait "$probe"
r=$(cat "$out")
say "$r"
field() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$r"; }
check "Activate answered while the kernel was still being checked" test "$(field activate_after_check)" = 0
check "... a CreateNetwork sent then, before the check was done" test "$(field create_sent_after_check)" = 0
check "... answered only once it was done" test "$(field create_answered_after_check)" = 1
check "... and the network is made: its bridge" in_ns "$H" ip link show "gn-$(printf '%08x' $((0x5ca10000 + NETS)))ffff"
out=$(gnctl check)
check "check: the kernel matches ($out)" test "$out" = "kernel matches guardnetd's state"
summary
