#!/bin/bash
# Figure 8, endpoints (issue 17): every call of a container's life
# (CreateEndpoint, Join, ProgramExternalConnectivity,
# RevokeExternalConnectivity, Leave, DeleteEndpoint) on a host with NETS
# networks of EPS endpoints each, every endpoint with 4 published ports,
# through guardnetd's plugin API (tools/fleet.py; no dockerd: the calls are
# Docker's, the containers' namespaces one namespace).  A sample adds an
# endpoint to one of the networks and removes it again; a second host with
# one network of EPS endpoints takes the same samples in alternation, as the
# baseline.  Figures: DeleteEndpoint's p50 over CreateEndpoint's, and for
# every call p99 over p50, at NETS x EPS.
#
#   usage: bash tests/bench/endpoints.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 5 1)
SAMPLES=$(pick 100 5)
NETS=$(pick 1000 4)
EPS=$(pick 10 3)
machine
L=${GN_TAG}l S=${GN_TAG}s
plugin_host "$L" "${GN_TAG}dl" && plugin_host "$S" "${GN_TAG}ds" || exit 1
say "$L: $(python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}dl")" "$L" "${L}s" "$NETS" "$EPS" 4)"
say "$S: $(python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}ds")" "$S" "${S}s" 1 "$EPS" 4)"
check "$NETS bridges and $((NETS * EPS)) host ends of veth pairs" \
	test "$(ip -n "$L" -o link show type bridge | wc -l)/$(ip -n "$L" -o link show type veth | wc -l)" = "$NETS/$((NETS * EPS))"
# fleet.py's fill leaves IPv6 off on the containers' ends (one namespace for
# all of them): no link-local address there.
check "no IPv6 address on the $((NETS * EPS)) container ends in ${L}s" \
	test "$(ip -n "${L}s" -6 -o addr show scope link | wc -l)" -eq 0
# The samples go to a network in the middle of the large host's.
out=$(python3 "$BENCH_DIR/tools/fleet.py" epcost "$ROUNDS" "$SAMPLES" 4 0 "$EPS" \
	"$(fleet_host l "$L" "${GN_TAG}dl"):$((NETS / 2))" "$(fleet_host s "$S" "${GN_TAG}ds")")
say "$out"
check "$ROUNDS rounds measured on both hosts" test "$(grep -c '^round=' <<<"$out")" -eq $((2 * ROUNDS))
col() { values "$1" "$2" "$out"; }
result endpoints "DeleteEndpoint p50 / CreateEndpoint p50 at $NETS x $EPS" "<=1.0" \
	"$(divide "$(col DeleteEndpoint_p50_ms l)" "$(col CreateEndpoint_p50_ms l)")" \
	"DeleteEndpoint ms" "$(col DeleteEndpoint_p50_ms l)" "CreateEndpoint ms" "$(col CreateEndpoint_p50_ms l)"
for c in CreateEndpoint Join ProgramExternalConnectivity RevokeExternalConnectivity Leave DeleteEndpoint; do
	result endpoints "$c p99 / p50 at $NETS x $EPS" "<=2.0" "$(divide "$(col "${c}_p99_ms" l)" "$(col "${c}_p50_ms" l)")" \
		"p50 ms" "$(col "${c}_p50_ms" l)" "p99 ms" "$(col "${c}_p99_ms" l)" \
		"p50 ms at 1 x $EPS" "$(col "${c}_p50_ms" s)" "p99 ms at 1 x $EPS" "$(col "${c}_p99_ms" s)"
done
summary bench_endpoints
