#!/bin/bash
# Figure 7, the relay of the host's [::1]:P (relay.c), against what
# Docker's bridge uses for the same thing: docker-proxy, one process per
# port and address family.
#   7a  memory: guardnetd's resident set serving 100 published ports on
#       [::1] with 100 idle relayed connections, less the same guardnetd
#       before, over the sum of the resident sets of the 100 docker-proxy
#       processes of the IPv6 side of the same 100 ports on a bridge network
#   7b  throughput of one TCP stream from the host: [::1]:P through the
#       relay over [::]:P through docker-proxy (and 127.0.0.1:P, the
#       kernel's DNAT, for scale)
#   7c  Docker's requests while the relay is busy: guardnetd's plugin API
#       latency (p50) with four iperf3 streams through [::1]:P (the relay's
#       thread) over the same with the streams through 127.0.0.1:P (no
#       relay): the same load on the machine, so a ratio near 1 means the
#       relay does not hold the main loop up
#
#   usage: bash tests/bench/relay.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 5 1)
PORTS=$(pick 100 10)
SECS=$(pick 5 1)
CALLS=$(pick 300 30)
testbed || exit 1
machine "$H"
perf_image_load "$H" || exit 1
dk "$H" network create -d "$DRV" --subnet 10.234.1.0/24 grel >/dev/null
dk "$H" network create -d bridge --subnet 10.234.2.0/24 brel >/dev/null
dockerd_pid=$(cat "$GN_TMP/docker-$H/docker.pid")
gn_pid_var=GUARDNETD_PID_${H//-/_}
gn_pid=${!gn_pid_var}
last=$((9000 + PORTS - 1))
kb() { awk -v f="$1:" '$1 == f { print $2 }' "$2" 2>/dev/null; }
# A web server on 9000 (busybox httpd: a process per connection, which
# waits for a request), published on PORTS ports.
echoes() {
	dk "$H" run -d --name "e-$1" --network "$1" -p "9000-$last:9000-$last" gnbox httpd -f -p 9000 -h /www >/dev/null
}
listening6() { test "$(in_ns "$H" ss -Hltn 'src [::1]' | awk '$4 ~ /:9[0-9][0-9][0-9]$/' | wc -l)" -eq "$PORTS"; }
proxies6() { for p in $(pgrep -P "$dockerd_pid" -x docker-proxy); do grep -qa -- '-host-ip.::' "/proc/$p/cmdline" && echo "$p"; done; }
all_proxies() { test "$(proxies6 | wc -l)" -ge "$PORTS"; }
# hold N: N idle connections to [::1]:9000, open until the file $GN_TMP/release appears.
hold() {
	rm -f "$GN_TMP/release"
	in_ns "$H" python3 -c 'import os, socket, sys, time
s = [socket.create_connection(("::1", 9000)) for _ in range(int(sys.argv[1]))]
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)' "$1" "$GN_TMP/held" "$GN_TMP/release" &
	holder=$!
}
relayed() { test "$(in_ns "$H" ss -Htn state established 'dst [::1]:9000' | wc -l)" -ge "$1"; }

m=() g=() p=() i=()
for r in $(seq "$ROUNDS"); do
	rss0=$(kb VmRSS "/proc/$gn_pid/status")
	echoes grel && wait_until 30 listening6 || { say "round $r: the relay does not listen on $PORTS ports"; continue; }
	rss1=$(kb VmRSS "/proc/$gn_pid/status")
	rm -f "$GN_TMP/held"
	hold "$PORTS"
	wait_until 20 test -e "$GN_TMP/held" && wait_until 20 relayed "$PORTS" ||
		{ say "round $r: $PORTS connections not relayed"; touch "$GN_TMP/release"; wait "$holder"; dk "$H" rm -f e-grel >/dev/null; continue; }
	rss2=$(kb VmRSS "/proc/$gn_pid/status")
	touch "$GN_TMP/release"
	wait "$holder"
	dk "$H" rm -f e-grel >/dev/null
	echoes brel && wait_until 60 all_proxies ||
		{ say "round $r: docker-proxy did not start for $PORTS ports"; dk "$H" rm -f e-brel >/dev/null; continue; }
	pk=0 np=0
	for q in $(proxies6); do pk=$((pk + $(kb VmRSS "/proc/$q/status"))) np=$((np + 1)); done
	dk "$H" rm -f e-brel >/dev/null
	say "round $r: guardnetd RSS $rss0 kB, serving $PORTS ports on [::1] $rss1 kB, with $PORTS connections $rss2 kB;" \
		"$np IPv6 docker-proxy processes, RSS $pk kB"
	m+=("$(ratio $((rss2 > rss0 ? rss2 - rss0 : 1)) "$pk")") g+=("$((rss2 - rss0))") p+=("$pk") i+=("$((rss1 - rss0))")
done
check "7a: $ROUNDS rounds measured" test "${#m[@]}" -eq "$ROUNDS"
result relay_memory "$PORTS ports on [::1] with $PORTS connections, guardnetd's extra RSS / docker-proxy RSS" "<=0.01" \
	"${m[*]}" "guardnetd extra kB (ports and connections)" "${g[*]}" "guardnetd extra kB (ports only)" "${i[*]}" \
	"IPv6 docker-proxy RSS kB" "${p[*]}"

# 7b and 7c: iperf3 servers behind the relay and behind docker-proxy.
dk "$H" run -d --name i-grel --network grel -p 5401:5201 gnperf iperf3 -s >/dev/null
dk "$H" run -d --name i-brel --network brel -p 5402:5201 gnperf iperf3 -s >/dev/null
iperf() { in_ns "$H" timeout $((SECS + 10)) iperf3 -c "$1" -p "$2" "${@:3}"; }
for t in '::1 5401' '127.0.0.1 5401' '::1 5402'; do
	check "iperf3 answers at $t" wait_until 20 iperf $t -n 1K
done
gbits() { iperf "$1" "$2" -t "$SECS" -J | python3 -c \
	'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'; }
t=() tr=() tp=() tk=()
for r in $(seq "$ROUNDS"); do
	a=$(gbits ::1 5401) b=$(gbits ::1 5402) k=$(gbits 127.0.0.1 5401)
	say "round $r: [::1] relay $a Gbit/s, [::] docker-proxy $b, 127.0.0.1 kernel DNAT $k"
	t+=("$(ratio "$a" "$b")") tr+=("$a") tp+=("$b") tk+=("$k")
done
result relay_throughput "one stream from the host, relay / docker-proxy" "-" "${t[*]}" \
	"relay Gbit/s" "${tr[*]}" "docker-proxy Gbit/s" "${tp[*]}" "kernel DNAT (127.0.0.1) Gbit/s" "${tk[*]}"

api() { in_ns "$H" python3 "$BENCH_DIR/tools/apiping.py" "$(plugin_sock "$DRV")" "$CALLS"; }
# loaded ADDR: the API's latency while four streams run to ADDR:5401.
loaded() {
	iperf "$1" 5401 -P 4 -t $((SECS + 30)) >/dev/null 2>&1 &
	local load=$!
	sleep 1 # the streams ramp up; not a synchronisation of anything the result depends on
	api
	kill "$load" 2>/dev/null
	wait "$load" 2>/dev/null
}
l=() lr=() lk=() l99=()
for r in $(seq "$ROUNDS"); do
	idle=$(api) viar=$(loaded ::1) viak=$(loaded 127.0.0.1)
	say "round $r: API idle $idle; streams through the relay $viar; through the kernel $viak"
	l+=("$(ratio "$(field p50 "$viar")" "$(field p50 "$viak")")") lr+=("$(field p50 "$viar")") lk+=("$(field p50 "$viak")")
	l99+=("$(ratio "$(field p99 "$viar")" "$(field p99 "$viak")")")
done
result relay_api "API p50 with 4 streams through the relay / through the kernel" "<=1.5" "${l[*]}" \
	"p50 ms, relay load" "${lr[*]}" "p50 ms, kernel load" "${lk[*]}" "p99 ratio" "${l99[*]}"
summary bench_relay
