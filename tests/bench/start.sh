#!/bin/bash
# Figure 1, container start: `docker run -d` with 4 published ports, timed
# until every port answers an HTTP GET from the host namespace, on a
# guardnet network and on a Docker bridge network of the same dockerd.
# Each round starts one container on each (in alternating order) and removes
# them again; the figure is guardnet's time over the bridge's.  The clock
# stops when `docker run -d` has returned and all 4 ports answer
# (tools/probe.c starts asking once docker run has returned).
#
#   usage: bash tests/bench/start.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 10 2)
testbed || exit 1
machine "$H"
tool probe || exit 1
dk "$H" network create -d "$DRV" --subnet 10.231.1.0/24 gnet >/dev/null
dk "$H" network create -d bridge --subnet 10.231.2.0/24 bnet >/dev/null

# start_ms NETWORK PORT: ms from `docker run -d` until ports PORT..PORT+3
# on 192.0.2.1 answer; the container is removed afterwards.
start_ms() {
	local net=$1 p=$2 out
	out=$(in_ns "$H" "$GN_TMP/probe" http 60000 192.0.2.1 "$p" $((p + 1)) $((p + 2)) $((p + 3)) -- \
		docker -H "unix://$GN_TMP/docker-$H/docker.sock" run -d --name "s-$net" --network "$net" \
		-p "$p:80" -p $((p + 1)):81 -p $((p + 2)):82 -p $((p + 3)):83 gnbox \
		sh -c 'for p in 81 82 83; do httpd -p $p -h /www; done; exec httpd -f -p 80 -h /www')
	dk "$H" rm -f "s-$net" >/dev/null
	field ready_ms "$out"
}

# A first start of each, not counted: the image and dockerd warm up.
start_ms gnet 8100 >/dev/null
start_ms bnet 8200 >/dev/null
g=() b=() r=()
for i in $(seq "$ROUNDS"); do
	if [ $((i % 2)) = 1 ]; then
		tg=$(start_ms gnet 8100) tb=$(start_ms bnet 8200)
	else
		tb=$(start_ms bnet 8200) tg=$(start_ms gnet 8100)
	fi
	say "round $i: guardnet $tg ms, bridge $tb ms"
	[ -n "$tg" ] && [ -n "$tb" ] || continue
	g+=("$tg") b+=("$tb") r+=("$(ratio "$tg" "$tb")")
done
check "$ROUNDS rounds measured" test "${#r[@]}" -eq "$ROUNDS"
result start "container start, 4 ports, guardnet/bridge" "<=0.9" "${r[*]}" "guardnet ms" "${g[*]}" "bridge ms" "${b[*]}"
summary bench_start
