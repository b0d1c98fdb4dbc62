#!/bin/bash
# Figure 11, allowlists (issue 17): a guardnet.allow of CIDRS CIDRs (a
# country list) on a network and on an endpoint, created, changed and
# removed through guardnetd's plugin API (tools/allowcost.py), against the
# same calls without a list, in alternating order, on one guardnetd that
# also holds NETS other networks; guardnetd's resident set with the list,
# and its peak.
#
#   usage: bash tests/bench/allowlist.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 5 1)
CIDRS=$(pick 100000 1000)
NETS=$(pick 10 2)
machine
A=${GN_TAG}a
plugin_host "$A" "${GN_TAG}da" || exit 1
out=$(python3 "$BENCH_DIR/tools/allowcost.py" "$ROUNDS" "$CIDRS" "$NETS" "$(guardnetd_pid "$A")" \
	"$(fleet_host a "$A" "${GN_TAG}da")")
say "$out"
check "the kernel's set held the $CIDRS CIDRs" test "$(field elements "$out")" = "$CIDRS"
check "$ROUNDS rounds measured" test "$(grep -c "^round=.* cidrs=$CIDRS " <<<"$out")" -eq "$ROUNDS"
# of KEY N: KEY's values in the rounds with N CIDRs.
of() { grep " cidrs=$2 " <<<"$out" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p" | tr '\n' ' '; }
for k in create change remove ep_add ep_del; do
	result allowlist "$k with $CIDRS CIDRs, ms" "<=1000" "$(of "${k}_ms" "$CIDRS")" "without a list ms" "$(of "${k}_ms" 0)" \
		"with / without" "$(divide "$(of "${k}_ms" "$CIDRS")" "$(of "${k}_ms" 0)")"
done
result allowlist "guardnetd RSS with a list of $CIDRS CIDRs, kB" "-" "$(of rss_kb "$CIDRS")" "peak kB" "$(of hwm_kb "$CIDRS")" \
	"RSS without kB" "$(of rss_kb 0)"
summary bench_allowlist
