#!/bin/bash
# Hostile clients: 1,000 idle connections to the plugin socket, a client
# sending its body a byte at a time (slowloris), one sending its headers so,
# and a 100 KB header must not keep Docker out: network create, run -p and
# rm succeed, each within a deadline far below guardnetd's idle timeout,
# while they are all open (tests/e2e/hostile.py).  Also: both sockets are
# root's alone, the control socket refuses a non-root peer even when its
# file lets it in, and error replies, even for a failed state write, name
# the bad input, not guardnet's paths.
set -u
. "$(dirname "$0")/../lib.sh"
trap 'touch "$GN_TMP/check"; gn_cleanup' EXIT

testbed || exit 1
SOCK=$GN_PLUGINS/$DRV.sock
CTL=$GN_TMP/gn-$H/control.sock
OUT=$GN_TMP/hostile.out
# Docker's own calls must not wait for hostile clients to time out (30 s).
dkt() { timeout 20 docker -H "unix://$GN_TMP/docker-$H/docker.sock" "$@"; }
saw() { grep -qxE "$1" "$OUT"; }

# guardnetd started with systemd's usual soft limit of 1,024 descriptors
# raises it to the hard one, or it could not hold 1,000 clients.
pid_var=GUARDNETD_PID_${H//-/_}
kill "${!pid_var}"
wait "${!pid_var}" 2>/dev/null
hard=$(ulimit -Hn)
ulimit -Sn 1024
guardnetd_start "$H" "$DRV" || exit 1
ulimit -Sn "$hard"
check "guardnetd raised its descriptor limit from 1024 to $hard" \
	test "$(awk '/^Max open files/ {print $4}' /proc/${!pid_var}/limits)" = "$hard"

# 1. Hostile clients, and Docker meanwhile.
python3 "$GN_ROOT/tests/e2e/hostile.py" "$SOCK" 1000 "$GN_TMP/check" 60 >"$OUT" 2>&1 &
GN_PIDS+=($!)
helper=$!
wait_until 60 saw ready
check "1,000 idle connections open ($(grep '^idle connections:' "$OUT"))" saw 'idle connections: 1000'
check "a 100 KB header is refused with 431 or a closed connection ($(grep '^oversized' "$OUT"))" \
	saw 'oversized header: status (431|0)'
out=$(dkt network create -d "$DRV" --ipv6 --subnet 10.224.0.0/24 --subnet fd00:224::/64 hn 2>&1)
check "meanwhile docker network create succeeds: $out" test $? -eq 0
out=$(dkt run -d --name h1 --network hn -p 8080:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "meanwhile docker run -p 8080:80 succeeds: $out" test $? -eq 0
check "meanwhile the published port answers the host" \
	test "$(in_ns "$H" curl -s -m 3 http://127.0.0.1:8080/)" = "hello from guardnet"
out=$(dkt rm -f h1 2>&1)
check "meanwhile docker rm -f succeeds: $out" test $? -eq 0
touch "$GN_TMP/check"
wait_until 90 pid_gone "$helper"
check "the idle connections were kept, not dropped, meanwhile" saw 'idle connections still open: 1000'
check "and each still gets an answer" saw 'idle connections answered: 1000'
check "the slow body is cut off" saw 'slow body: closed by the server'
say "  $(grep '^slow headers' "$OUT")"

# 2. Root's sockets.
check "plugin socket is 0600 root:root" test "$(stat -c '%a %U %G' "$SOCK")" = "600 root root"
check "control socket is 0600 root:root" test "$(stat -c '%a %U %G' "$CTL")" = "600 root root"
cp "$GN_ROOT/build/guardnetctl" "$GN_TMP/guardnetctl"
chmod 0711 "$GN_TMP" "$GN_TMP/gn-$H"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
out=$(as_nobody curl -s --unix-socket "$SOCK" -X POST http://plugin/Plugin.Activate 2>&1)
check "nobody cannot use the plugin socket" test -z "$out"
out=$(as_nobody "$GN_TMP/guardnetctl" --socket "$CTL" status 2>&1)
check "nobody cannot open the control socket: $out" grep -q 'Permission denied' <<<"$out"
chmod 0666 "$CTL"
out=$(as_nobody "$GN_TMP/guardnetctl" --socket "$CTL" status 2>&1)
rc=$?
check "with its file opened up, guardnetd still refuses nobody: $out" \
	test $rc -ne 0 -a "$out" = "guardnetctl: guardnetctl needs root"
chmod 0600 "$CTL"
check "root is served" quiet "$GN_TMP/guardnetctl" --socket "$CTL" status

# 3. Error replies name the bad input and nothing of guardnet's own.
net=$(dkt network inspect -f '{{.Id}}' hn)
ep=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
reply() { curl -s --unix-socket "$SOCK" -X POST --data-binary "@-" "http://plugin$1"; }
replies=$(
	echo '{"NetworkID": tru' | reply /NetworkDriver.CreateNetwork
	echo "{\"NetworkID\":\"$net\",\"Options\":{\"com.docker.network.generic\":{\"guardnet.allow\":\"10.0.0.0/33\"}},\"IPv4Data\":[],\"IPv6Data\":[]}" |
		reply /NetworkDriver.CreateNetwork
	echo "{\"NetworkID\":\"$ep\",\"EndpointID\":\"$ep\",\"Interface\":{\"Address\":\"10.9.9.9/24\"}}" |
		reply /NetworkDriver.CreateEndpoint
	echo "{\"NetworkID\":\"$net\",\"EndpointID\":\"$ep\",\"SandboxKey\":\"/var/run/docker/netns/x\"}" | reply /NetworkDriver.Join
	echo "{\"NetworkID\":\"$net\",\"EndpointID\":\"$ep\",\"Options\":{}}" | reply /NetworkDriver.ProgramExternalConnectivity
	echo '{}' | reply /NetworkDriver.Nope
	head -c 2000000 /dev/zero | reply /NetworkDriver.CreateNetwork)
check "error replies are JSON with Err ($(grep -o '"Err"' <<<"$replies" | wc -l) of 7)" \
	test "$(grep -o '"Err"' <<<"$replies" | wc -l)" -eq 7
check "no error reply shows a path of guardnet's: $(grep -oE "$GN_TMP[^\"]*|/var/lib/guardnet[^\"]*|/run/guardnet[^\"]*" <<<"$replies" | head -1)" \
	bash -c '! grep -qE "$1|/var/lib/guardnet|/run/guardnet|/proc/" <<<"$2"' _ "$GN_TMP" "$replies"

# A state file guardnetd cannot write (an immutable directory, where the
# file system has the flag): Docker's error names the file, not the path.
STATE=$GN_TMP/gn-$H/state
if chattr +i "$STATE/endpoints" 2>/dev/null; then
	out=$(dkt run -d --name h2 --network hn gnbox sleep 100 2>&1)
	chattr -i "$STATE/endpoints"
	check "a failed state write fails the run and names the file: $out" \
		grep -qE 'cannot write state file endpoints/[0-9a-f]{64}\.json: Operation not permitted' <<<"$out"
	check "... but no path of guardnet's" bash -c '! grep -qF "$1" <<<"$2"' _ "$GN_TMP" "$out"
else
	say "  skip: $STATE's file system has no immutable flag"
fi

[ "$GN_FAILED" -gt 0 ] && { cat "$OUT"; say "--- guardnetd log"; grep -v 'debug:' "$GN_TMP/gn-$H/guardnetd.log" | tail -20; }
summary hostile
