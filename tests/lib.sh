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
# quiet COMMAND...: runs a command without its output (for check).
quiet() { "$@" >/dev/null 2>&1; }
summary() { say "$1: $GN_PASSED passed, $GN_FAILED failed"; [ "$GN_FAILED" -eq 0 ]; }
# die MESSAGE: a failure that ends the test.
die() {
	fail "$*"
	summary "$(basename "$0" .sh)"
	exit 1
}
# must COMMAND...: a set-up step, run in this shell (so a function may set
# variables); its failure ends the test with the command's output.
must() {
	local out=$GN_TMP/must.out rc
	"$@" >"$out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && return 0
	say "set-up step failed (exit $rc): $*"
	tail -40 "$out" | sed 's/^/    | /'
	die "set-up: $*"
}

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

# dockerd_start NS [legacy]: a dockerd of its own inside NS.  With "legacy"
# its iptables is iptables-legacy: in a private mount namespace the nft
# multi-call binary is covered by the legacy one (design.md section 5).
dockerd_start() {
	local ns=$1 d=$GN_TMP/docker-$1 pre=()
	mkdir -p "$d/data" "$d/exec"
	[ "${2:-}" = legacy ] && pre=(unshare --mount sh -c \
		'mount --bind /usr/sbin/xtables-legacy-multi /usr/sbin/xtables-nft-multi && exec "$@"' sh)
	# Started directly (not through a function) so that $! is dockerd itself.
	"${pre[@]}" nsenter --net=/run/netns/"$ns" dockerd --data-root "$d/data" --exec-root "$d/exec" \
		-H "unix://$d/docker.sock" --pidfile "$d/docker.pid" >"$d/dockerd.log" 2>&1 &
	GN_PIDS+=($!)
	eval "DOCKER_${ns//-/_}=unix://$d/docker.sock"
	wait_until 60 docker -H "unix://$d/docker.sock" info || { say "dockerd in $ns did not start:"; tail -20 "$d/dockerd.log"; return 1; }
}

# dk NS ARGS...: the docker CLI against NS's dockerd.
dk() { local ns=$1; shift; docker -H "unix://$GN_TMP/docker-$ns/docker.sock" "$@"; }

# guardnetd_start NS DRIVER: guardnetd in NS serving driver name DRIVER.
# It reads UFW's files under $GN_TMP/gn-NS/ufwroot (empty: no UFW) and
# never the machine's own /etc/ufw.  Lines a test wrote to
# $GN_TMP/gn-NS/guardnet.conf before stay.
guardnetd_start() {
	local ns=$1 drv=$2 d=$GN_TMP/gn-$1
	mkdir -p "$d/ufwroot"
	echo "ufw_root = $d/ufwroot" >>"$d/guardnet.conf"
	nsenter --net=/run/netns/"$ns" "$GN_BIN" -v --socket "/run/docker/plugins/$drv.sock" --state-dir "$d/state" \
		--config "$d/guardnet.conf" --control "$d/control.sock" \
		>>"$d/guardnetd.log" 2>&1 &
	GN_PIDS+=($!)
	eval "GUARDNETD_PID_${ns//-/_}=$!"
	wait_until 10 plugin_call "$drv" /Plugin.Activate || { say "guardnetd did not start:"; cat "$d/guardnetd.log"; return 1; }
}

# plugin_call DRIVER PATH [BODY]: one request on a plugin socket.
plugin_call() {
	curl -sf --unix-socket "/run/docker/plugins/$1.sock" -X POST -d "${3:-}" "http://plugin$2"
}

# image_load NS: imports "gnbox", a busybox-static root file system with a
# web page and a CGI script that prints the caller's address, into NS's
# dockerd (there is no registry here).
image_load() {
	local root=$GN_TMP/rootfs
	if [ ! -f "$GN_TMP/gnbox.tar" ]; then
		mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/www/cgi-bin"
		cp /bin/busybox "$root/bin/busybox"
		# getaddrinfo in a static binary warns about NSS; numeric hosts are fine.
		gcc -static -O2 -w -o "$root/bin/udp" "$GN_ROOT/tests/tools/udp.c" 2>/dev/null || return 1
		cp "$root/bin/udp" "$GN_TMP/udp"
		for a in $(/bin/busybox --list); do
			[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
		done
		www_make "$root/www"
		tar -C "$root" -cf "$GN_TMP/gnbox.tar" .
	fi
	dk "$1" import "$GN_TMP/gnbox.tar" gnbox >/dev/null
}

# www_make DIR: index.html says "hello from guardnet"; cgi-bin/ip prints
# REMOTE_ADDR.
www_make() {
	mkdir -p "$1/cgi-bin"
	echo "hello from guardnet" >"$1/index.html"
	printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$1/cgi-bin/ip"
	chmod 0755 "$1/cgi-bin/ip"
}

# outside_add HOSTNS OUTNS: joins the test host to an "outside" namespace
# with 192.0.2.1/24 and 2001:db8:1::1/64 on the host side (.2 and ::2 outside).
outside_add() {
	local h=$1 o=$2 a=${1:0:7}x b=${2:0:7}y
	ip link add "$a" netns "$h" type veth peer name "$b" netns "$o"
	ip -n "$h" addr add 192.0.2.1/24 dev "$a"
	ip -n "$o" addr add 192.0.2.2/24 dev "$b"
	ip -n "$h" addr add 2001:db8:1::1/64 dev "$a" nodad
	ip -n "$o" addr add 2001:db8:1::2/64 dev "$b" nodad
	ip -n "$h" link set "$a" up
	ip -n "$o" link set "$b" up
}

# serve_outside OUTNS PORT: a web server in the outside namespace.
serve_outside() {
	local w=$GN_TMP/www-$1
	www_make "$w"
	nsenter --net=/run/netns/"$1" /bin/busybox httpd -f -p "$2" -h "$w" &
	GN_PIDS+=($!)
	wait_until 10 in_ns "$1" /bin/busybox wget -qO- "http://127.0.0.1:$2/"
}

# ctr_ip NS CONTAINER NETWORK [6]: a container's address on a network.
ctr_ip() {
	local f=IPAddress
	[ "${4:-}" = 6 ] && f=GlobalIPv6Address
	dk "$1" inspect -f "{{(index .NetworkSettings.Networks \"$3\").$f}}" "$2"
}

# fetch NS CONTAINER URL: HTTP GET from inside a container, bounded in time
# (busybox wget crashes with -T, design.md section 5).
fetch() { dk "$1" exec "$2" timeout 3 wget -qO- "$3" 2>/dev/null; }

# ufw_setup NS: UFW's files for test host NS under its guardnetd's ufw_root
# (a copy of Debian's, with no sysctl file: ufw would otherwise set
# host-wide sysctls), and ufw() to run Debian's ufw in NS on that copy only.
ufw_setup() {
	UFW_NS=$1
	UFW_ROOT=$GN_TMP/gn-$1/ufwroot
	mkdir -p "$UFW_ROOT/etc/default"
	cp -a /etc/ufw "$UFW_ROOT/etc/ufw"
	: >"$UFW_ROOT/etc/ufw/empty-sysctl.conf"
	sed -e 's|^IPT_SYSCTL=.*|IPT_SYSCTL='"$UFW_ROOT"'/etc/ufw/empty-sysctl.conf|' /etc/default/ufw \
		>"$UFW_ROOT/etc/default/ufw"
}
# With UFW_LEGACY=1, ufw's iptables is iptables-legacy (as dockerd_start legacy).
ufw() {
	unshare --mount bash -c 'mount --bind "$0/etc/ufw" /etc/ufw && mount --bind "$0/etc/default/ufw" /etc/default/ufw &&
		{ [ "$2" != 1 ] || mount --bind /usr/sbin/xtables-legacy-multi /usr/sbin/xtables-nft-multi; } &&
		exec nsenter --net=/run/netns/"$1" ufw "${@:3}"' "$UFW_ROOT" "$UFW_NS" "${UFW_LEGACY:-0}" "$@" >/dev/null 2>&1
}

# testbed [legacy]: the usual topology.  Test host H (dockerd, guardnetd,
# UFW's files ready for ufw(), the gnbox image) joined to the outside O,
# which has 192.0.2.2-.4 and 2001:db8:1::2-::4.  "legacy": dockerd on
# iptables-legacy.  Sets H, O and DRV (the driver name).
testbed() {
	H=${GN_TAG}h
	O=${GN_TAG}o
	DRV=${GN_TAG}drv
	netns_add "$H"
	netns_add "$O"
	outside_add "$H" "$O"
	for a in 3 4; do
		ip -n "$O" addr add 192.0.2.$a/24 dev "${O:0:7}y"
		ip -n "$O" addr add 2001:db8:1::$a/64 dev "${O:0:7}y" nodad
	done
	ufw_setup "$H"
	dockerd_start "$H" "${1:-}" || return 1
	guardnetd_start "$H" "$DRV" || return 1
	image_load "$H"
}

# pid_gone PID: the process has exited (a zombie counts as exited).
# refuse_shim: prints the path of tests/tools/nfrefuse.c built as an
# LD_PRELOAD library (once per test run).  A guardnetd started with
# GN_REFUSE_PORT=P LD_PRELOAD=<it> has every nf_tables transaction that
# publishes port P refused by the kernel.
refuse_shim() {
	local so=$GN_TMP/nfrefuse.so
	[ -e "$so" ] || gcc -shared -fPIC -O2 -Wall -o "$so" "$GN_ROOT/tests/tools/nfrefuse.c" || return 1
	echo "$so"
}

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
