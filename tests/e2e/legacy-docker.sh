#!/bin/bash
# A legacy-iptables host: Docker's chains live in x_tables.  guardnet puts
# its accept rule there through libiptc, puts it back after a flush (its
# periodic check), keeps exactly one, traffic follows the model, and the
# last network gone takes the rule with it.  The xtables lock kept busy (a
# host whose dockerd runs iptables back to back) delays guardnetd only as
# long as its turn in the queue; held for good, guardnetd gives up at its
# deadline, says so, and keeps serving.
#
#   [ host H: dockerd on iptables-legacy, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
# This host's xtables lock is its own (iptables, dockerd's calls through it
# and guardnetd all read XTABLES_LOCKFILE), as on a machine of its own: the
# checks below keep it busy without slowing other tests' hosts.
export XTABLES_LOCKFILE=$GN_TMP/xtables.lock
scenario legacy-docker testbed legacy
legacy() { in_ns "$H" iptables-legacy "$@"; }
hook() { legacy -S DOCKER-USER | grep -q -- '-m mark --mark 0x4e47/0x4e47 -m comment --comment guardnet -j ACCEPT'; }

check "Docker uses legacy iptables here" quiet legacy -S DOCKER-USER
must dk "$H" network create -d "$DRV" --subnet 10.224.1.0/24 -o guardnet.allow=192.0.2.2/32 n1
web be n1 -p 8080:80
check "the accept rule is in iptables-legacy -S DOCKER-USER" hook
expect_open "allowed 192.0.2.2 gets 200" "$O" http://192.0.2.1:8080/ 192.0.2.2
expect_dropped "192.0.2.3 is blocked" "$O" http://192.0.2.1:8080/ 192.0.2.3
expect_open "the host gets 200" "$H" http://127.0.0.1:8080/
must legacy -F DOCKER-USER
check "iptables-legacy -F DOCKER-USER: the rule is back (periodic check)" wait_until 6 hook
expect_open "after the flush: 192.0.2.2 gets 200 again" "$O" http://192.0.2.1:8080/ 192.0.2.2

# Two processes that take the lock for 20 ms, over and over, each a new
# flock(1) as each iptables call is a new process, with 20 ms between a
# process's calls as a busy dockerd has (fork and exec of the next one).
# Back to back, a loaded machine starved guardnetd for good: a release
# wakes every waiter, and a new flock call takes the lock before a woken
# one runs (CI of 2dd38b0, legacy-docker@28: no turn in 15 s; iptables
# would have starved alike).  That guardnetd waits among the waiters,
# where a poller never gets a turn, the unit test lock_waits_in_the_queue
# shows deterministically (check_iptc.c).
: >"$GN_TMP/lockers"
for i in 1 2; do
	(while [ -e "$GN_TMP/lockers" ]; do flock "$XTABLES_LOCKFILE" sleep 0.02; sleep 0.02; done) &
	GN_PIDS+=($!)
done
must legacy -w -F DOCKER-USER
check "the lock kept queued by two others: the rule is back" wait_until 15 hook
rm "$GN_TMP/lockers"
wait "${GN_PIDS[@]: -2}"

# The lock held for good: guardnetd's wait ends at its deadline.  The
# flush comes from a program that ignores the lock (another lock file).
log=$GN_TMP/gn-$H/guardnetd.log
from=$(($(wc -l <"$log") + 1))
exec {lock}>>"$XTABLES_LOCKFILE"
must flock "$lock"
must env XTABLES_LOCKFILE="$GN_TMP/another.lock" nsenter --net=/run/netns/"$H" iptables-legacy -F DOCKER-USER
check "the lock held: guardnetd gives up waiting and says why" \
	wait_until 10 sh -c "tail -n +$from '$log' | grep -qF 'legacy iptables: the xtables lock $XTABLES_LOCKFILE was held by another program for 3 s'"
check "the lock held: guardnetd still answers (guardnetctl status)" quiet gnctl status
no_hook() { ! XTABLES_LOCKFILE=$GN_TMP/another.lock hook; }
check "the lock held: the rule is still missing" no_hook
exec {lock}>&-
check "the lock let go: the rule is back" wait_until 6 hook
check "exactly guardnet's three rules (the accept and the two device group drops)" \
	test "$(legacy -S DOCKER-USER | grep -c 'comment guardnet')" -eq 3
must dk "$H" rm -f be
must dk "$H" network rm n1
check "the last network gone: no guardnet rule in legacy iptables" bash -c "! nsenter --net=/run/netns/$H iptables-legacy-save | grep -q guardnet"
summary
