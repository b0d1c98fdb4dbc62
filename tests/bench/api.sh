#!/bin/bash
# Figure 6, API: every call of the plugin protocol from 16 concurrent
# clients, each on a kept-alive connection to guardnetd's socket
# (tools/apiload.c); requests per second and p99 latency per method.  The
# calls that change state do their whole work (veth pairs, bridges, the
# firewall, the state files); no dockerd is involved.
#
#   usage: bash tests/bench/api.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 3 1)
CLIENTS=16
PER_CLIENT=$(pick 20 2)
testbed || exit 1
machine "$H"
tool apiload || exit 1
all=""
for i in $(seq "$ROUNDS"); do
	out=$("$GN_TMP/apiload" "$(plugin_sock "$DRV")" "$CLIENTS" "$PER_CLIENT")
	check "round $i: every reply as expected" test $? -eq 0
	say "round $i:" "$out"
	all+="$out"$'\n'
done
for m in $(awk '/ n=/ && !seen[$1]++ { print $1 }' <<<"$all"); do
	rows=$(grep "^$m " <<<"$all")
	rps=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$rows")
	p99=$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<<"$rows")
	result api "$m, $CLIENTS clients, requests/s" "-" "$rps" "p99 ms" "$p99"
done
summary bench_api
