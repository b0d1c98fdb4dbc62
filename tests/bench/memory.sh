#!/bin/bash
# Figure 2, memory: a container publishing 100 ports (IPv4 and IPv6) on a
# guardnet network, against the same container on a Docker bridge network.
# guardnet's cost is guardnetd's resident set; the bridge driver's is the
# sum of the resident sets of the docker-proxy processes dockerd starts for
# the ports (userland-proxy=true, Docker's default: one per port and
# address family).  The sum of PSS is shown too: RSS counts the pages the
# proxies share once per process.
#
# Figure 12 (issue 17): guardnetd's resident set on a host with NETS
# networks of EPS endpoints that publish 4 ports each (through the plugin
# API, tools/fleet.py), against what the bridge driver's docker-proxy
# processes take for as many ports: per port as measured above (one
# process per port and family), times the ports.  Not run, since 40,000
# processes of ~3 MB do not fit in this machine.
#
#   usage: bash tests/bench/memory.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 5 1)
PORTS=$(pick 100 10)
NETS=$(pick 1000 4)
EPS=$(pick 5 2)
testbed || exit 1
machine "$H"
dk "$H" network create -d "$DRV" --ipv6 --subnet 10.232.1.0/24 --subnet fd00:232:1::/64 gmem >/dev/null
dk "$H" network create -d bridge --ipv6 --subnet 10.232.2.0/24 --subnet fd00:232:2::/64 bmem >/dev/null
dockerd_pid=$(cat "$GN_TMP/docker-$H/docker.pid")
gn_pid_var=GUARDNETD_PID_${H//-/_}
gn_pid=${!gn_pid_var}
last=$((9000 + PORTS - 1))

# kb FIELD FILE: a "Field: N kB" line's N.
kb() { awk -v f="$1:" '$1 == f { print $2 }' "$2" 2>/dev/null; }
proxies() { pgrep -P "$dockerd_pid" -x docker-proxy; }
nproxies() { proxies | wc -l; }
all_up() { test "$(nproxies)" -ge $((2 * PORTS)); }
none_left() { test "$(nproxies)" -eq 0; }
# sum FIELD FILE_PATTERN: FIELD summed over every docker-proxy of our dockerd.
sum() {
	local pid t=0
	for pid in $(proxies); do t=$((t + $(kb "$1" "/proc/$pid/$2"))); done
	echo "$t"
}
run() { dk "$H" run -d --name "m-$1" --network "$1" -p "9000-$last:9000-$last" gnbox httpd -f -p 9000 -h /www >/dev/null; }
gmapped() { test "$(in_ns "$H" nft list map inet guardnet any4 | grep -o ' 9[0-9][0-9][0-9] :' | wc -l)" -eq "$PORTS"; }

g=() p=() r=() n=() pss=()
for i in $(seq "$ROUNDS"); do
	run gmem && wait_until 30 gmapped || { say "round $i: guardnet did not publish $PORTS ports"; continue; }
	gk=$(kb VmRSS "/proc/$gn_pid/status")
	dk "$H" rm -f m-gmem >/dev/null
	# One proxy per port and family.
	run bmem && wait_until 60 all_up ||
		{ say "round $i: $(nproxies) docker-proxy processes, not $((2 * PORTS))"; dk "$H" rm -f m-bmem >/dev/null; continue; }
	c=$(nproxies) pk=$(sum VmRSS status) ps=$(sum Pss smaps_rollup)
	dk "$H" rm -f m-bmem >/dev/null
	wait_until 30 none_left
	say "round $i: guardnetd RSS $gk kB; $c docker-proxy processes, RSS $pk kB, PSS $ps kB"
	g+=("$gk") p+=("$pk") n+=("$c") pss+=("$ps") r+=("$(ratio "$gk" "$pk")")
done
check "$ROUNDS rounds measured" test "${#r[@]}" -eq "$ROUNDS"
check "2 docker-proxy processes per port (IPv4 and IPv6)" test "${n[0]:-0}" -eq $((2 * PORTS))
result memory "$PORTS ports, guardnetd RSS / docker-proxy RSS" "<=0.01" "${r[*]}" \
	"guardnetd RSS kB" "${g[*]}" "docker-proxy RSS kB" "${p[*]}" "docker-proxy PSS kB" "${pss[*]}" "docker-proxy processes" "${n[*]}"

L=${GN_TAG}l
plugin_host "$L" "${GN_TAG}dl" || exit 1
say "$L: $(python3 "$BENCH_DIR/tools/fleet.py" fill "$(plugin_sock "${GN_TAG}dl")" "$L" "${L}s" "$NETS" "$EPS" 4)"
many=$((NETS * EPS * 4))
check "$many ports in guardnet's maps" test "$(in_ns "$L" nft list map inet guardnet any4 | grep -o 'tcp \. [0-9]* :' | wc -l)" -eq "$many"
lk=$(kb VmRSS "/proc/$(guardnetd_pid "$L")/status") lh=$(kb VmHWM "/proc/$(guardnetd_pid "$L")/status")
lr=() lp=()
for k in "${!p[@]}"; do
	lp+=("$((p[k] * many / PORTS))")
	lr+=("$(ratio "$lk" "${lp[-1]}")")
done
result memory "$many ports ($NETS networks x $EPS endpoints x 4), guardnetd RSS / docker-proxy RSS for as many ports" \
	"<=0.01" "${lr[*]}" "guardnetd RSS kB" "$lk" "guardnetd peak RSS kB" "$lh" "docker-proxy RSS kB (per port x $many)" "${lp[*]}"
summary bench_memory
