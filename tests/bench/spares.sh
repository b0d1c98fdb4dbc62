#!/bin/bash
# Issue 13 point 6: do spare veth pairs pay?  Commit ee86f50 kept two spare
# veth pairs (gns...) on every network's bridge for CreateEndpoint to take;
# the redesign removed them.  Both guardnetds, side by side in one run:
#   cost   links, guardnetd's RSS and the kernel's slab and per-CPU memory
#          with SMALL and LARGE networks; CreateNetwork + DeleteNetwork of
#          one more network; a restart (SIGTERM, start, until it answers)
#   gain   adding an endpoint with 4 ports (CreateEndpoint + Join +
#          ProgramExternalConnectivity) on a bridge with PORTS ports, as
#          figure 3 of RESULTS.md
# ee86f50 is built from this repository's history into the test's scratch
# directory (GN_SPARES_BIN names a build of it instead).
#
#   usage: bash tests/bench/spares.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 5 1)
SAMPLES=$(pick 40 4)
SMALL=$(pick 10 2)
LARGE=$(pick 1000 8)
PORTS=$(pick 1000 10)
machine
old=${GN_SPARES_BIN:-}
if [ -z "$old" ] && ! git -C "$GN_ROOT" cat-file -e ee86f50 2>/dev/null; then
	say "skip: commit ee86f50 is not in this checkout (a shallow clone?), and GN_SPARES_BIN names no build of it"
	summary bench_spares
	exit 0
fi
if [ -z "$old" ]; then
	mkdir -p "$GN_TMP/ee86f50"
	git -C "$GN_ROOT" archive ee86f50 | tar -x -C "$GN_TMP/ee86f50" &&
		make -s -C "$GN_TMP/ee86f50" build/guardnetd >/dev/null 2>&1
	old=$GN_TMP/ee86f50/build/guardnetd
fi
check "ee86f50 built" test -x "$old" || { summary bench_spares; exit 1; }
declare -A bin=([n]=$GN_BIN [s]=$old) label=([n]=none [s]=spares)
# Hosts: n (no spares, this tree) and s (spares), with SMALL and LARGE
# networks, and with one network of PORTS endpoints.
for v in n s; do
	for size in small large ports; do
		plugin_host "${GN_TAG}$v$size" "${GN_TAG}d$v$size" "${bin[$v]}" || exit 1
	done
done
declare -A kmem fill
for size in small large; do
	n=$SMALL
	[ $size = large ] && n=$LARGE
	for v in n s; do
		k0=$(kmem_kb)
		out=$(python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}d$v$size")" \
			"${GN_TAG}$v$size" "${GN_TAG}$v${size}s" "$n" 0 0)
		kmem[$v$size]=$(($(kmem_kb) - k0))
		fill[$v$size]=$(grep -o '[0-9.]* s$' <<<"$out")
		say "${label[$v]}, $n networks: made in ${fill[$v$size]}, $(links "${GN_TAG}$v$size") links," \
			"guardnetd RSS $(rss_kb "$(guardnetd_pid "${GN_TAG}$v$size")") kB, kernel slab+percpu +${kmem[$v$size]} kB"
	done
done
for v in n s; do
	python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}d${v}ports")" "${GN_TAG}${v}ports" \
		"${GN_TAG}${v}portss" 1 "$PORTS" 4 >/dev/null
done
check "spares: 4 more links per network" test $(($(links "${GN_TAG}slarge") - $(links "${GN_TAG}nlarge"))) -eq $((4 * LARGE))

hosts=()
for v in n s; do for size in small large; do hosts+=("$(fleet_host "$v$size" "${GN_TAG}$v$size" "${GN_TAG}d$v$size")"); done; done
net=$(python3 "$BENCH_DIR/tools/fleet.py" netcost "$ROUNDS" "$SAMPLES" 5000 "${hosts[@]}")
say "$net"
ep=$(python3 "$BENCH_DIR/tools/fleet.py" epcost "$ROUNDS" "$SAMPLES" 4 0 "$PORTS" \
	"$(fleet_host n "${GN_TAG}nports" "${GN_TAG}dnports")" "$(fleet_host s "${GN_TAG}sports" "${GN_TAG}dsports")")
say "$ep"
declare -A restart
for i in $(seq "$ROUNDS"); do
	for v in n s; do
		for size in small large; do
			GN_BIN=${bin[$v]} gn_restart "${GN_TAG}$v$size" "${GN_TAG}d$v$size"
			restart[$v$size]+="$(field serving_ms "$RESTARTED") "
		done
	done
done
say "restart ms: $(for k in "${!restart[@]}"; do printf '%s: %s; ' "$k" "${restart[$k]}"; done)"

for size in small large; do
	n=$SMALL
	[ $size = large ] && n=$LARGE
	result spares "CreateNetwork + DeleteNetwork at $n networks, spares / none" "-" \
		"$(divide "$(values p50_ms "s$size" "$net")" "$(values p50_ms "n$size" "$net")")" \
		"spares create ms" "$(values create_p50_ms "s$size" "$net")" "none create ms" "$(values create_p50_ms "n$size" "$net")" \
		"spares delete ms" "$(values delete_p50_ms "s$size" "$net")" "none delete ms" "$(values delete_p50_ms "n$size" "$net")"
	result spares "restart at $n networks, spares / none" "-" "$(divide "${restart[s$size]}" "${restart[n$size]}")" \
		"spares ms" "${restart[s$size]}" "none ms" "${restart[n$size]}"
done
result spares "add an endpoint with 4 ports on a bridge of $PORTS ports, p50, spares / none" "-" \
	"$(divide "$(values add_p50_ms s "$ep")" "$(values add_p50_ms n "$ep")")" \
	"spares ms" "$(values add_p50_ms s "$ep")" "none ms" "$(values add_p50_ms n "$ep")" \
	"spares CreateEndpoint ms" "$(values CreateEndpoint_p50_ms s "$ep")" "none CreateEndpoint ms" "$(values CreateEndpoint_p50_ms n "$ep")" \
	"spares DeleteEndpoint ms" "$(values DeleteEndpoint_p50_ms s "$ep")" "none DeleteEndpoint ms" "$(values DeleteEndpoint_p50_ms n "$ep")"
summary bench_spares
