#!/bin/bash
# Figure 2, memory: a container publishing 100 ports (IPv4 and IPv6) on a
# guardnet network, against the same container on a Docker bridge network.
# guardnet's cost is guardnetd's resident set; the bridge driver's is the
# sum of the resident sets of the docker-proxy processes dockerd starts for
# the ports (userland-proxy=true, Docker's default: one per port and
# address family).  The sum of PSS is shown too: RSS counts the pages the
# proxies share once per process.
#
#   usage: bash tests/bench/memory.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 5 1)
PORTS=$(pick 100 10)
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
summary bench_memory
