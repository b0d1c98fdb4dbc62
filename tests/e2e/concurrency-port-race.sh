#!/bin/bash
# Six `docker run -p 21100:80` at once on one guardnet network: exactly one
# gets the host port, the others are told it is taken, and the losers leave
# nothing behind (tests/e2e/consistency.py).
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario concurrency-port-race testbed
DKT_TIMEOUT=300
server=(gnbox sh -c 'udp serve 5353 & exec httpd -f -p 80 -h /www')

must dkt network create -d "$DRV" --ipv6 --subnet 10.223.0.0/24 --subnet fd00:223::/64 pn
parallel_runs q 6 --network pn -p 21100:80 "${server[@]}"
won=$(for i in 1 2 3 4 5 6; do [ "$(cat "$GN_TMP/q$i.rc")" = 0 ] && echo "q$i"; done)
check "one of six runs for host port 21100 wins (won: ${won//$'\n'/ })" test "$(wc -w <<<"$won")" -eq 1
lost=$(for i in 1 2 3 4 5 6; do [ "q$i" = "$won" ] || cat "$GN_TMP/q$i.out"; done)
check "the others are told the port is taken" \
	test "$(grep -c 'host port 21100/tcp on 0.0.0.0 is already published by endpoint' <<<"$lost")" -eq 5
for i in 1 2 3 4 5 6; do [ "q$i" = "$won" ] || dkt rm -f "q$i" >/dev/null 2>&1; done
check "the losers left nothing behind" consistent --reach
summary
