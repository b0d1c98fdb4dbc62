#!/bin/bash
# Attack (issue 12, point 8): one control socket per daemon.  A machine may
# run one guardnetd per network namespace; they used to share the default
# control socket, and a starting guardnetd unlinked whatever was there, so
# guardnetctl talked to whichever started last (and "check" reported on
# the wrong namespace).  Two guardnetds with their default control sockets
# must each answer for their own networks; a third, told to use a live
# socket of another, must not take it over; a leftover of a killed one is
# replaced.  Runs in a private mount namespace whose /run/guardnet is its
# own; each guardnetd has its own plugin directory and UFW files
# (tests/lib.sh, host_mounts).  No dockerd is needed.
if [ -z "${GN_PRIVATE_RUN:-}" ]; then
	exec env GN_PRIVATE_RUN=1 unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
scenario attack-control-socket
made_dir=0
[ -d /run/guardnet ] || { mkdir -p /run/guardnet && made_dir=1; }
must mount -t tmpfs -o mode=0755 tmpfs /run/guardnet
# Lazily: the daemons, stopped after this, still hold their sockets there.
at_exit 'umount -l /run/guardnet; [ $made_dir = 1 ] && rmdir /run/guardnet'
CTL=$GN_ROOT/build/guardnetctl

# daemon NS [ARGS...]: a guardnetd in NS serving driver NS, with its
# default control socket (/run/guardnet/NS.sock).
daemon() {
	local ns=$1 d=$GN_TMP/gn-$1
	shift
	mkdir -p "$d"
	[ -d "$d/ufwroot/etc/ufw" ] || ufw_files "$ns"
	echo "# guardnet.conf of $ns: the defaults" >"$d/guardnet.conf"
	GN_SOCKS[$ns]=$GN_TMP/plugins-$ns/$ns.sock
	host_mounts "$ns"
	"${GN_MOUNTS[@]}" "$GN_BIN" -v --socket "/run/docker/plugins/$ns.sock" --state-dir "$d/state" \
		--config "$d/guardnet.conf" "$@" >>"$d/guardnetd.log" 2>&1 &
	GN_PIDS+=($!)
	disown $!
	LAST_PID=$!
}
networks() { "$CTL" "$@" --json status 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("networks", [])))'; }
answers() { test "$(networks --driver "$1")" = "$2"; }

A=${GN_TAG}a
B=${GN_TAG}b
C=${GN_TAG}c
must netns_add "$A"
must netns_add "$B"
must netns_add "$C"
daemon "$A"
check "guardnetd A serves its plugin socket" wait_until 10 plugin_call "$A" /Plugin.Activate
daemon "$B"
PID_B=$LAST_PID
check "guardnetd B serves its plugin socket" wait_until 10 plugin_call "$B" /Plugin.Activate
check "A's control socket is /run/guardnet/$A.sock" wait_until 5 test -S "/run/guardnet/$A.sock"
check "B's control socket is /run/guardnet/$B.sock" wait_until 5 test -S "/run/guardnet/$B.sock"

id=$(printf 'a%.0s' {1..64})
must plugin_call "$A" /NetworkDriver.CreateNetwork "{\"NetworkID\":\"$id\",\"Options\":{\"com.docker.network.generic\":{}},
	\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"10.99.1.0/24\",\"Gateway\":\"10.99.1.1/24\"}],
	\"IPv6Data\":[]}"
check "guardnetctl --driver $A answers for A's one network" answers "$A" 1
check "guardnetctl --driver $B answers for B, which has none" answers "$B" 0

# A third guardnetd told to use A's live control socket must leave it alone.
daemon "$C" --control "/run/guardnet/$A.sock"
check "guardnetd C serves its plugin socket" wait_until 10 plugin_call "$C" /Plugin.Activate
check "C refuses A's live control socket" \
	wait_until 5 grep -q "control socket /run/guardnet/$A.sock is served by another process" "$GN_TMP/gn-$C/guardnetd.log"
check "and guardnetctl --driver $A still reaches A" answers "$A" 1

# A killed guardnetd leaves its socket; the next one replaces it.
kill -9 "$PID_B"
must wait_until 10 pid_gone "$PID_B"
daemon "$B"
check "guardnetd B, started again, replaces its leftover control socket" \
	wait_until 10 grep -q "replaced stale control socket /run/guardnet/$B.sock" "$GN_TMP/gn-$B/guardnetd.log"
check "and answers on it" wait_until 5 answers "$B" 0
summary
