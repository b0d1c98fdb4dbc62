#!/bin/bash
# Figure 9, restart (issue 17).
# 9a: guardnetd restarted (SIGTERM, start) on a host with NETS networks of
#     EPS endpoints, each endpoint joined with 4 published ports (through
#     the plugin API, tools/fleet.py): the time until it answers Docker
#     again, the time until its log says it has checked the whole kernel
#     state, and what it changed meanwhile: the kernel's own change events
#     (`ip monitor` for links, addresses and routes, `nft monitor` for the
#     firewall) over the restart, which are none when nothing was wrong.
# 9b: dockerd restarted under containers that publish ports on a guardnet
#     network, once with restart policies (dockerd stops them, and starts
#     again those with a policy) and once with live-restore (they keep
#     running): every port must answer the allowed outside address and time
#     out for another one afterwards as before (with live-restore, with the
#     same elements in guardnet's maps), and a port of a container that
#     stayed stopped must be gone.
#
#   usage: bash tests/bench/restart.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 5 1)
NETS=$(pick 1000 4)
EPS=$(pick 5 2)
CHECKED='kernel state checked'

# 9b's dockerd gets --live-restore through a wrapper first in PATH.
mkdir -p "$GN_TMP/bin"
printf '#!/bin/sh\nexec /usr/sbin/dockerd ${GN_LIVE_RESTORE:+--live-restore} "$@"\n' >"$GN_TMP/bin/dockerd"
chmod +x "$GN_TMP/bin/dockerd"
export PATH=$GN_TMP/bin:$PATH
testbed || exit 1
machine "$H"

# --- 9a
L=${GN_TAG}l
plugin_host "$L" "${GN_TAG}dl" || exit 1
say "$(python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}dl")" "$L" "${L}s" "$NETS" "$EPS" 4)"
check "$NETS bridges and $((NETS * EPS)) veth pairs" \
	test "$(ip -n "$L" -o link show type bridge | wc -l)/$(ip -n "$L" -o link show type veth | wc -l)" = "$NETS/$((NETS * EPS))"
# The kernel's own work after the fill (IPv6 duplicate address detection
# on the bridges) would show as change events: it ends first.
settled() { ! ip -n "$L" addr show tentative | grep -q tentative; }
check "no address of $L is tentative any more" wait_until 60 settled
serving=() checked=() links=() fw=() rss=()
for i in $(seq "$ROUNDS"); do
	# Started directly, so that $! is the monitor itself (nsenter execs
	# it): the kill below must not leave one listening.
	ip -n "$L" monitor link address route >"$GN_TMP/ipmon" 2>&1 &
	ipmon=$!
	nsenter --net=/run/netns/"$L" nft monitor >"$GN_TMP/nftmon" 2>&1 &
	nftmon=$!
	GN_PIDS+=("$ipmon" "$nftmon")
	# Both listen before the restart begins.
	sleep 0.5
	gn_restart "$L" "${GN_TAG}dl" "$CHECKED"
	t=$RESTARTED
	# Anything still queued reaches them.
	sleep 1
	kill "$ipmon" "$nftmon"
	wait "$ipmon" "$nftmon" 2>/dev/null
	s=$(field serving_ms "$t") c=$(field logged_ms "$t")
	[ -n "$s" ] && [ -n "$c" ] || { say "round $i: guardnetd did not come back: $t"; continue; }
	serving+=("$s") checked+=("$c")
	links+=("$(grep -c . "$GN_TMP/ipmon")") fw+=("$(grep -cE '^(add|delete|flush|replace|update|destroy) ' "$GN_TMP/nftmon")")
	rss+=("$(rss_kb "$(guardnetd_pid "$L")")")
	say "round $i: serving after $s ms, kernel state checked after $c ms; change events: ${links[-1]} rtnetlink" \
		"($(grep -c '^Deleted' "$GN_TMP/ipmon") deletions), ${fw[-1]} nftables" \
		"($(grep -cE '^(delete|destroy) ' "$GN_TMP/nftmon") deletions); RSS ${rss[-1]} kB"
done
check "$ROUNDS rounds measured" test "${#serving[@]}" -eq "$ROUNDS"
result restart "guardnetd restart at $NETS x $EPS x 4 ports: until it serves Docker, ms" "<=1000" "${serving[*]}"
result restart "guardnetd restart at $NETS x $EPS x 4 ports: until the kernel state is checked, ms" "<=5000" "${checked[*]}" \
	"guardnetd RSS kB" "${rss[*]}"
result restart "guardnetd restart: rtnetlink change events" "<=0" "${links[*]}"
result restart "guardnetd restart: nftables change events" "<=0" "${fw[*]}"

# --- 9b
# protected PORT: the allowed outside address gets the page, another one
# times out (curl's exit 28: dropped, not refused).
protected() {
	in_ns "$O" curl -sf -m 5 --interface host!192.0.2.2 "http://192.0.2.1:$1/" | grep -q 'hello from guardnet' &&
		{ in_ns "$O" curl -sf -m 2 --interface host!192.0.2.3 "http://192.0.2.1:$1/" >/dev/null; test $? -eq 28; }
}
# refused PORT: nothing is published there, the host refuses (curl's 7).
refused() { in_ns "$O" curl -sf -m 2 --interface host!192.0.2.2 "http://192.0.2.1:$1/" >/dev/null; test $? -eq 7; }
all_protected() { protected 8081 && protected 8082 && protected 8083; }
policies_protected() { protected 8082 && protected 8083; }
running() { test "$(dk "$H" ps -q --filter status=running | wc -l)" -eq "$1"; }
elements() { in_ns "$H" nft list table inet guardnet | sed -n '/elements = {/,/}/p' | tr -s ' \n' ' '; }
dk "$H" network create -d "$DRV" --subnet 10.234.1.0/24 -o guardnet.allow=192.0.2.2/32 -o guardnet.ufw=off rnet >/dev/null &&
	dk "$H" run -d --name r1 --network rnet -p 8081:80 gnbox httpd -f -p 80 -h /www >/dev/null &&
	dk "$H" run -d --name r2 --network rnet -p 8082:80 --restart always gnbox httpd -f -p 80 -h /www >/dev/null &&
	dk "$H" run -d --name r3 --network rnet -p 8083:80 --restart unless-stopped gnbox httpd -f -p 80 -h /www >/dev/null
check "three containers publish 8081-8083" test $? -eq 0
check "before: each port answers 192.0.2.2 and drops 192.0.2.3" wait_until 20 all_protected
# H's dockerd has no live-restore: stopping it stops the containers.
check "restart policies: dockerd restarted" dockerd_restart live
wait_until 60 running 2
check "restart policies: r2 and r3 came back" running 2
running 2 || { dk "$H" ps -a; grep -iE 'level=(error|warn)' "$GN_TMP/docker-$H/dockerd.log" | tail -20; }
check "restart policies: 8082 and 8083 answer 192.0.2.2 and drop 192.0.2.3" wait_until 20 policies_protected
check "restart policies: 8081 (r1, no policy, stopped) is refused" refused 8081
check "r1 started again" quiet dk "$H" start r1
check "each port answers 192.0.2.2 and drops 192.0.2.3" wait_until 20 all_protected
before=$(elements)
# Both need it: a dockerd without live-restore stops what it finds running.
check "live-restore: dockerd restarted" dockerd_restart live
check "live-restore: the containers kept running" running 3
check "live-restore: each port still answers 192.0.2.2 and drops 192.0.2.3" wait_until 20 all_protected
check "live-restore: guardnet's elements unchanged" test "$(elements)" = "$before"
summary bench_restart
