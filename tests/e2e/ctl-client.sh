#!/bin/bash
# guardnetctl as an operator meets it first: --help and --version, bad
# arguments, and a guardnetd that is not there, stopped, wedged or dying.
# guardnetctl must give up within its --timeout with a message that says
# which, never hang.  Needs root only for the real guardnetd (in a network
# namespace of its own, without dockerd).
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT
CTL=$GN_ROOT/build/guardnetctl
version=$(cat "$GN_ROOT/VERSION")

# guardnetctl runs in a namespace of its own: check reads the kernel of the
# namespace it runs in when guardnetd does not answer.
H=${GN_TAG}h
netns_add "$H"

# run_ctl ARGS...: guardnetctl, bounded from outside too (a hang is exit 124);
# sets out (stdout), err (stderr), rc and ms (wall time).
run_ctl() {
	local t0=$(date +%s%N)
	in_ns "$H" timeout 30 "$CTL" --state-dir "$GN_TMP/none" "$@" >"$GN_TMP/out" 2>"$GN_TMP/err"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	out=$(cat "$GN_TMP/out")
	err=$(cat "$GN_TMP/err")
}
# ctl_was RC STREAM REGEX [MAX_MS [MIN_MS]]: the last run_ctl exited RC, its
# STREAM (out or err) matches REGEX, and it took between MIN_MS and MAX_MS.
ctl_was() {
	local text
	[ "$2" = out ] && text=$out || text=$err
	[ "$rc" -eq "$1" ] && grep -qE -- "$3" <<<"$text" && [ "$ms" -le "${4:-30000}" ] && [ "$ms" -ge "${5:-0}" ]
}
# ctl_only RC STREAM REGEX: ctl_was, and the other stream is empty.
ctl_only() {
	ctl_was "$@" || return 1
	if [ "$2" = out ]; then [ -z "$err" ]; else [ -z "$out" ]; fi
}

run_ctl --help
check "--help: exit 0, usage on stdout, nothing on stderr" ctl_only 0 out '^usage: guardnetctl' 
for w in status check explain --socket --json --timeout --version 'exit status'; do
	check "--help mentions $w" ctl_was 0 out "(^| )$w"
done
run_ctl --version
check "guardnetctl --version: exit 0, \"guardnetctl $version\" (got $rc, \"$out\")" \
	test "$rc:$out" = "0:guardnetctl $version"
out=$("$GN_BIN" --version)
check "guardnetd --version: \"guardnetd $version\" (got \"$out\")" test "$out" = "guardnetd $version"
out=$("$GN_BIN" -V)
check "guardnetd -V: the same" test "$out" = "guardnetd $version"
run_ctl
check "no command: exit 2, a reason on stderr, nothing on stdout (got $rc: $err)" \
	ctl_only 2 err 'which command' 
run_ctl --bogus status
check "unknown option: exit 2 (got $rc)" test "$rc" -eq 2
run_ctl frobnicate
check "unknown command: exit 2, named (got $rc: $err)" ctl_was 2 err 'unknown command frobnicate' 
run_ctl --from 192.0.2.1 status
check "an explain option on status: exit 2 (got $rc)" test "$rc" -eq 2
run_ctl --timeout 0 status
check "--timeout 0: exit 2 (got $rc)" test "$rc" -eq 2

# No guardnetd at all.
run_ctl --socket "$GN_TMP/none.sock" --timeout 2 status
check "no socket: exit 3 at once, \"not running\" ($rc, $ms ms: $err)" \
	ctl_was 3 err 'guardnetd is not running: there is no control socket' 1500

# Stand-ins for a guardnetd that does not answer.  Each one must cost the
# timeout (2 s) and no more; 5 s leaves room for a loaded machine.
for mode in listen full accept close; do
	python3 "$GN_ROOT/tests/tools/wedged-socket.py" "$GN_TMP/$mode.sock" $mode >"$GN_TMP/$mode.out" &
	GN_PIDS+=($!)
	wait_until 10 grep -q ready "$GN_TMP/$mode.out" || { fail "wedged-socket.py $mode did not start"; continue; }
	for cmd in status check; do
		run_ctl --socket "$GN_TMP/$mode.sock" --timeout 2 $cmd
		case $mode in
		close) want="closed the connection"; fast=1 ;;
		full) want="did not take the request within 2 s: it is stopped or wedged"; fast=0 ;;
		*) want="did not answer within 2 s: it is stopped or wedged"; fast=0 ;;
		esac
		if [ $fast = 1 ]; then
			check "$mode, $cmd: exit 3 at once ($rc, $ms ms: $err)" ctl_was 3 err "$want" 1500
		else
			check "$mode, $cmd: exit 3 after the 2 s timeout, not a hang ($rc, $ms ms: $err)" \
				ctl_was 3 err "$want" 5000 1900
		fi
		[ $cmd = status ] || check "$mode, check: then the degraded check, which finds no guardnet here" \
			ctl_was 3 out '^guardnet has no network here' 
	done
done

# A real guardnetd: answered (the positive control), stopped with SIGSTOP,
# continued, then killed (its socket file stays behind: refused).
guardnetd_start "$H" "${GN_TAG}drv" || { summary ctl_client; exit 1; }
pid_var=GUARDNETD_PID_${H//-/_}
pid=${!pid_var}
sock=$GN_TMP/gn-$H/control.sock
run_ctl --socket "$sock" status
check "running guardnetd: status answers (exit $rc, $ms ms)" ctl_was 0 out '^guardnetd .*; firewall:' 
kill -STOP "$pid"
run_ctl --socket "$sock" --timeout 2 status
check "stopped guardnetd (SIGSTOP): exit 3 after the timeout ($rc, $ms ms: $err)" \
	ctl_was 3 err 'did not answer within 2 s: it is stopped or wedged' 5000 1900
kill -CONT "$pid"
run_ctl --socket "$sock" status
check "continued: status answers again (exit $rc)" ctl_was 0 out '^guardnetd .*; firewall:' 
# guardnetd_stop polls until the pid is gone (wait alone returns at once
# for the disowned job).
guardnetd_stop "$H" KILL
run_ctl --socket "$sock" --timeout 2 status
check "killed guardnetd: exit 3 at once, \"not running\" ($rc, $ms ms: $err)" \
	ctl_was 3 err 'guardnetd is not running: nothing listens on .* \(connection refused\)' 1500

summary ctl_client
