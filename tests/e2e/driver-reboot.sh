#!/bin/bash
# Endpoint files are not synced to disk (an endpoint ends with the boot;
# only a restart of guardnetd or dockerd needs its file, and the page cache
# keeps it), network files are.  After a power loss an endpoint file may be
# cut short: guardnetd then drops every endpoint file of the earlier boot
# unread and starts, where the same file in the boot that wrote it stops
# it, naming the file.  A reboot is played by what it leaves on disk: the
# boot file naming another boot, the endpoint file emptied (what ext4 leaves
# of a renamed file whose data never reached the disk) and dated before the
# boot began.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario driver-reboot testbed
require strace
STATE=$GN_TMP/gn-$H/state
LOG=$GN_TMP/gn-$H/guardnetd.log
OTHER=0b0b0b0b-1111-2222-3333-444455556666

# syncs_during WHAT CMD...: the fsync and fdatasync calls of guardnetd's
# threads while CMD runs, counted by strace attached to all of them.
syncs_during() {
	local pid out=$GN_TMP/sync-$1.txt tracer
	pid=$(guardnetd_pid "$H")
	strace -f -qq -e trace=fsync,fdatasync -o "$out" -p "$pid" 2>/dev/null &
	tracer=$!
	wait_until 10 all_traced "$pid" || { kill "$tracer"; return 1; }
	"${@:2}" >/dev/null || { kill "$tracer"; return 1; }
	kill -INT "$tracer"
	wait "$tracer" 2>/dev/null
	grep -cE '(fsync|fdatasync)\(' "$out"
}
all_traced() { ! grep -h '^TracerPid:' /proc/"$1"/task/*/status | grep -qx $'TracerPid:\t0'; }
# this_boot: the boot file names the running kernel's boot (not cmp -s,
# which takes /proc's size of 0 for a difference).
this_boot() { [ "$(cat "$STATE/boot")" = "$(cat /proc/sys/kernel/random/boot_id)" ]; }
life() { dkt run -d --name w2 --network rb -p 8083:80 gnbox httpd -f -p 80 -h /www && dkt rm -f w2; }
net_life() { dkt network create -d "$DRV" --subnet 10.225.1.0/24 rb2 && dkt network rm rb2; }

must dk "$H" network create -d "$DRV" --subnet 10.225.0.0/24 -o guardnet.allow=192.0.2.2/32 rb
web w1 rb -p 8082:80
must reachable "$O" http://192.0.2.1:8082/ 192.0.2.2
ep=$(dk "$H" inspect -f '{{(index .NetworkSettings.Networks "rb").EndpointID}}' w1)
check "w1's endpoint has its file" test -s "$STATE/endpoints/$ep.json"
check "the boot file names this boot" this_boot

n=$(syncs_during life life)
check "a container's whole life (run -p, rm -f) syncs nothing: $n fsync calls" test "$n" = 0
n=$(syncs_during net net_life)
check "network create syncs its file and the directory, rm the directory: $n fsync calls" test "${n:-0}" -ge 3

must guardnetd_stop "$H" KILL
: >"$STATE/endpoints/$ep.json"
from=$(($(wc -l <"$LOG") + 1))
# In the foreground, as guardnetd_start would run it: it is to stop.
in_host "$H" timeout 60 "$GN_BIN" -v --socket "$(plugin_sock "$DRV")" --state-dir "$STATE" \
	--config "$GN_TMP/gn-$H/guardnet.conf" --control "$GN_TMP/gn-$H/control.sock" >>"$LOG" 2>&1
rc=$?
check "the same boot: an emptied endpoint file stops guardnetd (exit $rc), naming it" \
	bash -c '[ "$5" = 1 ] && tail -n +"$1" "$2" | grep -qF "state file $3/endpoints/$4.json is unusable: invalid JSON"' _ \
	"$from" "$LOG" "$STATE" "$ep" "$rc"

degraded() { in_ns "$H" timeout 30 "$GN_ROOT/build/guardnetctl" --socket "$GN_TMP/gn-$H/control.sock" \
	--state-dir "$STATE" --timeout 2 check 2>&1; }
echo yesterday >"$STATE/boot"
out=$(degraded)
line="drift: state file $STATE/boot holds \"yesterday\", not a boot ID: guardnetd will not start until it is fixed or removed"
what="guardnetd down, a boot file without a boot ID: the degraded check reports it as drift"
if grep -qxF "$line" <<<"$out"; then ok "$what"; else fail "$what; it said: $out"; fi
echo "$OTHER" >"$STATE/boot"
# A file of the earlier boot was last written before this one began (a
# file written since, guardnetd keeps: tests/unit/check_store.c).
touch -d @1000000 "$STATE/endpoints/$ep.json"
out=$(degraded)
line='ok: 1 endpoint file of an earlier boot: not checked (guardnetd drops them when it starts)'
what="guardnetd down, check in its degraded form leaves the earlier boot's endpoint file unchecked"
if grep -qxF "$line" <<<"$out"; then ok "$what"; else fail "$what; it said: $out"; fi
must guardnetd_start "$H" "$DRV"
check "an earlier boot: its endpoint file is dropped unread, and said so" \
	bash -c 'tail -n +"$1" "$2" | grep -qF "1 endpoint file(s) of an earlier boot (boot ID $3) dropped unread"' _ \
	"$from" "$LOG" "$OTHER"
check "... the file is gone" test ! -e "$STATE/endpoints/$ep.json"
check "... the boot file names this boot again" this_boot
check "... the network is kept" test -s "$STATE/networks/$(dk "$H" network inspect -f '{{.Id}}' rb).json"
# Nothing forwards 8082 to w1 any more, and nothing on H listens there.
expect_refused "w1, which guardnet no longer knows, is closed to the allowed 192.0.2.2" \
	"$O" http://192.0.2.1:8082/ 192.0.2.2
check "docker rm -f of w1 succeeds (Leave and DeleteEndpoint of an unknown endpoint)" quiet dkt rm -f w1
web w3 rb -p 8082:80
expect_open "a new container on the kept network: the allowed 192.0.2.2 gets 200" "$O" http://192.0.2.1:8082/ 192.0.2.2
expect_dropped "... 192.0.2.3, not allowed, is dropped" "$O" http://192.0.2.1:8082/ 192.0.2.3
check "guardnet's kernel state is consistent" consistent
summary
