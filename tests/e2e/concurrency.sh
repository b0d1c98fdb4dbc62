#!/bin/bash
# Concurrency: 20 `docker run -d -p ...` at once on one guardnet network,
# each publishing a fixed TCP port, a TCP and a UDP port with HostPort 0.
# All start, no two share an interface name or a host port, and nothing is
# half-applied: each answers on every port from the host, guardnetd and the
# kernel agree with Docker (tests/e2e/consistency.py).  Then 6 runs at once
# that all ask for the same host port: one wins, the others fail cleanly and
# leave nothing behind; and 20 removals at once leave nothing at all.
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

N=20
testbed || exit 1
STATE=$GN_TMP/gn-$H/state
dkt() { timeout 300 docker -H "unix://$GN_TMP/docker-$H/docker.sock" "$@"; }
consistent() {
	python3 "$GN_ROOT/tests/e2e/consistency.py" --ns "$H" --outside "$O" --driver "$DRV" \
		--docker "unix://$GN_TMP/docker-$H/docker.sock" --state "$STATE" --ctl "$GN_ROOT/build/guardnetctl" \
		--control "$GN_TMP/gn-$H/control.sock" --udp "$GN_TMP/udp" "$@"
}
server=(gnbox sh -c 'udp serve 5353 & exec httpd -f -p 80 -h /www')
# parallel PREFIX COUNT ARGS...: COUNT `docker run -d --name PREFIXi ARGS...`
# at once; ARGS may say %i for i.  Leaves each exit code in $GN_TMP/PREFIXi.rc.
parallel() {
	local prefix=$1 count=$2 i pids=()
	shift 2
	for ((i = 1; i <= count; i++)); do
		(dkt run -d --name "$prefix$i" "${@//%i/$i}" >"$GN_TMP/$prefix$i.out" 2>&1
		 echo $? >"$GN_TMP/$prefix$i.rc") &
		pids+=($!)
	done
	wait "${pids[@]}"
}
status() { "$GN_ROOT/build/guardnetctl" --socket "$GN_TMP/gn-$H/control.sock" --no-docker --json status; }

dkt network create -d "$DRV" --ipv6 --subnet 10.223.0.0/24 --subnet fd00:223::/64 pn >/dev/null

parallel p "$N" --network pn -p "210%i:80" -p 80 -p 5353/udp "${server[@]}"
bad=$(for ((i = 1; i <= N; i++)); do [ "$(cat "$GN_TMP/p$i.rc")" = 0 ] || echo "p$i: $(cat "$GN_TMP/p$i.out")"; done)
check "$N parallel runs all succeed${bad:+: $bad}" test -z "$bad"
check "$N containers running" test "$(dkt ps -q -f name='^p[0-9]+$' | wc -l)" -eq "$N"
check "$N endpoints, $N distinct interface names" \
	test "$(ip -n "$H" -o link show | grep -oE 'gnh[0-9a-f]{12}' | sort -u | wc -l)" -eq "$N"
pubs=$(status | python3 -c 'import json,sys
for n in json.load(sys.stdin)["networks"]:
    for e in n["endpoints"]:
        for p in e["published"]:
            print(p["docker"].split("->")[0] + "/" + p["proto"])')
check "$((N * 6)) published ports (3 per family per container)" test "$(wc -l <<<"$pubs")" -eq $((N * 6))
check "no host port published twice" test -z "$(sort <<<"$pubs" | uniq -d)"
check "$N at once: guardnetd, kernel and Docker agree, every port answers the host only" consistent --reach

# Six at once for one host port: exactly one gets it.
parallel q 6 --network pn -p 21100:80 "${server[@]}"
won=$(for i in 1 2 3 4 5 6; do [ "$(cat "$GN_TMP/q$i.rc")" = 0 ] && echo "q$i"; done)
check "one of six runs for host port 21100 wins (won: ${won//$'\n'/ })" test "$(wc -w <<<"$won")" -eq 1
lost=$(for i in 1 2 3 4 5 6; do [ "q$i" = "$won" ] || cat "$GN_TMP/q$i.out"; done)
check "the others are told the port is taken" \
	test "$(grep -c 'host port 21100/tcp on 0.0.0.0 is already published by endpoint' <<<"$lost")" -eq 5
for i in 1 2 3 4 5 6; do [ "q$i" = "$won" ] || dkt rm -f "q$i" >/dev/null 2>&1; done
check "the losers left nothing behind" consistent --reach

# Everything removed at once.
pids=()
for c in $(dkt ps -aq); do dkt rm -f "$c" >/dev/null & pids+=($!); done
wait "${pids[@]}"
check "$((N + 1)) removals at once: no endpoint, port or link left" consistent
check "no endpoint state left" test -z "$(find "$STATE/endpoints" -type f)"
check "no veth left" test -z "$(ip -n "$H" -o link show | grep -E 'gn[hc][0-9a-f]{12}')"
dkt network rm pn >/dev/null
check "network rm: nothing left" consistent

[ "$GN_FAILED" -gt 0 ] && { say "--- guardnetd log"; grep -v 'debug:' "$GN_TMP/gn-$H/guardnetd.log" | tail -30; }
summary concurrency
