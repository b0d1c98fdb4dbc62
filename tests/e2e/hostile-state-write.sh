#!/bin/bash
# A state file guardnetd cannot write (an immutable directory, where the
# file system has the flag) fails the request, and Docker's error names the
# file, not guardnet's path.
#
#   [ host H: dockerd, guardnetd with an immutable state/endpoints ]
. "$(dirname "$0")/../lib.sh"
scenario hostile-state-write testbed
STATE=$GN_TMP/gn-$H/state
DKT_TIMEOUT=20

must dkt network create -d "$DRV" --subnet 10.224.0.0/24 hn
chattr +i "$STATE/endpoints" 2>/dev/null || skip "the immutable flag on $STATE's file system (to make a state write fail)"
out=$(dkt run -d --name h2 --network hn gnbox sleep 100 2>&1)
chattr -i "$STATE/endpoints"
check "a failed state write fails the run and names the file: $out" \
	grep -qE 'cannot write state file endpoints/[0-9a-f]{64}\.json: Operation not permitted' <<<"$out"
check "... but no path of guardnet's" bash -c '! grep -qF "$1" <<<"$2"' _ "$GN_TMP" "$out"
summary
