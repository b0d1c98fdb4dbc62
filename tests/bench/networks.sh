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
#   usage: [GN_BENCH_NETWORKS=N] bash tests/bench/networks.sh [--quick]
#
# GN_BENCH_NETWORKS sets LARGE (1,000; --quick 10): Docker 28's bridge
# driver had made 102 of 1,000 after 3 minutes on 2 cores, slowing down.
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 5 1)
SAMPLES=$(pick 20 2)
SMALL=$(pick 10 2)
LARGE=${GN_BENCH_NETWORKS:-$(pick 1000 10)}
[[ $LARGE =~ ^[1-9][0-9]*$ ]] || { echo "networks.sh: GN_BENCH_NETWORKS=$LARGE is not a count of networks"; exit 2; }
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
# alone TAG WHAT [ALLOW]: guardnet alone, the same two counts on plugin
# hosts TAGs and TAGl (namespaces of their own: nf_tables and routing
# tables are per namespace), every network with guardnet.allow=ALLOW if
# given; the figure's name says WHAT.
alone() {
	local s=${GN_TAG}$1s l=${GN_TAG}$1l out
	plugin_host "$s" "${GN_TAG}d$1s" && plugin_host "$l" "${GN_TAG}d$1l" || exit 1
	export GN_FLEET_ALLOW=${3:-}
	say "$(python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}d$1s")" "$s" "${s}s" "$SMALL" 0 0)"
	say "$(python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}d$1l")" "$l" "${l}s" "$LARGE" 0 0)"
	[ -z "${3:-}" ] || check "every network of the allowlisted host has its chain" \
		test "$(in_ns "$l" nft list table inet guardnet | grep -c '^[[:space:]]*chain allow-')" -eq "$LARGE"
	out=$(python3 "$BENCH_DIR/tools/fleet.py" netcost "$ROUNDS" "$SAMPLES" 5000 \
		"$(fleet_host "$1s" "$s" "${GN_TAG}d$1s")" "$(fleet_host "$1l" "$l" "${GN_TAG}d$1l")")
	unset GN_FLEET_ALLOW
	say "$out"
	result networks "guardnet alone$2: CreateNetwork + DeleteNetwork at $LARGE / at $SMALL, p50" "<=1.2" \
		"$(divide "$(values p50_ms "$1l" "$out")" "$(values p50_ms "$1s" "$out")")" \
		"ms at $SMALL" "$(values p50_ms "$1s" "$out")" "ms at $LARGE" "$(values p50_ms "$1l" "$out")" \
		"CreateNetwork ms at $SMALL" "$(values create_p50_ms "$1s" "$out")" "at $LARGE" "$(values create_p50_ms "$1l" "$out")" \
		"DeleteNetwork ms at $SMALL" "$(values delete_p50_ms "$1s" "$out")" "at $LARGE" "$(values delete_p50_ms "$1l" "$out")"
}
alone p " (plugin API)"
# A network with a guardnet.allow has a chain of its own (its list's set),
# and a transaction that adds a jump to a chain has the kernel check every
# chain the jump reaches.
alone pa ", every network with a guardnet.allow" 192.0.2.0/24,198.51.100.7/32
summary bench_networks
