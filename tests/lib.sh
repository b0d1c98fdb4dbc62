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
GN_HOLDERS=()
GN_PASSED=0
GN_FAILED=0

say() { printf '%s\n' "$*"; }
ok() { GN_PASSED=$((GN_PASSED + 1)); say "ok - $*"; }
fail() { GN_FAILED=$((GN_FAILED + 1)); say "FAIL - $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# not COMMAND...: the command fails (for check).
not() { ! "$@"; }
# quiet COMMAND...: runs a command without its output (for check).
quiet() { "$@" >/dev/null 2>&1; }
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

# GUARDNET_PLUGIN=managed runs the suites built on testbed against the
# managed plugin from `make plugin` (driver NAME:latest) instead of a
# guardnetd on a socket in /run/docker/plugins.
GUARDNET_PLUGIN=${GUARDNET_PLUGIN:-}

# guardnetd_start NS DRIVER: guardnetd in NS serving driver name DRIVER.
# It reads UFW's files under $GN_TMP/gn-NS/ufwroot (empty: no UFW) and
# never the machine's own /etc/ufw.
guardnetd_start() {
	local ns=$1 drv=$2 d=$GN_TMP/gn-$1
	if [ "$GUARDNET_PLUGIN" = managed ]; then
		managed_start "$@"
		return
	fi
	mkdir -p "$d/ufwroot"
	echo "ufw_root = $d/ufwroot" >"$d/guardnet.conf"
	nsenter --net=/run/netns/"$ns" "$GN_BIN" -v --socket "/run/docker/plugins/$drv.sock" --state-dir "$d/state" \
		--config "$d/guardnet.conf" --control "$d/control.sock" \
		>>"$d/guardnetd.log" 2>&1 &
	GN_PIDS+=($!)
	eval "GUARDNETD_PID_${ns//-/_}=$!"
	wait_until 10 plugin_call "$drv" /Plugin.Activate || { say "guardnetd did not start:"; cat "$d/guardnetd.log"; return 1; }
}

# managed_start NS DRIVER: guardnetd_start for GUARDNET_PLUGIN=managed.  The
# plugin DRIVER (NAME:latest) gets the test host's state directory, UFW
# files and guardnet.conf through its settable mounts; the control socket
# and guardnetd.log are where the suites expect them (a link to the socket
# in the plugin's directory, guardnetd's lines taken from dockerd's log).
# Called again after the suite killed guardnetd, it waits for Docker to
# have restarted the plugin.
managed_start() {
	local ns=$1 drv=$2 d=$GN_TMP/gn-$1 id pid dpid
	if ! dk "$ns" plugin inspect "$drv" >/dev/null 2>&1; then
		mkdir -p "$d/ufwroot/etc/ufw" "$d/ufwroot/etc/default" "$d/state" "$d/etc"
		: >"$d/etc/guardnet.conf"
		plugin_build
		plugin_install "$ns" "$drv" args=-v state.source="$d/state" config.source="$d/etc" \
			ufw.source="$d/ufwroot/etc/ufw" ufw-default.source="$d/ufwroot/etc/default"
		id=$(dk "$ns" plugin inspect -f '{{.Id}}' "$drv")
		ln -sfn "/run/docker/plugins/$id/control.sock" "$d/control.sock"
		eval "GN_PLUGIN_SOCK_${drv//[^a-zA-Z0-9_]/_}=/run/docker/plugins/$id/guardnet.sock"
		dpid=$(cat "$GN_TMP/docker-$ns/docker.pid")
		tail --pid="$dpid" -n +1 -F "$GN_TMP/docker-$ns/dockerd.log" 2>/dev/null |
			sed -un -e 's/\\"/"/g' -e 's/.* msg="\(.*\)" plugin=[0-9a-f]*$/\1/p' >>"$d/guardnetd.log" &
	fi
	wait_until 30 plugin_call "$drv" /Plugin.Activate || { say "plugin $drv did not start"; return 1; }
	pid=$(plugin_pid "$ns" "$drv")
	eval "GUARDNETD_PID_${ns//-/_}=$pid"
}

# plugin_call DRIVER PATH [BODY]: one request on a plugin socket.
plugin_call() {
	local v=GN_PLUGIN_SOCK_${1//[^a-zA-Z0-9_]/_} sock=/run/docker/plugins/$1.sock
	[ -z "${!v:-}" ] || sock=${!v}
	curl -sf --unix-socket "$sock" -X POST -d "${3:-}" "http://plugin$2"
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
	[ "$GUARDNET_PLUGIN" != managed ] || DRV=$DRV:latest
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

# must COMMAND...: a setup step that has to work; on failure the test stops
# with the command and its output.
must() {
	local out
	if ! out=$("$@" 2>&1); then
		fail "setup step failed: $*: $out"
		exit 1
	fi
	[ -z "$out" ] || printf '%s\n' "$out"
}

# --- Hosts that look real to dockerd and managed plugins (Swarm nodes) ---
#
# node_add NS: network namespace NS plus private mount and UTS namespaces
# (host name NS), held open by a sleeping process, with its own /etc (a copy of the machine's),
# /var/lib and /run: its dockerd then runs with Docker's default paths, and
# a managed plugin's mounts (/etc/ufw, /run/docker/plugins, ...) are the
# node's, not the machine's.  The node's files are under $GN_TMP/node-NS.
node_add() {
	local ns=$1 d=$GN_TMP/node-$1 holder
	netns_add "$ns" || return 1
	mkdir -p "$d/var-lib/docker" "$d/var-lib/guardnet" "$GN_TMP/docker-$ns"
	cp -a /etc "$d/etc" 2>/dev/null
	mkdir -p "$d/etc/docker" "$d/etc/guardnet"
	# ufw would otherwise apply /etc/ufw/sysctl.conf, which is host-wide.
	: >"$d/etc/ufw/empty-sysctl.conf"
	sed -i -e 's|^IPT_SYSCTL=.*|IPT_SYSCTL=/etc/ufw/empty-sysctl.conf|' "$d/etc/default/ufw"
	unshare --mount --uts --propagation private sleep infinity &
	holder=$!
	GN_PIDS+=("$holder")
	GN_HOLDERS+=("$holder")
	eval "GN_HOLDER_${ns//-/_}=$holder"
	wait_until 5 own_mntns "$holder" || return 1
	readlink /proc/$holder/ns/mnt >"$GN_TMP/mntns-$holder"
	stat -L -c 'net:[%i]' /run/netns/"$ns" >>"$GN_TMP/mntns-$holder"
	nsenter --mount="/proc/$holder/ns/mnt" --uts="/proc/$holder/ns/uts" sh -eu -c '
		hostname "$2"
		mount --bind "$1/etc" /etc
		mount --bind "$1/var-lib" /var/lib
		mount -t tmpfs -o mode=0755 tmpfs /run
		mkdir -p /run/lock' sh "$d" "$ns"
}

# own_mntns PID: PID has left this shell's mount namespace.
own_mntns() { [ "$(readlink /proc/"$1"/ns/mnt)" != "$(readlink /proc/$$/ns/mnt)" ]; }

# in_node NS COMMAND...: runs a command in node NS's network and mount
# namespaces.
in_node() {
	local ns=$1 h
	shift
	h=GN_HOLDER_${ns//-/_}
	nsenter --mount="/proc/${!h}/ns/mnt" --uts="/proc/${!h}/ns/uts" --net=/run/netns/"$ns" "$@"
}

# ufw_node NS ARGS...: Debian's ufw on node NS's own files and firewall.
ufw_node() { in_node "$1" ufw "${@:2}" >/dev/null 2>&1; }

# node_dockerd_start NS [ARGS...]: NS's dockerd with Docker's default paths
# (inside the node), its API socket at $GN_TMP/docker-NS/docker.sock for dk.
# Containers get 2 s to stop when it stops, so that clean-up is quick.
node_dockerd_start() {
	local ns=$1 d=$GN_TMP/docker-$1 h
	shift
	h=GN_HOLDER_${ns//-/_}
	nsenter --mount="/proc/${!h}/ns/mnt" --uts="/proc/${!h}/ns/uts" --net=/run/netns/"$ns" dockerd -H "unix://$d/docker.sock" \
		--shutdown-timeout 2 "$@" \
		>>"$d/dockerd.log" 2>&1 &
	GN_PIDS+=($!)
	eval "DOCKERD_PID_${ns//-/_}=$!"
	wait_until 60 docker -H "unix://$d/docker.sock" info || { say "dockerd in $ns did not start:"; tail -20 "$d/dockerd.log"; return 1; }
}

# node_dockerd_stop NS: stops NS's dockerd (and with it its plugins).
node_dockerd_stop() {
	local v=DOCKERD_PID_${1//-/_}
	kill "${!v}" 2>/dev/null
	wait_until 30 pid_gone "${!v}"
	wait "${!v}" 2>/dev/null
	return 0
}

# plugin_build: build/plugin from `make plugin` (GN_PLUGIN_DIR names
# another plugin directory to test instead).
GN_PLUGIN_DIR=${GN_PLUGIN_DIR:-$GN_ROOT/build/plugin}
plugin_build() {
	[ "$GN_PLUGIN_DIR" != "$GN_ROOT/build/plugin" ] || make -s -C "$GN_ROOT" plugin >/dev/null
}

# plugin_install NS NAME [KEY=VALUE...]: the managed plugin built by `make
# plugin` installed on NS's dockerd as NAME:latest, set and enabled.
plugin_install() {
	local ns=$1 name=$2
	shift 2
	must dk "$ns" plugin create "$name" "$GN_PLUGIN_DIR" >/dev/null
	[ $# -eq 0 ] || must dk "$ns" plugin set "$name" "$@"
	must dk "$ns" plugin enable "$name" >/dev/null
}

# plugin_pid NS NAME: the pid of NS's plugin process (its guardnetd), from
# NS's containerd (a node's at Docker's default path).
plugin_pid() {
	local id h=GN_HOLDER_${1//-/_} ctr=(ctr -a "$GN_TMP/docker-$1/exec/containerd/containerd.sock")
	id=$(dk "$1" plugin inspect -f '{{.Id}}' "$2") || return 1
	[ -z "${!h:-}" ] || ctr=(in_node "$1" ctr -a /run/docker/containerd/containerd.sock)
	"${ctr[@]}" -n plugins.moby task ls 2>/dev/null | awk -v id="$id" '$1 == id && $3 == "RUNNING" { print $2 }'
}

# lan_add LAN: a namespace holding the bridge nodes and clients join.
lan_add() {
	netns_add "$1" || return 1
	ip -n "$1" link add br0 type bridge
	ip -n "$1" link set br0 up
}

# lan_join LAN NS ADDR/LEN [IFNAME]: NS on LAN with ADDR, as interface IFNAME
# (default lan0) in NS.
lan_join() {
	local lan=$1 ns=$2 addr=$3 ifn=${4:-lan0} peer
	GN_LAN_PORTS=$((${GN_LAN_PORTS:-0} + 1))
	peer=p$GN_LAN_PORTS
	ip link add "$ifn" netns "$ns" type veth peer name "$peer" netns "$lan" || return 1
	ip -n "$lan" link set "$peer" master br0 up
	ip -n "$ns" addr add "$addr" dev "$ifn"
	ip -n "$ns" link set "$ifn" up
}

# swarm_up: a Swarm of three nodes on one LAN (10.77.0.0/24): manager M
# (.1), workers W1 (.2) and W2 (.3), each with its dockerd and the gnbox
# image, and a client C with an address to allow (.100, CLIENT_OK) and one
# not to (.101, CLIENT_NO).  Sets M, W1, W2, NODES, LAN, C, NODE_ADDR_<ns>.
CLIENT_OK=10.77.0.100
CLIENT_NO=10.77.0.101
swarm_up() {
	local n i=1 token
	M=${GN_TAG}m
	W1=${GN_TAG}w1
	W2=${GN_TAG}w2
	LAN=${GN_TAG}l
	C=${GN_TAG}c
	NODES=("$M" "$W1" "$W2")
	lan_add "$LAN" || return 1
	for n in "${NODES[@]}"; do
		node_add "$n" || return 1
		lan_join "$LAN" "$n" "10.77.0.$i/24" || return 1
		eval "NODE_ADDR_${n//-/_}=10.77.0.$i"
		node_dockerd_start "$n" || return 1
		image_load "$n" || return 1
		i=$((i + 1))
	done
	netns_add "$C" || return 1
	lan_join "$LAN" "$C" "$CLIENT_OK/24" || return 1
	ip -n "$C" addr add "$CLIENT_NO/24" dev lan0
	must dk "$M" swarm init --advertise-addr 10.77.0.1 >/dev/null
	token=$(dk "$M" swarm join-token -q worker) || return 1
	must dk "$W1" swarm join --token "$token" --advertise-addr 10.77.0.2 10.77.0.1:2377
	must dk "$W2" swarm join --token "$token" --advertise-addr 10.77.0.3 10.77.0.1:2377
	wait_until 60 swarm_ready || { say "the swarm did not form:"; dk "$M" node ls; return 1; }
}

# swarm_ready: every node of the swarm is Ready.
swarm_ready() { [ "$(dk "$M" node ls --format '{{.Status}}' | grep -c '^Ready$')" -eq "${#NODES[@]}" ]; }

# swarm_guardnet_up: on the swarm from swarm_up, guardnet as the managed
# plugin GNP (gn:latest) on every node, UFW enabled on every node (allowing
# the other nodes, so that the swarm keeps working), the network GNET
# created once on the manager (guardnet.allow="$CLIENT_OK", subnet
# 10.99.0.0/24) and the global service "web" (gnbox's httpd) published in
# host mode on port 8080.  Fails when the service does not run on every
# node within 60 s, after printing why.
GNP=gn:latest
swarm_guardnet_up() {
	local n a
	plugin_build || return 1
	for n in "${NODES[@]}"; do
		plugin_install "$n" "$GNP" args=-v
		for a in 10.77.0.1 10.77.0.2 10.77.0.3; do must in_node "$n" ufw allow from "$a" >/dev/null; done
		must in_node "$n" ufw --force enable >/dev/null
	done
	must dk "$M" network create -d "$GNP" --scope swarm --attachable -o guardnet.allow="$CLIENT_OK" \
		--subnet 10.99.0.0/24 gnet >/dev/null
	GNET=$(dk "$M" network inspect -f '{{.Id}}' gnet)
	must dk "$M" service create -d --name web --mode global --network gnet --no-resolve-image \
		--publish mode=host,published=8080,target=80 gnbox httpd -f -p 80 -h /www >/dev/null
	wait_until 60 service_settled web 3
	service_running web 3 && return 0
	say "# the service does not run on every node:"
	dk "$M" service ps --no-trunc --format '{{.Node}}: {{.Error}}' web | sort | uniq -c | head -6
	return 1
}

# service_running SERVICE N: N tasks of SERVICE are running.
service_running() {
	[ "$(dk "$M" service ps "$1" -f desired-state=running --format '{{.CurrentState}}' | grep -c '^Running')" -eq "$2" ]
}

# service_settled SERVICE N: N tasks run, or N were rejected (a driver
# error that retrying will not change).
service_settled() {
	service_running "$1" "$2" ||
		[ "$(dk "$M" service ps "$1" --format '{{.CurrentState}}' | grep -c '^Rejected')" -ge "$2" ]
}

# node_addr NS: node NS's LAN address.
node_addr() { local v=NODE_ADDR_${1//-/_}; echo "${!v}"; }

# from_client SRC URL: HTTP GET from the client with source address SRC;
# prints the body; curl's exit status (7 refused, 28 timed out).
from_client() { in_ns "$C" curl -s --max-time 3 --interface "$1" "$2"; }

# http_get NS SRC URL: an HTTP GET from NS with source address SRC (empty:
# the kernel's choice), bounded to 3 s.  Prints the body; returns curl's
# status: 7 for a refusal, 28 for no answer at all.
http_get() {
	local src=()
	[ -z "$2" ] || src=(--interface "$2")
	in_ns "$1" curl -s --max-time 3 "${src[@]}" "$3"
}

# reaches NS SRC URL: the page comes back.
reaches() { [ "$(http_get "$@")" = "hello from guardnet" ]; }

# block_logged SRC SPORT DPORT [PREFIX]: the kernel logged the drop of a
# packet from SRC:SPORT to port DPORT, by guardnet (the default, "GUARDNET
# BLOCK"; behind the DNAT, so DPORT is the container's port) or by UFW
# ("UFW BLOCK").  Needs log_all_netns.
block_logged() { dmesg | grep -q "\[${4:-GUARDNET BLOCK}\] .*SRC=$1 .*SPT=$2 DPT=$3 "; }

# dropped NS SRC URL DPORT [PREFIX]: no answer at all (curl timed out, it
# was not refused) and the kernel logged the drop of that very connection
# (its source port is chosen here, so other tests' lines cannot match).
dropped() {
	local lport=$((20000 + RANDOM % 40000)) rc
	in_ns "$1" curl -s --max-time 3 --interface "$2" --local-port "$lport" "$3" >/dev/null
	rc=$?
	[ $rc -eq 28 ] || { say "# $2 -> $3: curl exit $rc, expected 28 (timeout)"; return 1; }
	wait_until 3 block_logged "$2" "$lport" "$4" "${5:-}" ||
		{ say "# $2:$lport -> $3: no [${5:-GUARDNET BLOCK}] line"; return 1; }
}

# log_all_netns: nftables log lines from test namespaces reach the kernel
# log (design.md section 5) until gn_cleanup puts the setting back.
log_all_netns() {
	GN_LOG_ALL_OLD=$(cat /proc/sys/net/netfilter/nf_log_all_netns)
	echo 1 >/proc/sys/net/netfilter/nf_log_all_netns
}

# pid_gone PID: the process has exited (a zombie counts as exited).
pid_gone() { [ ! -e /proc/$1 ] || [ "$(awk '{print $3}' /proc/$1/stat 2>/dev/null)" = Z ]; }

# node_kill_all HOLDER: kills every process in the mount namespace that
# HOLDER (a node's sleeping process, already gone or not) created, or in
# the node's network namespace (its plugins, which have mount namespaces of
# their own).
node_kill_all() {
	local mnt net p
	{ read -r mnt && read -r net; } <"$GN_TMP/mntns-$1" 2>/dev/null || return 0
	[ -n "$mnt" ] && [ -n "$net" ] || return 0
	for p in /proc/[0-9]*; do
		case "$(readlink "$p/ns/mnt" 2>/dev/null) $(readlink "$p/ns/net" 2>/dev/null)" in
		"$mnt "* | *" $net") kill -9 "${p#/proc/}" 2>/dev/null ;;
		esac
	done
	return 0
}

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
	# Inside nodes, containerd, shims and plugins run with Docker's default
	# paths: whatever still lives in a node's mount namespace goes.
	for pid in "${GN_HOLDERS[@]}"; do node_kill_all "$pid"; done
	for ns in "${GN_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
	# Mounts dockerd made under its data and exec roots.
	findmnt -rn -o TARGET | grep "^$GN_TMP" | sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -f /run/docker/plugins/"$GN_TAG"*.sock
	rm -rf "$GN_TMP"
	[ -z "${GN_LOG_ALL_OLD:-}" ] || echo "$GN_LOG_ALL_OLD" >/proc/sys/net/netfilter/nf_log_all_netns
}
