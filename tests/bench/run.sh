#!/bin/bash
# Runs every benchmark in tests/bench, in --quick mode when asked (what
# tests/run-all.sh does: it checks that the benchmarks still work, not the
# targets), and ends with "bench: N passed, M failed" summing their checks.
#
#   usage: bash tests/bench/run.sh [--quick]
set -u
cd "$(dirname "$0")" || exit 1
log=$(mktemp /tmp/gn-bench.XXXXXX)
trap 'rm -f "$log"' EXIT
passed=0
failed=0
broken=()
for b in *.sh; do
	case $b in lib.sh | run.sh) continue ;; esac
	echo "--- bench/$b $*"
	start=$SECONDS
	bash "$b" "$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	echo "--- bench/$b took $((SECONDS - start)) s"
	line=$(grep -E '^bench_[a-z_]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -z "$line" ]; then
		broken+=("$b")
		failed=$((failed + 1))
		continue
	fi
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { f=1; broken+=("$b"); }
	passed=$((passed + p))
	failed=$((failed + f))
done
[ ${#broken[@]} -gt 0 ] && echo "broken benchmarks: ${broken[*]}"
echo "bench: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
