# shellcheck shell=bash
# Helpers for the managed plugin and Swarm scenarios (tests/e2e/plugin-*.sh,
# swarm-*.sh): test hosts that look real to dockerd and to a managed plugin
# (Swarm nodes with their own mount namespace, /etc, /var/lib and /run), the
# plugin from `make plugin` installed on them, a three-node swarm on a LAN
# with a client, and reachability checks that say why.  Source it after
# lib.sh; lib.sh sources it itself for GUARDNET_PLUGIN=managed, which runs
# the suites built on testbed against the managed plugin.
[ -z "${GN_LIB_SWARM:-}" ] || return 0
GN_LIB_SWARM=1
GN_HOLDERS=()

# not COMMAND...: the command fails (for check).
not() { ! "$@"; }

# must COMMAND...: a setup step that has to work; on failure the test stops
# with the command and its output.
declare -F must >/dev/null || must() {
	local out
	if ! out=$("$@" 2>&1); then
		fail "setup step failed: $*: $out"
		exit 1
	fi
	[ -z "$out" ] || printf '%s\n' "$out"
}

# managed_start NS DRIVER: guardnetd_start for GUARDNET_PLUGIN=managed.  The
# plugin DRIVER (NAME:latest) gets the test host's state directory, UFW
# files and guardnet.conf through its settable mounts; the plugin socket,
# the control socket and guardnetd.log are where the suites look for them
# (GN_SOCKS, a link to the control socket in the plugin's directory, which
# is in NS's plugin directory; guardnetd's lines taken from dockerd's log).
# Called again after the suite killed guardnetd, it waits for Docker to
# have restarted the plugin.
managed_start() {
	local ns=$1 drv=$2 d=$GN_TMP/gn-$1 id pid dpid
	if ! dk "$ns" plugin inspect "$drv" >/dev/null 2>&1; then
		# The plugin cannot set host-wide switches (/proc/sys is read-only
		# there; it logs what to set): the administrator's part.  Docker
		# turns IPv4 forwarding on itself.
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
		[ -d "$d/ufwroot/etc/ufw" ] || ufw_files "$ns" || return 1
		mkdir -p "$d/state" "$d/etc"
		[ -e "$d/etc/guardnet.conf" ] || : >"$d/etc/guardnet.conf"
		plugin_build || return 1
		plugin_install "$ns" "$drv" args=-v state.source="$d/state" config.source="$d/etc" \
			ufw.source="$d/ufwroot/etc/ufw" ufw-default.source="$d/ufwroot/etc/default" || return 1
		id=$(dk "$ns" plugin inspect -f '{{.Id}}' "$drv")
		# Links: the sockets' own paths are too long for a Unix socket address.
		ln -sfn "$GN_TMP/plugins-$ns/$id/control.sock" "$d/control.sock"
		ln -sfn "$GN_TMP/plugins-$ns/$id/guardnet.sock" "$d/plugin.sock"
		GN_SOCKS[$drv]=$d/plugin.sock
		dpid=$(cat "$GN_TMP/docker-$ns/docker.pid")
		tail --pid="$dpid" -n +1 -F "$GN_TMP/docker-$ns/dockerd.log" 2>/dev/null |
			sed -un -e 's/\\"/"/g' -e 's/.* msg="\(.*\)" plugin=[0-9a-f]*$/\1/p' >>"$d/guardnetd.log" &
	fi
	wait_until 30 plugin_call "$drv" /Plugin.Activate || { say "plugin $drv did not start"; return 1; }
	pid=$(plugin_pid "$ns" "$drv")
	eval "GUARDNETD_PID_${ns//-/_}=$pid"
}

# A guardnetd that Docker starts as a plugin cannot be given the LD_PRELOAD
# shim that makes the kernel refuse a transaction.  (The skip line goes to
# the test's own output: suites call refuse_shim with theirs captured.)
if [ "${GUARDNET_PLUGIN:-}" = managed ]; then
	exec {GN_STDOUT}>&1
	refuse_shim() { skip "GUARDNET_PLUGIN=managed: Docker starts guardnetd, so no LD_PRELOAD shim can refuse its transactions" >&"$GN_STDOUT"; }
fi

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
	# Not in GN_PIDS: gn_cleanup kills a node's processes by their
	# namespaces (node_kill_all), and no "Killed" line is wanted.
	disown "$holder"
	GN_HOLDERS+=("$holder")
	eval "GN_HOLDER_${ns//-/_}=$holder"
	wait_until 5 own_mntns "$holder" || { kill "$holder"; return 1; }
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
	disown $! # as the node's holder
	eval "DOCKERD_PID_${ns//-/_}=$!"
	wait_until 120 docker -H "unix://$d/docker.sock" info || { say "dockerd in $ns did not start:"; tail -20 "$d/dockerd.log"; return 1; }
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
# Suites run at once, and packaging/plugin/build.sh starts by removing the
# directory, which would pull it from under another suite's docker plugin
# create: under a lock, the first builds and the others find it current.
plugin_build() {
	[ "$GN_PLUGIN_DIR" = "$GN_ROOT/build/plugin" ] || return 0
	(
		flock 9
		cmp -s "$GN_PLUGIN_DIR/rootfs/usr/sbin/guardnetd" "$GN_ROOT/build/guardnetd" &&
			cmp -s "$GN_PLUGIN_DIR/config.json" "$GN_ROOT/packaging/plugin/config.json" ||
			make -s -C "$GN_ROOT" plugin >/dev/null
	) 9>"$GN_ROOT/build/.plugin.lock"
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

# plugin_host: test host H as a node (node_add) with its dockerd and the
# gnbox image, joined to outside O (192.0.2.2 and .3; H is 192.0.2.1), for
# the managed plugin on one host.
plugin_host() {
	H=${GN_TAG}h
	O=${GN_TAG}o
	node_add "$H" && netns_add "$O" && outside_add "$H" "$O" || return 1
	ip -n "$O" addr add 192.0.2.3/24 dev "${O:0:7}y" || return 1
	node_dockerd_start "$H" && image_load "$H"
}

# stack_file FILE DRIVER DRIVER_OPTS: a compose file for docker stack deploy:
# service "api" (gnbox's httpd, global, port 8081 published in host mode)
# on network "back" of DRIVER with DRIVER_OPTS (a YAML map) and subnet
# 10.98.0.0/24.
stack_file() {
	cat >"$1" <<EOF
version: "3.8"
services:
  api:
    image: gnbox
    command: httpd -f -p 80 -h /www
    networks: [back]
    deploy: {mode: global}
    ports: [{target: 80, published: 8081, mode: host}]
networks:
  back:
    driver: $2
    driver_opts: $3
    ipam: {config: [{subnet: 10.98.0.0/24}]}
EOF
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
	wait_until 120 swarm_ready || { say "the swarm did not form:"; dk "$M" node ls; return 1; }
}

# swarm_ready: every node of the swarm is Ready.
swarm_ready() { [ "$(dk "$M" node ls --format '{{.Status}}' | grep -c '^Ready$')" -eq "${#NODES[@]}" ]; }

# swarm_guardnet_up: on the swarm from swarm_up, guardnet as the managed
# plugin GNP (gn:latest) on every node, UFW enabled on every node (allowing
# the other nodes, so that the swarm keeps working), the network GNET
# created once on the manager (guardnet.allow="$CLIENT_OK", subnet
# 10.99.0.0/24) and the global service "web" (gnbox's httpd) published in
# host mode on port 8080.  Fails when the service does not run on every
# node within 120 s, after printing why.
GNP=gn:latest
swarm_guardnet_up() {
	local n a
	plugin_build || return 1
	for n in "${NODES[@]}"; do
		plugin_install "$n" "$GNP" args="-v --scope global"
		for a in 10.77.0.1 10.77.0.2 10.77.0.3; do must in_node "$n" ufw allow from "$a" >/dev/null; done
		must in_node "$n" ufw --force enable >/dev/null
	done
	must dk "$M" network create -d "$GNP" --scope swarm --attachable -o guardnet.allow="$CLIENT_OK" \
		--subnet 10.99.0.0/24 gnet >/dev/null
	GNET=$(dk "$M" network inspect -f '{{.Id}}' gnet)
	must dk "$M" service create -d --name web --mode global --network gnet --no-resolve-image \
		--publish mode=host,published=8080,target=80 gnbox httpd -f -p 80 -h /www >/dev/null
	wait_until 120 service_settled web 3
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
from_client() { in_ns "$C" curl -s --max-time 3 --interface "host!$1" "$2"; }

# http_get NS SRC URL: an HTTP GET from NS with source address SRC (empty:
# the kernel's choice), bounded to 3 s.  Prints the body; returns curl's
# status: 7 for a refusal, 28 for no answer at all.
http_get() {
	local src=()
	[ -z "$2" ] || src=(--interface "host!$2")
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
	in_ns "$1" curl -s --max-time 3 --interface "host!$2" --local-port "$lport" "$3" >/dev/null
	rc=$?
	[ $rc -eq 28 ] || { say "# $2 -> $3: curl exit $rc, expected 28 (timeout)"; return 1; }
	wait_until 3 block_logged "$2" "$lport" "$4" "${5:-}" ||
		{ say "# $2:$lport -> $3: no [${5:-GUARDNET BLOCK}] line"; return 1; }
}

# log_all_netns: nftables log lines from test namespaces reach the kernel
# log (design.md section 5) until gn_cleanup puts the setting back.
log_all_netns() {
	# lib.sh's own, where it has one (shared by tests running at once).
	if declare -F kernel_log_on >/dev/null; then kernel_log_on; return; fi
	GN_LOG_ALL_OLD=$(cat /proc/sys/net/netfilter/nf_log_all_netns)
	echo 1 >/proc/sys/net/netfilter/nf_log_all_netns
}

# node_kill_all HOLDER: kills every process in the mount namespace that
# HOLDER (a node's sleeping process, already gone or not) created, or in
# the node's network namespace (its plugins, which have mount namespaces of
# their own), and their descendants (containers, whose namespaces are their
# own).
node_kill_all() {
	local mnt net p pid ppid n=-1 pids=" "
	{ read -r mnt && read -r net; } <"$GN_TMP/mntns-$1" 2>/dev/null || return 0
	[ -n "$mnt" ] && [ -n "$net" ] || return 0
	for p in /proc/[0-9]*; do
		case "$(readlink "$p/ns/mnt" 2>/dev/null) $(readlink "$p/ns/net" 2>/dev/null)" in
		"$mnt "* | *" $net") pids+="${p#/proc/} " ;;
		esac
	done
	while [ "$n" -ne "${#pids}" ]; do
		n=${#pids}
		while read -r pid ppid; do
			[[ "$pids" != *" $ppid "* || "$pids" == *" $pid "* ]] || pids+="$pid "
		done < <(ps -e -o pid=,ppid=)
	done
	# shellcheck disable=SC2086
	[ "$pids" = " " ] || kill -9 $pids 2>/dev/null
	return 0
}


# Whatever runs in a node goes at once (a node's mounts live in its own
# mount namespace and go with its last process; a graceful stop of a
# swarm's dockerd takes seconds), then gn_cleanup does the rest.
eval "gn_cleanup_hosts() $(declare -f gn_cleanup | tail -n +2)"
gn_cleanup() {
	local pid
	for pid in "${GN_HOLDERS[@]}"; do node_kill_all "$pid"; done
	gn_cleanup_hosts
	[ -z "${GN_LOG_ALL_OLD:-}" ] || echo "$GN_LOG_ALL_OLD" >/proc/sys/net/netfilter/nf_log_all_netns
}
