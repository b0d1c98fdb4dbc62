#!/bin/bash
# Large allowlists (issue 12, point 5): for guardnet.allow lists of 1,000,
# 8,000 and 100,000 /32s that cannot be merged (tests/tools/allowlist.py),
# how long docker network create takes through the Docker API, guardnetd's
# memory (RSS) before and with the network, how long guardnetd takes to put
# its table back after another program's nft delete table (from the
# delete to the table listed again: it comes back in one transaction), and how long docker network rm
# takes.  --quick: 8,000 only.
#
#   usage: bash tests/bench/allowlist-repair.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

SIZES=$(pick "1000 8000 100000" "8000")
testbed || exit 1
machine "$H"
pid_var=GUARDNETD_PID_${H//-/_}
GPID=${!pid_var}
rss() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$GPID/status"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

for n in $SIZES; do
	/usr/bin/python3 "$GN_ROOT/tests/tools/allowlist.py" "$n" big "$DRV" 10.253.2.0/24 >"$GN_TMP/big.json"
	rss0=$(rss)
	s=$(date +%s%N)
	docker_api "$H" /networks/create "$GN_TMP/big.json" >/dev/null
	create=$(ms_since "$s")
	rss1=$(rss)
	# guardnetd puts the table back in one transaction: when it is listed,
	# all of it is there.
	back() { in_ns "$H" nft list tables | grep -q 'inet guardnet'; }
	s=$(date +%s%N)
	in_ns "$H" nft delete table inet guardnet
	wait_until 30 back
	repair=$(ms_since "$s")
	s=$(date +%s%N)
	dk "$H" network rm big >/dev/null
	rm_ms=$(ms_since "$s")
	say "allowlist $n: create ${create} ms, guardnetd RSS ${rss0} -> ${rss1} MB, repair after nft delete table ${repair} ms, network rm ${rm_ms} ms"
	check "allowlist $n: numbers from the round" test -n "$create" -a -n "$repair" -a -n "$rm_ms"
done
summary bench_allowlist_repair
