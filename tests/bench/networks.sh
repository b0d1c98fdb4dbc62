#!/bin/bash
# Figure 7, networks (issue 17): `docker network create` + `docker network
# rm` of one network (through dockerd's API, tools/dockernets.py) on a
# dockerd that holds LARGE guardnet and LARGE bridge networks, against one
# that holds SMALL of each; guardnet's and Docker's bridge driver's samples
# rotate over the two dockerds.  Figures: guardnet at LARGE over guardnet at
# SMALL, and guardnet over the bridge driver at LARGE.  Then guardnet's own
# part alone: CreateNetwork + DeleteNetwork through its plugin API
# (tools/fleet.py netcost, no dockerd) on a host with LARGE networks against
# one with SMALL, samples in alternation; dockerd's own cost also grows with
# its number of networks (the bridge driver's figures show how much).
#
#   usage: bash tests/bench/networks.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 5 1)
SAMPLES=$(pick 20 2)
SMALL=$(pick 10 2)
LARGE=$(pick 1000 10)
S=${GN_TAG}s L=${GN_TAG}l
for h in "$S" "$L"; do
	netns_add "$h"
	dockerd_start "$h" || exit 1
	guardnetd_start "$h" "${GN_TAG}d$h" || exit 1
done
machine "$S"
sock() { echo "$GN_TMP/docker-$1/docker.sock"; }
for h in "$S" "$L"; do
	n=$SMALL
	[ "$h" = "$L" ] && n=$LARGE
	say "$(python3 "$BENCH_DIR/tools/dockernets.py" fill "$(sock "$h")" "${GN_TAG}d$h" 160 0 "$n")"
	say "$(python3 "$BENCH_DIR/tools/dockernets.py" fill "$(sock "$h")" bridge 192 0 "$n")"
done
check "$LARGE guardnet and $LARGE bridge networks" \
	test "$(dk "$L" network ls -q --filter driver="${GN_TAG}d$L" | wc -l)/$(dk "$L" network ls -q --filter driver=bridge | wc -l)" = "$LARGE/$((LARGE + 1))"
out=$(python3 "$BENCH_DIR/tools/dockernets.py" cost "$ROUNDS" "$SAMPLES" "gs:$(sock "$S"):${GN_TAG}d$S:160" \
	"gl:$(sock "$L"):${GN_TAG}d$L:160" "bs:$(sock "$S"):bridge:192" "bl:$(sock "$L"):bridge:192")
say "$out"
col() { values "$1" "$2" "$out"; }
check "$ROUNDS rounds measured" test "$(grep -c '^round=' <<<"$out")" -eq $((4 * ROUNDS))
result networks "create + rm, guardnet at $LARGE / at $SMALL networks, p50" "<=1.2" "$(divide "$(col p50_ms gl)" "$(col p50_ms gs)")" \
	"guardnet ms at $SMALL" "$(col p50_ms gs)" "guardnet ms at $LARGE" "$(col p50_ms gl)" \
	"create ms at $LARGE" "$(col create_p50_ms gl)" "rm ms at $LARGE" "$(col rm_p50_ms gl)" \
	"p99 ms at $LARGE" "$(col p99_ms gl)"
result networks "create + rm at $LARGE networks, guardnet / bridge, p50" "<=1.0" "$(divide "$(col p50_ms gl)" "$(col p50_ms bl)")" \
	"bridge ms at $SMALL" "$(col p50_ms bs)" "bridge ms at $LARGE" "$(col p50_ms bl)" \
	"bridge create ms at $LARGE" "$(col create_p50_ms bl)" "bridge rm ms at $LARGE" "$(col rm_p50_ms bl)"
# guardnet alone: the same two counts on plugin hosts (namespaces of their
# own: nf_tables and routing tables are per namespace).
PS=${GN_TAG}ps PL=${GN_TAG}pl
plugin_host "$PS" "${GN_TAG}dps" && plugin_host "$PL" "${GN_TAG}dpl" || exit 1
say "$(python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}dps")" "$PS" "${PS}s" "$SMALL" 0 0)"
say "$(python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}dpl")" "$PL" "${PL}s" "$LARGE" 0 0)"
own=$(python3 "$BENCH_DIR/tools/fleet.py" netcost "$ROUNDS" "$SAMPLES" 5000 "$(fleet_host ps "$PS" "${GN_TAG}dps")" \
	"$(fleet_host pl "$PL" "${GN_TAG}dpl")")
say "$own"
result networks "guardnet alone (plugin API): CreateNetwork + DeleteNetwork at $LARGE / at $SMALL, p50" "<=1.2" \
	"$(divide "$(values p50_ms pl "$own")" "$(values p50_ms ps "$own")")" \
	"ms at $SMALL" "$(values p50_ms ps "$own")" "ms at $LARGE" "$(values p50_ms pl "$own")" \
	"CreateNetwork ms at $SMALL" "$(values create_p50_ms ps "$own")" "at $LARGE" "$(values create_p50_ms pl "$own")" \
	"DeleteNetwork ms at $SMALL" "$(values delete_p50_ms ps "$own")" "at $LARGE" "$(values delete_p50_ms pl "$own")"
# The same with a guardnet.allow on every network: such a network has a
# chain of its own (its list's set), and a transaction that adds a jump
# to a chain has the kernel check every chain the jump reaches.
ALLOW=192.0.2.0/24,198.51.100.7/32
PAS=${GN_TAG}pas PAL=${GN_TAG}pal
plugin_host "$PAS" "${GN_TAG}dpas" && plugin_host "$PAL" "${GN_TAG}dpal" || exit 1
say "$(GN_FLEET_ALLOW=$ALLOW python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}dpas")" "$PAS" "${PAS}s" "$SMALL" 0 0)"
say "$(GN_FLEET_ALLOW=$ALLOW python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}dpal")" "$PAL" "${PAL}s" "$LARGE" 0 0)"
check "every network of the allowlisted host has its chain" \
	test "$(in_ns "$PAL" nft list table inet guardnet | grep -c '^[[:space:]]*chain allow-')" -eq "$LARGE"
allow=$(GN_FLEET_ALLOW=$ALLOW python3 "$BENCH_DIR/tools/fleet.py" netcost "$ROUNDS" "$SAMPLES" 5000 \
	"$(fleet_host pas "$PAS" "${GN_TAG}dpas")" "$(fleet_host pal "$PAL" "${GN_TAG}dpal")")
say "$allow"
result networks "guardnet alone, every network with a guardnet.allow: CreateNetwork + DeleteNetwork at $LARGE / at $SMALL, p50" "<=1.2" \
	"$(divide "$(values p50_ms pal "$allow")" "$(values p50_ms pas "$allow")")" \
	"ms at $SMALL" "$(values p50_ms pas "$allow")" "ms at $LARGE" "$(values p50_ms pal "$allow")" \
	"CreateNetwork ms at $SMALL" "$(values create_p50_ms pas "$allow")" "at $LARGE" "$(values create_p50_ms pal "$allow")" \
	"DeleteNetwork ms at $SMALL" "$(values delete_p50_ms pas "$allow")" "at $LARGE" "$(values delete_p50_ms pal "$allow")"
summary bench_networks
