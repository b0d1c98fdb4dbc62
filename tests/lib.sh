# Helpers for tests that need root: test hosts as network namespaces, each
# with its own dockerd and guardnetd (design.md section 5).  Source it,
# then call gn_cleanup from an EXIT trap.  Nothing here touches the root
# network namespace's links, firewall or UFW.

GN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GN_BIN=${GN_BIN:-$GN_ROOT/build/guardnetd}
GN_TMP=$(mktemp -d /tmp/gn-test.XXXXXX)
GN_TAG=gnt$$
GN_NAMESPACES=()
GN_PIDS=()
GN_PASSED=0
GN_FAILED=0

say() { printf '%s\n' "$*"; }
ok() { GN_PASSED=$((GN_PASSED + 1)); say "ok - $*"; }
fail() { GN_FAILED=$((GN_FAILED + 1)); say "FAIL - $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
summary() { say "$1: $GN_PASSED passed, $GN_FAILED failed"; [ "$GN_FAILED" -eq 0 ]; }

# wait_until SECONDS COMMAND...: polls every 50 ms until the command succeeds.
wait_until() {
	local deadline=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.05
	done
}

# netns_add NAME: a test host or the outside world.
netns_add() {
	ip netns add "$1"
	GN_NAMESPACES+=("$1")
	ip -n "$1" link set lo up
}

# in_ns NAME COMMAND...: runs a command in a namespace without remounting
# /sys (dockerd needs the host's cgroup view).
in_ns() { local ns=$1; shift; nsenter --net=/run/netns/"$ns" "$@"; }

# dockerd_start NS: a dockerd of its own inside NS; sets DOCKER_HOST_NS_<NS>.
dockerd_start() {
	local ns=$1 d=$GN_TMP/docker-$1
	mkdir -p "$d/data" "$d/exec"
	in_ns "$ns" dockerd --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/docker.sock" \
		--pidfile "$d/docker.pid" >"$d/dockerd.log" 2>&1 &
	GN_PIDS+=($!)
	eval "DOCKER_${ns//-/_}=unix://$d/docker.sock"
	wait_until 60 docker -H "unix://$d/docker.sock" info || { say "dockerd in $ns did not start:"; tail -20 "$d/dockerd.log"; return 1; }
}

# dk NS ARGS...: the docker CLI against NS's dockerd.
dk() { local ns=$1; shift; docker -H "unix://$GN_TMP/docker-$ns/docker.sock" "$@"; }

# guardnetd_start NS DRIVER: guardnetd in NS serving driver name DRIVER.
guardnetd_start() {
	local ns=$1 drv=$2 d=$GN_TMP/gn-$1
	mkdir -p "$d"
	in_ns "$ns" "$GN_BIN" -v --socket "/run/docker/plugins/$drv.sock" --state-dir "$d/state" \
		>>"$d/guardnetd.log" 2>&1 &
	GN_PIDS+=($!)
	eval "GUARDNETD_PID_${ns//-/_}=$!"
	wait_until 10 plugin_call "$drv" /Plugin.Activate || { say "guardnetd did not start:"; cat "$d/guardnetd.log"; return 1; }
}

# plugin_call DRIVER PATH [BODY]: one request on a plugin socket.
plugin_call() {
	curl -sf --unix-socket "/run/docker/plugins/$1.sock" -X POST -d "${3:-}" "http://plugin$2"
}

# pid_gone PID: the process has exited (a zombie counts as exited).
pid_gone() { [ ! -e /proc/$1 ] || [ "$(awk '{print $3}' /proc/$1/stat 2>/dev/null)" = Z ]; }

gn_cleanup() {
	local pid ns
	set +e
	for pid in "${GN_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${GN_PIDS[@]}"; do
		wait_until 20 pid_gone "$pid" || kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# dockerd leaves its containerd and shims behind when killed hard.
	pkill -9 -f "$GN_TMP/docker-" 2>/dev/null
	for ns in "${GN_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
	# Mounts dockerd made under its data and exec roots.
	findmnt -rn -o TARGET | grep "^$GN_TMP" | sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -f /run/docker/plugins/"$GN_TAG"*.sock
	rm -rf "$GN_TMP"
}
