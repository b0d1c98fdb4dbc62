#!/bin/bash
# Figure 5, healing: how long admitted traffic stops when another program
# removes guardnet's accept rule from DOCKER-USER, and guardnetd puts it
# back: after `iptables -F DOCKER-USER` in the test host, and after
# `ufw reload` with a DOCKER-USER block in UFW's after.rules (as ufw-docker
# users have: every reload flushes the chains the rules files declare).
# tools/probe.c sends a datagram from a new socket (a new connection for
# the firewall) every 0.5 ms from the outside namespace to a UDP echo server
# behind a published port, runs the command, and reports the longest run of
# unanswered datagrams: from the first of them to the next answer.  An
# outage shorter than the probe's period shows as 0; guardnetd's log shows
# that it did put its rule back each time.
#
#   usage: bash tests/bench/healing.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 10 1)
testbed || exit 1
machine "$H"
tool probe || exit 1
cat >>"$UFW_ROOT/etc/ufw/after.rules" <<'EOF'

# The ufw-docker habit: a DOCKER-USER chain declared here is flushed by
# every ufw reload.
*filter
:DOCKER-USER - [0:0]
COMMIT
EOF
ufw --force enable || exit 1
dk "$H" network create -d "$DRV" --subnet 10.234.1.0/24 -o guardnet.allow=192.0.2.2/32 heal >/dev/null
dk "$H" run -d --name echo --network heal -p 7353:5353/udp gnbox udp serve 5353 >/dev/null
answers() { test "$(in_ns "$O" "$GN_TMP/udp" send 192.0.2.1 7353 hi 192.0.2.2)" = "echo:hi"; }
check "the echo server answers through the published port" wait_until 20 answers
hook() { in_ns "$H" iptables -S DOCKER-USER | grep -q -- '--comment guardnet -j ACCEPT'; }
check "guardnet's accept rule is in DOCKER-USER" hook

# outage COMMAND...: the longest outage COMMAND caused, in ms ("" if the
# probe failed); the probe's whole line goes to stderr.
outage() {
	local out
	out=$(in_ns "$O" "$GN_TMP/probe" udp 30000 192.0.2.1 7353 -- "$@")
	echo "  $* -> $out" >&2
	field longest_ms "$out"
}
export -f ufw
export UFW_ROOT UFW_NS GN_TMP
repairs() { grep -c "changed by another program; put back" "$GN_TMP/gn-$H/guardnetd.log"; }
# repaired SINCE: guardnetd has put its rules back since it had done so SINCE times.
repaired() { test "$(repairs)" -gt "$1"; }
flush=() reload=() healed=0
for i in $(seq "$ROUNDS"); do
	n=$(repairs)
	f=$(outage nsenter --net="/run/netns/$H" iptables -F DOCKER-USER)
	wait_until 5 repaired "$n" && healed=$((healed + 1))
	n=$(repairs)
	r=$(outage bash -c 'ufw reload')
	wait_until 5 repaired "$n" && healed=$((healed + 1))
	say "round $i: iptables -F DOCKER-USER: $f ms, ufw reload: $r ms"
	[ -n "$f" ] && flush+=("$f")
	[ -n "$r" ] && reload+=("$r")
done
check "$ROUNDS rounds measured (iptables -F)" test "${#flush[@]}" -eq "$ROUNDS"
check "$ROUNDS rounds measured (ufw reload)" test "${#reload[@]}" -eq "$ROUNDS"
check "guardnetd put its rule back after each of the $((2 * ROUNDS)) commands" test "$healed" -eq $((2 * ROUNDS))
check "the accept rule is back" wait_until 5 hook
result healing "ms without admitted traffic after iptables -F DOCKER-USER" "<=100" "${flush[*]}"
result healing "ms without admitted traffic after ufw reload" "<=100" "${reload[*]}"
summary bench_healing
