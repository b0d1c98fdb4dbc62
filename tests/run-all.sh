#!/bin/bash
# Every test guardnet has: installs what it needs, builds with -Werror, then
# runs the unit tests (Check), the daemon replay over its socket, the tests
# with real namespaces and a real dockerd, the hardening run (fuzzing,
# sanitizers, valgrind) and the benchmarks in their quick mode.  Needs root.
# Ends with one line "tests: N passed, M failed" summing every check.
#
# Engines (tests/lib.sh): by default the machine's dockerd 20.10 runs every
# suite, and Docker 28.5.2 (a forky root file system tests/docker28/rootfs.sh
# builds once, outside the repository) runs again the suites that touch
# iptables or differ between the engines, reported as NAME@28.
# GUARDNET_DOCKER=28 runs every suite on Docker 28 alone, GUARDNET_DOCKER=20
# on 20.10 alone.
set -u
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "run-all.sh needs root (network namespaces, dockerd)" >&2
	exit 1
fi
bash packaging/deps.sh || exit 1
make -s WERROR=1 all build/check_guardnet || exit 1

logs=$(mktemp -d /tmp/gn-run.XXXXXX)
trap 'rm -rf "$logs"' EXIT
passed=0
failed=0
broken=()

# run NAME COMMAND...: runs one suite, shows its output and adds its counts.
run() {
	local name=$1 p f line
	shift
	echo "=== $name"
	"$@" 2>&1 | tee "$logs/$name.log"
	local rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+%: Checks: ' "$logs/$name.log" | tail -1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/' <<<"$line")
		set -- $p
		f=$(($2 + $3))
		p=$(($1 - f))
	else
		line=$(grep -E '^[a-z_]+: [0-9]+ passed, [0-9]+ failed' "$logs/$name.log" | tail -1)
		p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"${line:-: 0 passed}")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"${line:-0 failed}")
	fi
	# 77: the suite cannot run here (it says why); a skip, not a failure.
	if [ "$rc" -eq 77 ]; then
		echo "$name: skipped"
		return
	fi
	# A suite that exits non-zero or reports nothing counts as a failure.
	if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
		broken+=("$name")
		[ "$f" -eq 0 ] && f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

run unit make -s WERROR=1 check
run replay python3 tests/e2e/replay_restart.py build/guardnetd spec
run demo bash tests/demo.sh
for t in tests/ns/*.sh tests/e2e/*.sh tests/hardening/*.sh; do
	[ -e "$t" ] || continue
	run "$(basename "$t" .sh)" bash "$t"
done
# The benchmarks in their quick mode: they still run, whatever the numbers.
run bench bash tests/bench/run.sh --quick
# The second engine: the suites where Docker 28 differs from 20.10 (its
# iptables chains and FORWARD policies, UFW on iptables 1.8.13, legacy
# iptables, IPv6-only networks, the request order of a container's
# teardown under kill -9, what docker ps shows, the interface name option),
# and the healing benchmark.
if [ -z "${GUARDNET_DOCKER:-}" ]; then
	export GUARDNET_FORKY=${GUARDNET_FORKY:-/var/cache/guardnet-tests/forky}
	run rootfs@28 bash -c 'bash tests/docker28/rootfs.sh >/dev/null && echo "rootfs: 1 passed, 0 failed"'
	for t in publish ufw legacy ipv6only docker_ports ifname; do
		GUARDNET_DOCKER=28 run "$t@28" bash "tests/e2e/$t.sh"
	done
	GUARDNET_DOCKER=28 CHURN_CYCLES=20 run churn@28 bash tests/e2e/churn.sh
	GUARDNET_DOCKER=28 run healing@28 bash tests/bench/healing.sh --quick
fi

[ ${#broken[@]} -gt 0 ] && echo "failing suites: ${broken[*]}"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
