#!/bin/bash
# Figure 3, scale: adding one endpoint with 4 published ports through the
# plugin API (CreateEndpoint + Join + ProgramExternalConnectivity, kernel
# programming included) when 1,000 endpoints exist, against when 10 exist;
# p50 and p99 of the samples of a round, the figure is the ratio of the p50s.
# The requests go straight to guardnetd's socket (tools/scale.py), with a
# sandbox namespace per endpoint as Docker makes them.  Two test hosts alike
# (namespace, dockerd, guardnetd) hold the 10 and the 1,000 endpoints, and
# the samples alternate between them: on a shared machine, load that comes
# and goes then falls on both sides alike.
#
#   usage: bash tests/bench/scale.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
SB=${GN_TAG}s
sandboxes_del() { ip netns list | awk -v p="^${SB}[ab][0-9]" '$1 ~ p { print "netns del " $1 }' | ip -batch - 2>/dev/null; }
trap 'sandboxes_del; gn_cleanup' EXIT

ROUNDS=$(pick 5 1)
SAMPLES=$(pick 100 5)
SMALL=$(pick 10 2)
LARGE=$(pick 1000 10)
testbed || exit 1
machine "$H"
L=${GN_TAG}l
netns_add "$L"
dockerd_start "$L" || exit 1
guardnetd_start "$L" "${DRV}l" || exit 1
out=$(python3 "$BENCH_DIR/tools/scale.py" "$SB" "$ROUNDS" "$SAMPLES" "$SMALL" "$H" "$(plugin_sock "$DRV")" \
	"$LARGE" "$L" "$(plugin_sock "${DRV}l")")
say "$out"
r50=() r99=() s50=() l50=() s99=() l99=()
for i in $(seq "$ROUNDS"); do
	small=$(grep "^round=$i endpoints=$SMALL " <<<"$out") large=$(grep "^round=$i endpoints=$LARGE " <<<"$out")
	[ -n "$small" ] && [ -n "$large" ] || continue
	s50+=("$(field p50_ms "$small")") l50+=("$(field p50_ms "$large")")
	s99+=("$(field p99_ms "$small")") l99+=("$(field p99_ms "$large")")
	r50+=("$(ratio "${l50[-1]}" "${s50[-1]}")") r99+=("$(ratio "${l99[-1]}" "${s99[-1]}")")
done
check "$ROUNDS rounds measured" test "${#r50[@]}" -eq "$ROUNDS"
result scale "add an endpoint with 4 ports, p50 at $LARGE / p50 at $SMALL endpoints" "<=1.2" "${r50[*]}" \
	"p50 ms at $SMALL" "${s50[*]}" "p50 ms at $LARGE" "${l50[*]}" "p99 ms at $SMALL" "${s99[*]}" \
	"p99 ms at $LARGE" "${l99[*]}" "p99 ratio" "${r99[*]}"
summary bench_scale
