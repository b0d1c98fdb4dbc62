#!/bin/bash
# guardnetctl check and UFW's tables, ip and ip6 guardnet, where UFW's rules
# decide for published ports.  With guardnetd: a deleted table ip guardnet
# is a difference, named, until guardnetd puts it back (the refusal shim,
# tests/tools/nfrefuse.c, keeps it from doing so until told), and a
# connection shows what the difference means (UFW's allow no longer admits:
# UFW's default deny decides).  Without guardnetd (the degraded check):
# both tables found whole, then a deleted table and a missing hooked chain
# named; table inet guardnet's comment is what says they belong, and a
# table it does not name is a difference too.
#
#   [ host H: dockerd, guardnetd + nfrefuse.so, ufw ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ctl-check-ufw testbed
require "gcc to build the LD_PRELOAD shim" command -v gcc

refuse=$GN_TMP/refuse-ip-table
must guardnetd_stop "$H"
must_read shim refuse_shim
GN_REFUSE_IP_TABLE=$refuse LD_PRELOAD=$shim must guardnetd_start "$H" "$DRV"
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.227.1.0/24 --subnet fd00:227:1::/64 n1
web be n1 -p 8080:80
must ufw --force enable
must ufw allow from 192.0.2.2 to any port 8080 proto tcp
eventually open "UFW's allow admits 192.0.2.2" "$O" http://192.0.2.1:8080/ 192.0.2.2
check "table inet guardnet's comment names tables ip and ip6 guardnet" \
	eval "in_ns '$H' nft list table inet guardnet | grep -q 'comment \"ufw-tables=ip,ip6\"'"

# ctl ARGS...: guardnetctl on $H; sets rc and out (both streams).
ctl() {
	out=$(in_ns "$H" timeout 30 "$GN_CTL" --socket "$GN_TMP/gn-$H/control.sock" --state-dir "$GN_TMP/gn-$H/state" \
		--timeout 2 "$@" 2>&1)
	rc=$?
}
ctl check
check "guardnetd's check, all there: exit 0 ($rc: $out)" test "$rc" -eq 0

: >"$refuse"
must in_ns "$H" nft delete table ip guardnet
must wait_until 5 grep -q "putting guardnet's rules back: " "$GN_TMP/gn-$H/guardnetd.log"
ctl check
check "table ip guardnet deleted, not put back: guardnetd's check exits 1 ($rc)" test "$rc" -eq 1
check "it names the table and what that means: $out" \
	grep -q "table ip guardnet is missing: UFW's rules do not decide for published ports" <<<"$out"
expect_dropped "without table ip guardnet, UFW's allow no longer admits 192.0.2.2" "$O" http://192.0.2.1:8080/ 192.0.2.2
rm "$refuse"
must ufw reload
eventually open "ufw reload: guardnetd builds its tables again and 192.0.2.2 is admitted" "$O" http://192.0.2.1:8080/ 192.0.2.2
ctl check
check "put back: guardnetd's check exits 0 again ($rc: $out)" test "$rc" -eq 0

# Without guardnetd (stopped: nothing heals).
kill -STOP "$(guardnetd_pid "$H")"
at_exit kill -CONT "$(guardnetd_pid "$H")"
ctl check
check "degraded check, all there: exit 3 ($rc)" test "$rc" -eq 3
for f in ip ip6; do
	check "degraded check: ok for table $f guardnet" grep -q \
		"^ok: table $f guardnet: UFW's rules, chains prerouting and forward on their hooks, ufw-input and ufw-route" <<<"$out"
done
check "degraded check: no drift ($(grep '^drift' <<<"$out" | tr '\n' ' '))" eval "! grep -q '^drift' <<<\"\$out\""
must in_ns "$H" nft delete table ip6 guardnet
must in_ns "$H" nft flush chain ip guardnet prerouting
must in_ns "$H" nft delete chain ip guardnet prerouting
ctl check
check "degraded check, two pieces gone: exit 1 ($rc)" test "$rc" -eq 1
check "it names the missing table ip6 guardnet" grep -q "^drift: table ip6 guardnet is missing: UFW's rules do not decide" <<<"$out"
check "it names the missing base chain" \
	grep -q "^drift: table ip guardnet: base chain prerouting is missing or not on its hook" <<<"$out"

# The reader on its own, in a bare namespace: a network's bridge, a table
# inet guardnet that names no UFW table, and a table ip guardnet.
B=${GN_TAG}b
must netns_add "$B"
must ip -n "$B" link add "${GN_TAG}br" type bridge
must ip -n "$B" link set "${GN_TAG}br" alias "guardnet:$(printf 'b%.0s' {1..64})"
must in_ns "$B" nft add table inet guardnet
must in_ns "$B" nft add table ip guardnet
out=$(in_ns "$B" timeout 30 "$GN_CTL" --socket "$GN_TMP/none.sock" --state-dir "$GN_TMP/none" check 2>&1)
check "a table ip guardnet that table inet guardnet does not name is a difference" \
	grep -q '^drift: table ip guardnet is there, but table inet guardnet does not name it' <<<"$out"
summary
