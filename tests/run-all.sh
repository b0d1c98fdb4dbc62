#!/bin/bash
# Every test guardnet has: installs what it needs, builds with -Werror, then
# runs the unit tests (Check), the daemon replay over its socket, the tests
# with real namespaces and a real dockerd, the hardening run (fuzzing,
# sanitizers, valgrind) and the benchmarks in their quick mode.  Needs root.
# Ends with one line "tests: N passed, M failed" summing every check.
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

[ ${#broken[@]} -gt 0 ] && echo "failing suites: ${broken[*]}"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
