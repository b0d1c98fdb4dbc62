#!/bin/bash
# Hostile clients on the plugin socket: 1,000 idle connections, a client
# sending its body a byte at a time (slowloris), one sending its headers so,
# and a 100 KB header must not keep Docker out: network create, run -p and
# rm succeed, each within a deadline far below guardnetd's idle timeout,
# while they are all open (tests/e2e/hostile.py).  guardnetd started with
# systemd's usual soft limit of 1,024 descriptors raises it to the hard
# one, or it could not hold 1,000 clients.
#
#   [ host H: dockerd, guardnetd <- hostile.py ]
. "$(dirname "$0")/../lib.sh"
scenario hostile-clients testbed
at_exit 'touch "$GN_TMP/check"'
OUT=$GN_TMP/hostile.out
# Docker's own calls must not wait for hostile clients to time out (30 s).
DKT_TIMEOUT=20
saw() { grep -qxE "$1" "$OUT"; }

must guardnetd_stop "$H"
hard=$(ulimit -Hn)
ulimit -Sn 1024
must guardnetd_start "$H" "$DRV"
ulimit -Sn "$hard"
check "guardnetd raised its descriptor limit from 1024 to $hard" \
	test "$(awk '/^Max open files/ {print $4}' /proc/"$(guardnetd_pid "$H")"/limits)" = "$hard"

python3 "$GN_ROOT/tests/e2e/hostile.py" "$(plugin_sock "$DRV")" 1000 "$GN_TMP/check" 60 >"$OUT" 2>&1 &
helper=$!
GN_PIDS+=($helper)
must wait_until 60 saw ready
check "1,000 idle connections open ($(grep '^idle connections:' "$OUT"))" saw 'idle connections: 1000'
check "a 100 KB header is refused with 431 or a closed connection ($(grep '^oversized' "$OUT"))" \
	saw 'oversized header: status (431|0)'
out=$(dkt network create -d "$DRV" --ipv6 --subnet 10.224.0.0/24 --subnet fd00:224::/64 hn 2>&1)
check "meanwhile docker network create succeeds: $out" test $? -eq 0
out=$(dkt run -d --name h1 --network hn -p 8080:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "meanwhile docker run -p 8080:80 succeeds: $out" test $? -eq 0
expect_open "meanwhile the published port answers the host" "$H" http://127.0.0.1:8080/
out=$(dkt rm -f h1 2>&1)
check "meanwhile docker rm -f succeeds: $out" test $? -eq 0
touch "$GN_TMP/check"
must wait_until 90 pid_gone "$helper"
check "the idle connections were kept, not dropped, meanwhile" saw 'idle connections still open: 1000'
check "and each still gets an answer" saw 'idle connections answered: 1000'
check "the slow body is cut off" saw 'slow body: closed by the server'
say "  $(grep '^slow headers' "$OUT")"
[ "$GN_FAILED" -eq 0 ] || cat "$OUT"
summary
