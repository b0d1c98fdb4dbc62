#!/bin/bash
# A guardnetd restarted on a host where nothing changed writes nothing: it
# reads its table and links, finds them as its state wants them, and leaves
# them (no change event at all).  What another program changed while it
# was down (a rule, an element, a port off its bridge) is found and put
# back, and only that.
#
#   [ host H: guardnetd, no dockerd ]
. "$(dirname "$0")/../lib.sh"
scenario incremental-restart bare_host

must drv_net a1 10.232.1.0/24 10.232.1.1/24 fd00:232:1::/64 fd00:232:1::1/64 '{"guardnet.allow":"192.0.2.0/28"}'
must drv_ep a1 e1 10.232.1.11/24 fd00:232:1::11/64 192.0.2.9/32
must drv_pub a1 e1 "$(drv_pm 6 80 "" 8911)"
must drv_net a2 10.232.2.0/24 10.232.2.1/24 "" "" '{"guardnet.icc":"false"}'
must drv_ep a2 e2 10.232.2.12/24 ""
must drv_pub a2 e2 "$(drv_pm 17 53 "" 8953)"
before=$(nft_dump "$H")
log=$GN_TMP/gn-$H/guardnetd.log
said() { tail -n +"$1" "$log" | grep -aq "$2"; }
# The kernel's own work on new links (IPv6 duplicate address detection)
# would show as change events: it ends first.
settled() { ! in_ns "$H" ip addr show tentative | grep -q tentative; }
must wait_until 30 settled

# restart: stops guardnetd, runs "$@" meanwhile, starts it with
# `ip monitor` and `nft monitor` watching; sets EVENTS to what they saw.
restart() {
	local mon from
	must guardnetd_stop "$H"
	"$@"
	from=$(($(wc -l <"$log") + 1))
	# Started directly, so that $! is each monitor itself (nsenter execs
	# it) and the kill leaves none listening.
	ip -n "$H" monitor link address >"$GN_TMP/mon" 2>&1 &
	mon=$!
	nsenter --net=/run/netns/"$H" nft monitor >"$GN_TMP/nftmon" 2>&1 &
	nftmon=$!
	GN_PIDS+=("$mon" "$nftmon")
	# Both listen before guardnetd starts.
	sleep 0.3
	must guardnetd_start "$H" "$DRV"
	wait_until 10 said "$from" "kernel state checked"
	kill "$mon" "$nftmon"
	wait "$mon" "$nftmon" 2>/dev/null
	EVENTS=$(cat "$GN_TMP/mon" "$GN_TMP/nftmon" | grep -cv '^$')
	FROM=$from
}
# The kernel's own work after the setup (the bridges lose their carrier,
# no container end being up, in the link watch) ends first: until the
# links have been quiet for 2 s.
ip -n "$H" monitor link address >"$GN_TMP/quiet" 2>&1 &
q=$!
GN_PIDS+=("$q")
last=-1
quiet() { local n; n=$(wc -c <"$GN_TMP/quiet"); [ "$n" = "$last" ] && return 0; last=$n; return 1; }
settle() { local deadline=$((SECONDS + 30)); until quiet; do [ $SECONDS -ge $deadline ] && return 1; sleep 2; done; }
must settle
kill "$q"
restart true
check "nothing changed: no kernel change event during the restart (got $EVENTS)" test "$EVENTS" -eq 0
[ "$EVENTS" -eq 0 ] || grep -hv '^$' "$GN_TMP/mon" "$GN_TMP/nftmon" | head -5 | sed 's/^/    event: /'
check "nothing changed: the firewall is left as it is" said "$FROM" "the firewall as it should be"
check "... compared with its tables as read while the state was read" said "$FROM" "as it should be (its tables read ahead)"
check "nothing changed: the table is the same" test "$(nft_dump "$H")" = "$before"

rule=$(in_ns "$H" nft -a list chain inet guardnet forward | grep -m1 '@icc_open' | grep -o 'handle [0-9]*$')
check "a rule to delete: $rule" test -n "$rule"
restart in_ns "$H" nft delete rule inet guardnet forward $rule
check "a rule deleted while it was down: rebuilt" said "$FROM" "the firewall rebuilt"
check "... which the tables read ahead showed" said "$FROM" "rebuilt (its tables read ahead)"
check "and the table is as before" test "$(nft_dump "$H")" = "$before"

restart in_ns "$H" nft delete element inet guardnet any4 '{ udp . 8953 }'
check "an element deleted while it was down: rebuilt" said "$FROM" "the firewall rebuilt"
check "and the element is back" nft_has "$H" map any4 "udp . 8953"

port=$(in_ns "$H" ip -o link show master "gn-$(drv_id a1 | cut -c1-12)" | awk -F': ' '{ print $2 }' | cut -d@ -f1)
restart in_ns "$H" ip link set "$port" nomaster
check "a port taken off its bridge while it was down: changes to it alone" said "$FROM" "change(s) to its interface $port"
check "and it is back on the bridge" bash -c "ip -n $H -o link show $port | grep -q master"
check "and the firewall is left as it is" said "$FROM" "the firewall as it should be"
# Making or removing a link may take with it what the tables hold of it.
check "... its tables read again after the link was put right" bash -c "! tail -n +$FROM '$log' | grep -aq 'read ahead'"

# The counting table is compared too; left as it is, guardnetd takes its
# keys for those it wrote: a network made next sends only its port's
# counting elements, not the table again.
counted() { in_ns "$H" nft list set inet guardnet_count conn4 | grep -q "$1"; }
restart in_ns "$H" nft delete element inet guardnet_count conn4 '{ 0.0.0.0 . udp . 8953 }'
check "a counter deleted while it was down: rebuilt" said "$FROM" "the firewall rebuilt"
check "and the counter is back" counted "udp . 8953"
restart true
check "unchanged again: the firewall is left as it is" said "$FROM" "the firewall as it should be"
# A table built again is a new table with a new handle.  (Watched by its
# handle, not by nft monitor: nft 1.0.6's monitor dies printing set src4's
# elements, concatenated ranges: "Memory allocation failure".)
count_handle() { in_ns "$H" nft -a list table inet guardnet_count | sed -n '1s/.*# handle \([0-9]*\)$/\1/p'; }
h0=$(count_handle)
check "the counting table has a handle ($h0)" test -n "$h0"
must drv_net a3 10.232.3.0/24 10.232.3.1/24 "" "" '{}'
must drv_ep a3 e3 10.232.3.13/24 ""
must drv_pub a3 e3 "$(drv_pm 6 80 "" 8913)"
check "a port published after the restart is counted" counted "tcp . 8913"
check "... by its own elements, the counting table not built again (handle $h0, now $(count_handle))" \
	test "$(count_handle)" = "$h0"

# Another program changes guardnet's table while the start-up check runs,
# after the tables were read ahead: the nf_tables events socket listens
# from before that reading, so the change is heard and put back once
# serving begins.  The moment is made, not waited for: while the read-ahead
# thread (guardnetd's third) runs, the check's thread (its second), which
# compares only after joining it, is frozen (cgroup v1 freezer, one thread
# moved in); once the read-ahead thread has ended, the chain is flushed and
# the check's thread thawed.  guardnetd runs in a cpu cgroup held to 1 ms
# every 100 ms meanwhile, so that the poll sees its short-lived threads.
fz=/sys/fs/cgroup/freezer/gn-test-$H cg=/sys/fs/cgroup/cpu/gn-test-$H
uncap() {
	local p
	for p in $(cat "$fz/tasks" 2>/dev/null); do echo "$p" >/sys/fs/cgroup/freezer/tasks 2>/dev/null; done
	for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do echo "$p" >/sys/fs/cgroup/cpu/cgroup.procs 2>/dev/null; done
	rmdir "$fz" "$cg" 2>/dev/null
}
# The poll, in the background while guardnetd starts: writes "window" when
# it flushed at that moment, "late" when it caught the read-ahead thread
# too late, "missed" when it never saw it.
mid_check_flush() {
	local pid= t n=0 r=missed end=$((SECONDS + 60))
	while [ $SECONDS -lt $end ]; do
		[ -n "$pid" ] || pid=$(head -1 "$cg/cgroup.procs" 2>/dev/null)
		[ -n "$pid" ] && [ -d "/proc/$pid" ] || continue
		t=(/proc/"$pid"/task/*)
		[ ${#t[@]} -ge 3 ] && break
		said "$from" "reconcile: " && { echo "$r" >"$GN_TMP/mid"; return; }
	done
	[ ${#t[@]} -ge 3 ] || { echo "$r" >"$GN_TMP/mid"; return; }
	# The check's thread: the lower of the two after the main one.
	n=$(printf '%s\n' "${t[@]##*/}" | sort -n | sed -n 2p)
	echo "$n" >"$fz/tasks"
	if said "$from" "reconcile: "; then
		r=late
	else
		wait_until 30 eval '[ "$(ls /proc/'"$pid"'/task | wc -l)" -lt 3 ]' &&
			in_ns "$H" nft flush chain inet guardnet forward && r=window
	fi
	echo "$n" >/sys/fs/cgroup/freezer/tasks
	echo "$r" >"$GN_TMP/mid"
}
if ! { [ -w /sys/fs/cgroup/freezer/tasks ] && [ -w /sys/fs/cgroup/cpu/cgroup.procs ]; }; then
	say "not run: the start-up check under another program's change (needs cgroup v1's freezer and cpu controllers)"
else
	at_exit uncap
	check "a frozen cgroup and a cpu cgroup of 1 ms every 100 ms for guardnetd" \
		eval 'mkdir "$fz" "$cg" && echo FROZEN >"$fz/freezer.state" &&
		      echo 100000 >"$cg/cpu.cfs_period_us" && echo 1000 >"$cg/cpu.cfs_quota_us"'
	printf '#!/bin/sh\necho $$ >%s/cgroup.procs && exec %s "$@"\n' "$cg" "$GN_BIN" >"$GN_TMP/capped"
	chmod +x "$GN_TMP/capped"
	now=$(nft_dump "$H")
	tries=
	for i in 1 2 3 4 5 6 7 8; do
		must guardnetd_stop "$H"
		from=$(($(wc -l <"$log") + 1))
		mid_check_flush &
		GN_BIN=$GN_TMP/capped must guardnetd_start "$H" "$DRV"
		wait $!
		tries="$tries $(cat "$GN_TMP/mid")"
		[ "$(cat "$GN_TMP/mid")" = window ] && break
	done
	check "the forward chain flushed after the tables were read ahead, before the check compared them (rounds:$tries)" \
		test "$(cat "$GN_TMP/mid")" = window
	check "... the check found the tables as read: nothing to rebuild" said "$from" "as it should be (its tables read ahead)"
	same() { test "$(nft_dump "$H")" = "$now"; }
	check "... and the table is as before, put back once serving began" wait_until 30 same
	# The log line follows the repair: polled as well.
	check "... by the change events heard meanwhile" wait_until 10 said "$from" "changed by another program; put back"
	uncap
fi
out=$(gnctl check)
check "check: the kernel matches ($out)" test "$out" = "kernel matches guardnetd's state"
summary
