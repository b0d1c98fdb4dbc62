#!/bin/bash
# Hardening: each libFuzzer harness for FUZZ_SECONDS (default 60) after
# replaying every past finding and the seeds; the unit tests and Docker's
# recorded requests against guardnetd built with ASan and UBSan; the same
# replay under valgrind memcheck.  Needs root (the replays give guardnetd a
# network namespace of its own), clang and valgrind (packaging/deps.sh).
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT
cd "$GN_ROOT" || exit 1

secs=${FUZZ_SECONDS:-60}
harnesses=(http decode ufw config)

# step NAME GREP COMMAND...: runs a make step with its output in a log;
# shows the lines matching GREP (the figures), or the log's end on failure.
step() {
	local log=$GN_TMP/$1.log pattern=$2 rc
	shift 2
	"$@" >"$log" 2>&1
	rc=$?
	grep -aE "$pattern" "$log" | sed 's/^/    /'
	[ $rc -eq 0 ] || tail -60 "$log" | sed 's/^/    | /'
	return $rc
}

check "fuzz harnesses build with clang -fsanitize=fuzzer,address,undefined" \
	step build '^$' make -s -j2 WERROR=1 "${harnesses[@]/#/build/fuzz/fuzz_}"
for n in "${harnesses[@]}"; do
	check "fuzz_$n: past findings and seeds replayed, then $secs s without a finding" \
		step "fuzz_$n" '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|DONE|Test unit written' \
		make -s WERROR=1 fuzz FUZZ_NAMES="$n" FUZZ_SECONDS="$secs"
done
check "ASan+UBSan: unit tests, fuzz regressions and replay without a sanitizer report" \
	step asan '^[0-9]+%: Checks|replayed|^replay:|SUMMARY|asan:' make -s -j2 WERROR=1 asan
check "valgrind: replay with no memcheck error and nothing definitely or indirectly lost" \
	step valgrind '^replay:|definitely lost|indirectly lost|All heap blocks|ERROR SUMMARY|^valgrind:' make -s -j2 WERROR=1 valgrind
summary hardening
