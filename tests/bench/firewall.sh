#!/bin/bash
# Figure 7, the firewall's own cost (no Docker): guardnet's tables for 10 and
# for 1,000 published ports, then the mean time of a whole rebuild (what a
# network or UFW change and healing do) and of one endpoint's 4 ports added
# or removed (what a container start or stop does), in rounds alternating
# the two sizes, each in a scratch namespace.  tools/fwcost.c is linked with
# this tree's plugin objects (build/obj); GN_FWCOST_TREE=DIR takes another
# built tree's (its include/, plugin/ and build/obj/), to compare with
# older code.
#
#   usage: bash tests/bench/firewall.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 5 1)
REPEAT=$(pick 50 3)
BIG=$(pick 1000 100)
tree=${GN_FWCOST_TREE:-$GN_ROOT}
machine
say "tree: $tree"
objs=$(ls "$tree"/build/obj/*.o | grep -v '/main\.o$')
# shellcheck disable=SC2086 # one word per object
check "fwcost builds" gcc -O2 -I"$tree/include" -I"$tree/plugin" $(pkg-config --cflags libnftnl libmnl) \
	-o "$GN_TMP/fwcost" "$BENCH_DIR/tools/fwcost.c" $objs \
	$(pkg-config --libs libmicrohttpd jansson libmnl libnftnl libiptc)
S=${GN_TAG}s
netns_add "$S"

rb=() sh=() r10=() r1k=() s10=() s1k=()
for i in $(seq "$ROUNDS"); do
	small=$(in_ns "$S" "$GN_TMP/fwcost" 10 "$REPEAT")
	big=$(in_ns "$S" "$GN_TMP/fwcost" "$BIG" "$REPEAT")
	say "round $i: 10 ports: $small; $BIG ports: $big"
	[ -n "$(field rebuild_ms "$small")" ] && [ -n "$(field rebuild_ms "$big")" ] || continue
	r10+=("$(field rebuild_ms "$small")") r1k+=("$(field rebuild_ms "$big")")
	s10+=("$(field share_ms "$small")") s1k+=("$(field share_ms "$big")")
	rb+=("$(ratio "$(field rebuild_ms "$big")" "$(field rebuild_ms "$small")")")
	sh+=("$(ratio "$(field share_ms "$big")" "$(field share_ms "$small")")")
done
check "$ROUNDS rounds measured" test "${#rb[@]}" -eq "$ROUNDS"
result firewall "one endpoint's 4 ports added or removed, at $BIG ports / at 10" "<=1.2" "${sh[*]}" \
	"ms at 10" "${s10[*]}" "ms at $BIG" "${s1k[*]}"
result firewall "a whole rebuild, at $BIG ports / at 10" "-" "${rb[*]}" "ms at 10" "${r10[*]}" "ms at $BIG" "${r1k[*]}"
summary bench_firewall
