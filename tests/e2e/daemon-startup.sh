#!/bin/bash
# guardnetd's start-up as an operator meets it: --help and --version, a bad
# configuration named by its key, refusals reported as errors (not warnings)
# with exit 1, and -d, which names the state directory (relayd's -d is debug).
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT
version=$(cat "$GN_ROOT/VERSION")

# run_d ARGS...: guardnetd bounded in time; sets out, err and rc.
run_d() {
	timeout 20 "$GN_BIN" "$@" >"$GN_TMP/out" 2>"$GN_TMP/err"
	rc=$?
	out=$(cat "$GN_TMP/out")
	err=$(cat "$GN_TMP/err")
}
has() { grep -qE -- "$2" <<<"$1"; }

run_d --help
check "--help: exit 0, usage on stdout (got $rc)" bash -c "[ $rc -eq 0 ] && [ -z \"\$(cat $GN_TMP/err)\" ]"
for f in --socket --state-dir --config --control --check --cleanup --verbose --version --help; do
	check "--help documents $f" has "$out" "$f"
done
run_d --version
check "--version: \"guardnetd $version\", exit 0 (got $rc: $out)" test "$rc:$out" = "0:guardnetd $version"
run_d --bogus
check "an unknown option: exit 2 (got $rc)" test "$rc" -eq 2
run_d -d -v
check "-d -v: exit 2, not a state directory named -v (got $rc: $err)" \
	bash -c "[ $rc -eq 2 ] && grep -q -- '-d names the state directory' $GN_TMP/err && [ ! -e ./-v ]"

printf '# a comment\nufw = yes\n' >"$GN_TMP/bad.conf"
run_d -n -f "$GN_TMP/bad.conf"
check "ufw = yes: exit 1 (got $rc)" test "$rc" -eq 1
check "the message names the file, the line, the key as guardnet.conf spells it, and the value ($err)" \
	test "$err" = "guardnetd: error: $GN_TMP/bad.conf:2: ufw: invalid value \"yes\" (expected auto, on or off)"
printf 'ufw = off\n' >"$GN_TMP/good.conf"
run_d -n -f "$GN_TMP/good.conf"
check "the same file with ufw = off: configuration OK, exit 0 (got $rc: $out)" test "$rc:$out" = "0:configuration OK"

# A second guardnetd in a namespace refuses to start: an error, exit 1.
H=${GN_TAG}h
netns_add "$H"
guardnetd_start "$H" "${GN_TAG}drv" || { summary daemon_startup; exit 1; }
in_ns "$H" timeout 20 "$GN_BIN" --socket "$GN_TMP/second.sock" --state-dir "$GN_TMP/second" \
	--control "$GN_TMP/second-ctl.sock" -f "$GN_TMP/good.conf" >"$GN_TMP/out" 2>"$GN_TMP/err"
rc=$?
err=$(cat "$GN_TMP/err")
check "a second guardnetd: exit 1 (got $rc)" test "$rc" -eq 1
check "its refusal is an error line ($err)" \
	test "$err" = "guardnetd: error: another guardnetd already manages this network namespace; not starting"
check "and no line of it is a warning" bash -c "! grep -q 'warning:' $GN_TMP/err"

summary daemon_startup
