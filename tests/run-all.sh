#!/bin/bash
# Every test guardnet has: installs what it needs (packaging/deps.sh, the
# only step that runs apt-get), builds with -Werror, runs the unit tests
# (Check) and the daemon replay, then the demo, every scenario file under
# tests/e2e, the hardening run and the benchmarks in their quick mode,
# several at a time.  Needs root.
#
#   usage: [GUARDNET_DOCKER=20|28] tests/run-all.sh [-j N] [PATTERN...]
#     -j N      suites at once after the unit tests and the replay (GN_JOBS; default 3:
#               the scenarios mostly wait for timeouts and dockerd, not for the CPU)
#     PATTERN   run only the suites whose name matches a shell pattern, e.g. 'publish-*' unit
#
# Engines (tests/lib.sh, dockerd_start): by default the scenarios run on the
# machine's dockerd (Debian 12's 20.10), and those where Docker 28 differs
# (publish-*, ufw-* but ufw-diff-*, legacy-*, driver-*, audit-* for Docker
# 28's raw table and IPv6 NAT, compose-example with compose v2, churn-sigkill
# with 20 cycles, the healing and restart benchmarks (restart: dockerd
# restarted with restart policies and with live-restore), and the attacks whose outcome
# depends on Docker's rules: attack-fail-closed, attack-foreign-bridge,
# attack-ipv6-forward) run again on Docker 28.5.2 as NAME@28 (18 minutes of
# suites one at a time on a busy 2-core machine, 4 more for the attacks and
# 3 for audit's), from a Debian forky root file system that
# tests/docker28/rootfs.sh builds on first use outside the repository
# (/var/cache/guardnet-tests/forky, GUARDNET_FORKY).
# GUARDNET_DOCKER=28 runs everything on Docker 28 alone, GUARDNET_DOCKER=20
# on 20.10 alone.
#
# Each suite's output goes to a log, shown when the suite fails.  A suite
# prints "ok - ..." / "FAIL - ..." lines and ends with "NAME: N passed, M
# failed"; exit 77 means it cannot run here (reported as a skip with its
# reason, not as a failure).  The run ends with each suite's wall time
# (and CPU time, where cgroup v2 counts it), slowest first (kept in
# GN_TIMES_FILE, /var/tmp/guardnet-tests.times, to start the slowest first
# next time), and one line: "tests: N passed, M failed, K skipped".
set -u
cd "$(dirname "$0")/.." || exit 1

jobs=${GN_JOBS:-3}
while getopts j: o; do
	case $o in
	j) jobs=$OPTARG ;;
	*) sed -n '8,11s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
patterns=("$@")
[ "$jobs" -ge 1 ] 2>/dev/null || { echo "run-all.sh: -j wants a number, not '$jobs'" >&2; exit 2; }

if [ "$(id -u)" -ne 0 ]; then
	echo "run-all.sh needs root (network namespaces, dockerd)" >&2
	exit 1
fi
bash packaging/deps.sh || exit 1
# Debian's python3 first, for every suite (tests/lib.sh says why).
[ -x /usr/bin/python3 ] && export PATH=$PWD/tests/bin:$PATH
make -s WERROR=1 all build/check_guardnet || exit 1
# tests/demo.sh installs and builds when run alone; here that is done.
export GN_PREPARED=1

logs=$(mktemp -d /tmp/gn-run.XXXXXX)
cg_root=""
# A cgroup goes once empty, its children first (a swarm's engines put
# their containers' groups under the suite's).
trap 'rm -rf "$logs"; [ -z "$cg_root" ] || find "$cg_root" -depth -type d -exec rmdir {} + 2>/dev/null' EXIT
passed=0 failed=0 skipped=0 started=$SECONDS
# The machine's busy CPU seconds (user, nice, system, irq, softirq, in
# ticks of USER_HZ), to set the suites' own beside: the rest is their
# containers' and other programs'.
hz=$(getconf CLK_TCK)
busy() { awk -v hz="$hz" '$1 == "cpu" { printf "%d\n", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat; }
busy_at_start=$(busy)
broken=() skips=() times=()

# The unit tests in the common format: Check's TAP lines become ok/FAIL lines.
unit() {
	CK_TAP_LOG_FILE_NAME=- make -s WERROR=1 check 2>&1 | awk '
		/^ok [0-9]+ - / { sub(/^ok [0-9]+ - /, "ok - "); p++ }
		/^not ok [0-9]+ - / { sub(/^not ok [0-9]+ - /, "FAIL - "); f++ }
		{ print }
		END { printf "unit: %d passed, %d failed\n", p, f }'
	return "${PIPESTATUS[0]}"
}

# Every suite, as NAME COMMAND: the quick ones first, alone; then the rest
# in the pool, the longest first so that the pool ends together.
serial=("unit unit" "replay python3 tests/e2e/replay_restart.py build/guardnetd spec")
pool=("hardening bash tests/hardening/fuzz_smoke.sh" "bench bash tests/bench/run.sh --quick")
for t in tests/e2e/*.sh; do
	pool+=("$(basename "$t" .sh) bash $t")
done
pool+=("demo bash tests/demo.sh")
if [ -z "${GUARDNET_DOCKER:-}" ]; then
	for t in tests/e2e/publish-*.sh tests/e2e/ufw-*.sh tests/e2e/legacy-*.sh tests/e2e/driver-*.sh tests/e2e/audit-*.sh; do
		# No Docker in publish-docker29-nft (it fakes Docker 29's tables);
		# the differential test against UFW (ufw-diff-*) tests guardnet's
		# reading of UFW against the machine's own ufw, not the engine.
		case $t in */publish-docker29-nft.sh | */ufw-diff-*.sh) continue ;; esac
		pool+=("$(basename "$t" .sh)@28 env GUARDNET_DOCKER=28 bash $t")
	done
	# The attacks whose outcome depends on Docker's own rules: its iptables
	# layout (fail-closed), its raw drops (foreign-bridge), its ip6tables
	# FORWARD policy (ipv6-forward).
	for t in attack-fail-closed attack-foreign-bridge attack-ipv6-forward; do
		pool+=("$t@28 env GUARDNET_DOCKER=28 bash tests/e2e/$t.sh")
	done
	pool+=("compose-example@28 env GUARDNET_DOCKER=28 bash tests/e2e/compose-example.sh"
		"churn-sigkill@28 env GUARDNET_DOCKER=28 CHURN_CYCLES=20 bash tests/e2e/churn-sigkill.sh"
		"healing@28 env GUARDNET_DOCKER=28 bash tests/bench/healing.sh --quick"
		"restart@28 env GUARDNET_DOCKER=28 bash tests/bench/restart.sh --quick")
fi
# The wall times of the last run on this machine put the longest suites
# first; on a machine without one (CI's), those of a whole run kept in
# tests/suite-times (wall seconds, name, CPU seconds: the clean-clone run
# of 6009a6d, 2,204 s at -j 3, the suites' sum 6,545 s, CPU 3,576 s).
times_file=${GN_TIMES_FILE:-/var/tmp/guardnet-tests.times}
order=$times_file
[ -s "$order" ] || order=tests/suite-times
if [ -s "$order" ]; then
	mapfile -t pool < <(for s in "${pool[@]}"; do
		t=$(awk -v n="${s%% *}" '$2 == n { print $1 }' "$order")
		printf '%s\t%s\n' "${t:--1}" "$s"
	done | sort -s -t $'\t' -k1,1nr | cut -f2-)
fi

wanted() {
	local p
	[ ${#patterns[@]} -eq 0 ] && return 0
	for p in "${patterns[@]}"; do
		# shellcheck disable=SC2053 # a pattern on purpose
		[[ $1 == $p ]] && return 0
	done
	return 1
}

# Each suite's CPU time from a cgroup of its own in the cgroup v2 hierarchy
# (Debian 12 mounts it at /sys/fs/cgroup; a hybrid layout, as on CI's
# machine, at /sys/fs/cgroup/unified; its cpu.stat counts without any
# controller): the suite's processes and the dockerd, containerd and
# programs they start, not their containers (Docker puts those in groups of
# its own).  A run on a busy machine is CPU-bound: the CPU seconds say where
# the time goes better than the wall times of suites that share it.
cg_root=$(awk '$3 == "cgroup2" { print $2 "/gn-run-'$$'"; exit }' /proc/mounts)
[ -n "$cg_root" ] && ! mkdir "$cg_root" 2>/dev/null && cg_root=""
cg_cpu() { awk '$1 == "usage_usec" { printf "%d\n", $2 / 1000000 }' "$1/cpu.stat"; }

# run_suite NAME COMMAND...: one suite, its output in $logs/NAME.log, its
# exit code, wall time and CPU seconds in $logs/NAME.rc, .time and .cpu.
run_suite() {
	local name=$1 start=$SECONDS rc cg=""
	shift
	[ -n "$cg_root" ] && mkdir -p "$cg_root/$name" 2>/dev/null && cg=$cg_root/$name
	(
		[ -z "$cg" ] || echo "$BASHPID" >"$cg/cgroup.procs"
		"$@" >"$logs/$name.log" 2>&1 </dev/null
	)
	rc=$?
	echo $((SECONDS - start)) >"$logs/$name.time"
	[ -z "$cg" ] || cg_cpu "$cg" >"$logs/$name.cpu"
	echo $rc >"$logs/$name.rc"
}

# report NAME: adds a finished suite's counts and prints its line.
report() {
	local name=$1 log=$logs/$1.log rc t line p=0 f=0 reason
	rc=$(cat "$logs/$name.rc")
	t=$(cat "$logs/$name.time")
	times+=("$t $name $(cat "$logs/$name.cpu" 2>/dev/null)")
	if [ "$rc" = 77 ]; then
		reason=$(grep -m1 '^skip - ' "$log" | sed 's/^skip - //')
		skipped=$((skipped + 1))
		skips+=("$name")
		printf 'skip %-32s %4d s  %s\n' "$name" "$t" "${reason:-$(tail -1 "$log")}"
		return
	fi
	line=$(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	fi
	# A suite that exits non-zero or reports nothing counts as a failure.
	if [ "$rc" -ne 0 ] || [ -z "$line" ] || [ "$f" -ne 0 ]; then
		[ "$f" -eq 0 ] && f=1
		broken+=("$name")
		printf 'FAIL %-32s %4d s  %s (exit %s)\n' "$name" "$t" "${line:-no result line}" "$rc"
		sed 's/^/    | /' "$log"
	else
		printf 'ok   %-32s %4d s  %s\n' "$name" "$t" "$line"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

# Docker 28's root file system, before the suites that need it run at once.
for s in "${pool[@]}"; do
	n=${s%% *}
	if wanted "$n" && { [ "${GUARDNET_DOCKER:-}" = 28 ] || [ "${n%@28}" != "$n" ]; }; then
		serial+=("rootfs@28 bash tests/docker28/rootfs.sh --report")
		break
	fi
done

for s in "${serial[@]}"; do
	read -r name cmd <<<"$s"
	wanted "$name" || continue
	# shellcheck disable=SC2086 # a command line of our own
	run_suite "$name" $cmd
	report "$name"
done

declare -A running=()
queue=()
for s in "${pool[@]}"; do
	wanted "${s%% *}" && queue+=("$s")
done
echo "--- ${#queue[@]} suites, $jobs at a time"
while [ ${#queue[@]} -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
	while [ ${#queue[@]} -gt 0 ] && [ ${#running[@]} -lt "$jobs" ]; do
		read -r name cmd <<<"${queue[0]}"
		queue=("${queue[@]:1}")
		# shellcheck disable=SC2086 # a command line of our own
		run_suite "$name" $cmd &
		running[$!]=$name
	done
	wait -n -p done_pid
	[ -n "${done_pid:-}" ] && [ -n "${running[$done_pid]:-}" ] || continue
	report "${running[$done_pid]}"
	unset "running[$done_pid]"
done

# The attack suite's side-by-side table (tests/attack-table.sh prints it
# for the attack scenarios alone).
table=$(for f in "$logs"/attack-*.log; do
	[ -e "$f" ] || continue
	awk '/: attack \| Docker bridge driver \| guardnet$/ { on = 1; print; next } on && /^$/ { on = 0 } on' "$f"
done)
[ -z "$table" ] || printf -- '--- the attacks of issue 12: Docker'"'"'s bridge driver and guardnet side by side\n%s\n' "$table"
echo "--- wall time per suite, slowest first${cg_root:+, and its CPU time}"
printf '%s\n' "${times[@]}" | sort -rn | awk '{ printf "%6d s  %-32s %s\n", $1, $2, $3 == "" ? "" : sprintf("%6d s CPU", $3); cpu += $3 }
	END { if (cpu) printf "--- CPU time of all suites: %d s\n", cpu }'
echo "--- the machine's CPUs were busy $(($(busy) - busy_at_start)) s of $(($(nproc) * (SECONDS - started))) ($(nproc) x the run)"
# Kept for the next run's order (only a whole run knows every suite).
[ ${#patterns[@]} -eq 0 ] && printf '%s\n' "${times[@]}" >"$times_file" 2>/dev/null
echo "--- the whole run: $((SECONDS - started)) s with -j $jobs"
[ ${#skips[@]} -gt 0 ] && echo "skipped suites: ${skips[*]}"
[ ${#broken[@]} -gt 0 ] && echo "failing suites: ${broken[*]}"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
