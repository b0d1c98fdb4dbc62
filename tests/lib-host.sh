# shellcheck shell=bash
# Test hosts for tests/lib.sh (which sources this file and lists what it
# offers): network namespaces, each with its own dockerd, guardnetd, plugin
# directory and UFW files in private mount namespaces; images, containers,
# compose; the cleanup at exit.

# netns_add NAME: a test host or the outside world.
netns_add() {
	ip netns add "$1" || return 1
	GN_NAMESPACES+=("$1")
	ip -n "$1" link set lo up
}

# in_ns NAME COMMAND...: runs a command in a namespace without remounting
# /sys (dockerd needs the host's cgroup view).
in_ns() { local ns=$1; shift; nsenter --net=/run/netns/"$ns" "$@"; }

# host_mounts NS [legacy]: sets GN_MOUNTS to a command prefix that runs a
# program in NS's network namespace and in a private mount namespace where
# /run/docker/plugins is NS's own plugin directory and, once NS has UFW's
# files, /etc/ufw and /etc/default are NS's own.  With "legacy", iptables
# is iptables-legacy there: the nft multi-call binary is covered by the
# legacy one (design.md section 5).  The prefix execs, so that $! of
# `"${GN_MOUNTS[@]}" prog &` is the program itself.
host_mounts() {
	local ns=$1 plugins=$GN_TMP/plugins-$1 ufwroot=$GN_TMP/gn-$1/ufwroot
	mkdir -p "$plugins"
	# The mount point itself; Docker makes it when it runs on this machine.
	[ -d /run/docker/plugins ] || mkdir -p /run/docker/plugins
	GN_MOUNTS=(unshare --mount --propagation private bash -c '
		mount --bind "$1" /run/docker/plugins || exit 125
		if [ -d "$2/etc/ufw" ]; then
			mount --bind "$2/etc/ufw" /etc/ufw && mount --bind "$2/etc/default" /etc/default || exit 125
		fi
		if [ "$3" = legacy ]; then
			mount --bind /usr/sbin/xtables-legacy-multi /usr/sbin/xtables-nft-multi || exit 125
		fi
		shift 4
		exec "$@"' in_host "$plugins" "$ufwroot" "${2:-}" "$ns" nsenter --net=/run/netns/"$ns")
}

# in_host NS COMMAND...: COMMAND as the test host NS's own programs see the
# machine (host_mounts).
in_host() {
	local ns=$1
	shift
	host_mounts "$ns"
	"${GN_MOUNTS[@]}" "$@"
}

# dockerd_start NS [legacy]: a dockerd of its own inside NS, with NS's
# plugin directory ("legacy": on iptables-legacy).
dockerd_start() { dockerd_begin "$@" && dockerd_wait "$1"; }

# dockerd_begin NS [legacy], dockerd_wait NS: dockerd_start in two halves,
# for a test that has other things to set up while dockerd starts.
dockerd_begin() {
	local ns=$1 d=$GN_TMP/docker-$1
	mkdir -p "$d/data" "$d/exec"
	docker_engine "$ns" "$d" "${2:-}" || return 1
	eval "DOCKER_${ns//-/_}=unix://$d/docker.sock"
}

dockerd_wait() {
	wait_until 60 dk "$1" info || { say "dockerd in $1 did not start:"; tail -20 "$GN_TMP/docker-$1/dockerd.log"; return 1; }
}

# dockerd_restart [live]: stops $H's dockerd and starts it again (the new one
# with --live-restore when asked and the engine honours GN_LIVE_RESTORE).
dockerd_restart() {
	local pid
	pid=$(cat "$GN_TMP/docker-$H/docker.pid")
	kill "$pid" && wait_until 120 pid_gone "$pid" || return 1
	GN_LIVE_RESTORE=${1:-} dockerd_start "$H"
}

# docker_engine NS DIR [legacy]: starts NS's Docker engine in the
# background with its files under DIR (data, exec, docker.sock,
# docker.pid, dockerd.log), adds its PID to GN_PIDS and returns at once.
# GUARDNET_DOCKER picks the engine: docker_engine_$GUARDNET_DOCKER.
docker_engine() {
	local e=docker_engine_${GUARDNET_DOCKER:-host}
	declare -F "$e" >/dev/null || { say "GUARDNET_DOCKER=${GUARDNET_DOCKER:-}: no function $e in tests/lib.sh"; return 1; }
	"$e" "$@"
}

# This machine's dockerd (Debian 12: 20.10).
docker_engine_host() {
	local ns=$1 d=$2
	host_mounts "$ns" "${3:-}"
	"${GN_MOUNTS[@]}" dockerd --data-root "$d/data" --exec-root "$d/exec" \
		-H "unix://$d/docker.sock" --pidfile "$d/docker.pid" >"$d/dockerd.log" 2>&1 &
	GN_PIDS+=($!)
	disown $!
}

# dk NS ARGS...: the docker CLI against NS's dockerd.
dk() { local ns=$1; shift; ${GN_DOCKER_CLI:-docker} -H "unix://$GN_TMP/docker-$ns/docker.sock" "$@"; }

# dkt ARGS...: the docker CLI on $H, bounded in time: Docker waits for a
# plugin without limit (research 1.3), and a hang is a failure.
dkt() { timeout "${DKT_TIMEOUT:-180}" ${GN_DOCKER_CLI:-docker} -H "unix://$GN_TMP/docker-$H/docker.sock" "$@"; }

# guardnetd_start NS DRIVER: guardnetd in NS serving driver name DRIVER,
# its socket in NS's plugin directory.  It reads UFW's files of NS (a
# pristine copy unless ufw_setup made them already), never the machine's.
guardnetd_start() {
	local ns=$1 drv=$2 d=$GN_TMP/gn-$1 sock=$GN_TMP/plugins-$1/$2.sock from pid
	# GUARDNET_PLUGIN=managed: the plugin from `make plugin` instead (lib-swarm.sh).
	[ "${GUARDNET_PLUGIN:-}" != managed ] || { managed_start "$@"; return; }
	mkdir -p "$d"
	[ -d "$d/ufwroot/etc/ufw" ] || ufw_files "$ns"
	[ -e "$d/guardnet.conf" ] || echo "# guardnet.conf of test host $ns: the defaults" >"$d/guardnet.conf"
	GN_SOCKS[$drv]=$sock
	host_mounts "$ns"
	from=$(($({ wc -l <"$d/guardnetd.log"; } 2>/dev/null || echo 0) + 1))
	"${GN_MOUNTS[@]}" "$GN_BIN" -v --socket "$sock" --state-dir "$d/state" \
		--config "$d/guardnet.conf" --control "$d/control.sock" >>"$d/guardnetd.log" 2>&1 &
	GN_PIDS+=($!)
	# Tests kill it on purpose: no "Killed" line from bash's job control.
	disown $!
	eval "GUARDNETD_PID_${ns//-/_}=$!"
	# A deadline, not a wait: a start-up after SIGKILL on a loaded 2-core
	# machine took over 10 s once (churn-sigkill@28 at a load of 12).
	wait_until 30 plugin_call "$drv" /Plugin.Activate || { say "guardnetd did not start:"; tail -30 "$d/guardnetd.log"; return 1; }
	# The handshake is answered during the start-up check: tests go on
	# once it is done (or guardnetd gave up, as on a state it cannot read).
	pid=$(guardnetd_pid "$ns")
	wait_until 60 started_since "$d/guardnetd.log" "$from" "$pid" ||
		{ say "guardnetd did not finish its start-up check:"; tail -30 "$d/guardnetd.log"; return 1; }
	pid_alive "$pid" || { say "guardnetd stopped during its start-up check:"; tail -30 "$d/guardnetd.log"; return 1; }
}

# started_since LOG LINE PID: LOG says "listening on" from LINE on, or PID is gone.
started_since() { tail -n +"$2" "$1" | grep -q "listening on" || ! pid_alive "$3"; }
pid_alive() { kill -0 "$1" 2>/dev/null; }

guardnetd_pid() { local v=GUARDNETD_PID_${1//-/_}; echo "${!v:-}"; }

# guardnetd_stop NS [SIGNAL]: stops NS's guardnetd (SIGTERM unless told,
# e.g. KILL) and waits until it is gone.
guardnetd_stop() {
	local pid
	pid=$(guardnetd_pid "$1")
	[ -n "$pid" ] || return 1
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	wait_until 20 pid_gone "$pid" || return 1
	wait "$pid" 2>/dev/null
	return 0
}

# plugin_sock DRIVER: the socket guardnetd serves DRIVER on.
plugin_sock() {
	local s
	if [ -n "${GN_SOCKS[$1]:-}" ]; then echo "${GN_SOCKS[$1]}"; return; fi
	for s in "$GN_TMP"/plugins-*/"$1".sock; do [ -S "$s" ] && { echo "$s"; return; }; done
	echo "$GN_TMP/plugins-${H:-none}/$1.sock"
}

# plugin_call DRIVER PATH [BODY]: one request on a plugin socket.
plugin_call() {
	curl -sf --unix-socket "$(plugin_sock "$1")" -X POST -d "${3:-}" "http://plugin$2"
}

# gnctl ARGS...: guardnetctl against the guardnetd of test host H (without
# asking Docker for names).
gnctl() { "$GN_CTL" --socket "$GN_TMP/gn-$H/control.sock" --no-docker "$@"; }

# gnctl_in_host ARGS...: guardnetctl as $H's administrator runs it: in H's
# network namespace and mounts (its /etc/ufw), with H's dockerd as
# $DOCKER_HOST (guardnetctl audit reads the kernel, UFW's files and
# Docker's names there).
gnctl_in_host() {
	in_host "$H" env DOCKER_HOST="unix://$GN_TMP/docker-$H/docker.sock" "$GN_CTL" \
		--socket "$GN_TMP/gn-$H/control.sock" "$@"
}

# refuse_shim: prints the path of tests/tools/nfrefuse.c built as an
# LD_PRELOAD library (once per test run).  A guardnetd started with
# GN_REFUSE_PORT=P LD_PRELOAD=<it> has every nf_tables transaction that
# publishes port P refused by the kernel; one started with
# GN_REFUSE_IP_TABLE=FILE, every transaction that builds table ip guardnet
# while FILE exists.
refuse_shim() {
	local so=$GN_TMP/nfrefuse.so
	[ -e "$so" ] || gcc -shared -fPIC -O2 -Wall -o "$so" "$GN_ROOT/tests/tools/nfrefuse.c" || return 1
	echo "$so"
}

# consistent [--reach]: guardnetd, the kernel and Docker agree on $H (and
# with --reach every published port answers the host and not the outside).
consistent() {
	GN_DOCKER_CLI=${GN_DOCKER_CLI:-docker} python3 "$GN_ROOT/tests/e2e/consistency.py" --ns "$H" --outside "$O" \
		--driver "$DRV" --docker "unix://$GN_TMP/docker-$H/docker.sock" --state "$GN_TMP/gn-$H/state" \
		--ctl "$GN_CTL" --control "$GN_TMP/gn-$H/control.sock" --udp "$GN_TMP/udp" "$@"
}

# parallel_runs PREFIX COUNT ARGS...: COUNT `docker run -d --name PREFIXi
# ARGS...` on $H at once (dkt); ARGS may say %i for i.  Leaves each one's
# output and exit code in $GN_TMP/PREFIXi.out and .rc.
parallel_runs() {
	local prefix=$1 count=$2 i pids=()
	shift 2
	for ((i = 1; i <= count; i++)); do
		(dkt run -d --name "$prefix$i" "${@//%i/$i}" >"$GN_TMP/$prefix$i.out" 2>&1
		 echo $? >"$GN_TMP/$prefix$i.rc") &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# image_load NS: imports "gnbox", a busybox-static root file system with a
# web page and a CGI script that prints the caller's address, into NS's
# dockerd (there is no registry here).
image_load() {
	local root=$GN_TMP/rootfs bb
	if [ ! -f "$GN_TMP/gnbox.tar" ]; then
		bb=$(readlink -f /bin/busybox)
		mkdir -p "$root/bin" "$root${bb%/*}" "$root/etc" "$root/tmp" "$root/www/cgi-bin"
		cp "$bb" "$root$bb"
		[ "$bb" = /bin/busybox ] || ln "$root$bb" "$root/bin/busybox"
		udp_tool && cp "$GN_TMP/udp" "$root/bin/udp" || return 1
		# The applets' links in one process, not a loop of 270 ln processes
		# per test host; busybox points them at its own path, which the image
		# has too.
		"$bb" --install -s "$root/bin" || return 1
		www_make "$root/www"
		tar -C "$root" -cf "$GN_TMP/gnbox.tar" .
	fi
	dk "$1" import "$GN_TMP/gnbox.tar" gnbox >/dev/null
}

# www_make DIR: index.html says "hello from guardnet"; cgi-bin/ip prints
# REMOTE_ADDR.
www_make() {
	mkdir -p "$1/cgi-bin"
	echo "$GN_HELLO" >"$1/index.html"
	printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$1/cgi-bin/ip"
	chmod 0755 "$1/cgi-bin/ip"
}

# web NAME NETWORK [ARGS...]: a gnbox web server on $H (port 80).
web() { web_at 80 "$@"; }
# web_at PORT NAME NETWORK [ARGS...]: the same on another port of the container.
web_at() { must dk "$H" run -d --name "$2" --network "$3" "${@:4}" gnbox httpd -f -p "$1" -h /www; }

# outside_add HOSTNS OUTNS: joins the test host to an "outside" namespace
# with 192.0.2.1/24 and 2001:db8:1::1/64 on the host side (.2 and ::2 outside).
outside_add() {
	local h=$1 o=$2 a=${1:0:7}x b=${2:0:7}y
	ip link add "$a" netns "$h" type veth peer name "$b" netns "$o" &&
		ip -n "$h" addr add 192.0.2.1/24 dev "$a" &&
		ip -n "$o" addr add 192.0.2.2/24 dev "$b" &&
		ip -n "$h" addr add 2001:db8:1::1/64 dev "$a" nodad &&
		ip -n "$o" addr add 2001:db8:1::2/64 dev "$b" nodad &&
		ip -n "$h" link set "$a" up &&
		ip -n "$o" link set "$b" up
}

# serve NS PORT [udp]: a service of NS itself (no container) on PORT, on
# every address: gnbox's page (busybox httpd) or, with "udp", the udp
# tool's echo.  Returns once it listens (no connection is made to find out:
# a test may count connections, UFW's limit does).
serve() {
	local w=$GN_TMP/www-$1 proto=t
	if [ "${3:-}" = udp ]; then
		proto=u
		udp_tool || return 1
		nsenter --net=/run/netns/"$1" "$GN_TMP/udp" serve "$2" &
	else
		[ -d "$w" ] || www_make "$w"
		nsenter --net=/run/netns/"$1" /bin/busybox httpd -f -p "$2" -h "$w" &
	fi
	GN_PIDS+=($!)
	wait_until 10 eval "in_ns '$1' ss -Hln$proto 'sport = :$2' | grep -q ."
}

# serve_outside OUTNS PORT: a web server in the outside namespace.
serve_outside() { serve "$1" "$2"; }

# udp_tool: $GN_TMP/udp, tests/tools/udp.c built static (it also runs in gnbox).
udp_tool() {
	local built=$GN_ROOT/build/test-udp
	[ -x "$GN_TMP/udp" ] && return
	# Built once for all the suites of a run (a static build is 0.4 s of CPU),
	# by whichever gets there first; the rename makes the others see a whole
	# file or none.  getaddrinfo in a static binary warns about NSS; numeric
	# hosts are fine.
	if [ ! -x "$built" ] || [ "$GN_ROOT/tests/tools/udp.c" -nt "$built" ]; then
		mkdir -p "${built%/*}" &&
			gcc -static -O2 -w -o "$built.$$" "$GN_ROOT/tests/tools/udp.c" 2>/dev/null &&
			mv -f "$built.$$" "$built" || return 1
	fi
	cp "$built" "$GN_TMP/udp"
}

# ctr_ip NS CONTAINER NETWORK [6]: a container's address on a network.
ctr_ip() {
	local f=IPAddress
	[ "${4:-}" = 6 ] && f=GlobalIPv6Address
	dk "$1" inspect -f "{{(index .NetworkSettings.Networks \"$3\").$f}}" "$2"
}

ctr_pid() { dk "$1" inspect -f '{{.State.Pid}}' "$2"; }

# gateway_of CONTAINER NETWORK: the container's default route goes through
# NETWORK's gateway (Docker publishes a container's ports on that network).
gateway_of() {
	local gw routes
	gw=$(dk "$H" inspect -f "{{(index .NetworkSettings.Networks \"$2\").Gateway}}" "$1")
	routes=$(in_ctr "$H" "$1" ip route)
	grep -q "^default via ${gw:-none} " <<<"$routes" ||
		{ say "    $1's routes ($2's gateway: ${gw:-none}): $(echo $routes)"; return 1; }
}

# in_ctr NS CONTAINER COMMAND...: a program of this machine (curl, the udp
# tool) in the container's network namespace.
in_ctr() {
	local pid
	pid=$(ctr_pid "$1" "$2") && [ "$pid" -gt 0 ] || return 125
	shift 2
	nsenter --net=/proc/"$pid"/ns/net "$@"
}

# fetch NS CONTAINER URL: HTTP GET from inside a container, bounded in time
# (busybox wget crashes with -T, design.md section 5).
fetch() { dk "$1" exec "$2" timeout 3 wget -qO- "$3" 2>/dev/null; }

# egress_seen NS CONTAINER URL: the source address a web server outside saw
# for the container's request to URL (cgi-bin/ip); busybox httpd shows IPv4
# peers as [::ffff:a.b.c.d], printed here as a.b.c.d.
egress_seen() { fetch "$1" "$2" "$3" | sed -E 's/^\[::ffff:(.*)\]$/\1/; s/^\[(.*)\]$/\1/'; }

# gn_links NS: how many of guardnet's links NS has (gn-* bridges, gnh/gnc veth ends).
gn_links() { ip -n "$1" -o link show | awk -F': ' '{print $2}' | grep -cE '^(gn-|gn[hc][0-9a-f]{12})'; }

# no_state NS: guardnetd of NS keeps no network or endpoint record.
no_state() { [ -z "$(find "$GN_TMP/gn-$1/state/networks" "$GN_TMP/gn-$1/state/endpoints" -type f 2>/dev/null)" ]; }

# compose DIR PROJECT ARGS...: docker-compose for the project in DIR on $H.
compose() {
	(cd "$1" && DOCKER_HOST=unix://$GN_TMP/docker-$H/docker.sock ${GN_COMPOSE:-docker-compose} -p "$2" "${@:3}")
}

# compose_ctr DIR PROJECT SERVICE: the container of a service (compose v1
# names it PROJECT_SERVICE_1, v2 PROJECT-SERVICE-1).
compose_ctr() { compose "$1" "$2" ps -q "$3" 2>/dev/null | head -1; }

# ufw_files NS: NS's own UFW files under $GN_TMP/gn-NS/ufwroot: Debian's
# pristine ones (UFW disabled, no rules), whatever this machine's UFW says,
# and no sysctl file (ufw would otherwise set host-wide sysctls).
ufw_files() {
	local r=$GN_TMP/gn-$1/ufwroot f
	mkdir -p "$r/etc/default"
	cp -a /etc/ufw "$r/etc/ufw" || return 1
	for f in /usr/share/ufw/*.rules /usr/share/ufw/*.init /usr/share/ufw/ufw.conf; do
		cp "$f" "$r/etc/ufw/" || return 1
	done
	: >"$r/etc/ufw/empty-sysctl.conf"
	sed -e 's|^IPT_SYSCTL=.*|IPT_SYSCTL=/etc/ufw/empty-sysctl.conf|' /etc/default/ufw >"$r/etc/default/ufw"
}

# ufw_setup NS: UFW's files for test host NS, and ufw() to run Debian's ufw
# in NS on them only.
ufw_setup() {
	UFW_NS=$1
	UFW_ROOT=$GN_TMP/gn-$1/ufwroot
	[ -d "$UFW_ROOT/etc/ufw" ] || ufw_files "$1"
}

# ufw ARGS...: Debian's ufw in $UFW_NS on its own files (UFW_ROOT); with
# UFW_LEGACY=1 its iptables is iptables-legacy.  Its output is shown only on
# failure.  Each test host's ufw has its own lock (ufw waits for /run/ufw.lock,
# shared by every ufw on the machine).  It uses nothing but those variables
# (and UFW_PROG, ufw_init's), so `export -f ufw` lets a child bash run it;
# `UFW_NS=NS UFW_ROOT=DIR ufw ...` runs it on another test host.
ufw() {
	local out rc
	out=$(unshare --mount --propagation private bash -c '
		mount --bind "$0/etc/ufw" /etc/ufw && mount --bind "$0/etc/default" /etc/default &&
		{ [ -e /run/ufw.lock ] || : >>/run/ufw.lock; } && : >>"$0/ufw.lock" && mount --bind "$0/ufw.lock" /run/ufw.lock &&
		{ [ "$2" != 1 ] || mount --bind /usr/sbin/xtables-legacy-multi /usr/sbin/xtables-nft-multi; } &&
		exec nsenter --net=/run/netns/"$1" "${@:3}"' "$UFW_ROOT" "$UFW_NS" "${UFW_LEGACY:-0}" "${UFW_PROG:-ufw}" "$@" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || printf '    %s %s (exit %s):\n%s\n' "${UFW_PROG:-ufw}" "$*" "$rc" "$(sed 's/^/    | /' <<<"$out")"
	return $rc
}

# ufw_init ARGS...: UFW's boot script, /lib/ufw/ufw-init (what a boot and
# `systemctl restart ufw` run), as ufw() runs ufw.  It loads UFW's files as
# they are; `ufw reload` loads them too, then writes user.rules again from
# its tuples (README, "Known limits").
ufw_init() { UFW_PROG=/lib/ufw/ufw-init ufw "$@"; }

# testbed [legacy]: the usual topology.  Test host H (dockerd, guardnetd,
# UFW's files ready for ufw(), the gnbox image) joined to the outside O,
# which has 192.0.2.2-.4 and 2001:db8:1::2-::4.  "legacy": dockerd on
# iptables-legacy.  Sets H, O and DRV (the driver name).
testbed() {
	local a
	H=${GN_TAG}h
	O=${GN_TAG}o
	DRV=${GN_TAG}drv
	[ "${GUARDNET_PLUGIN:-}" != managed ] || DRV=$DRV:latest
	netns_add "$H" && netns_add "$O" && outside_add "$H" "$O" || return 1
	for a in 3 4; do
		ip -n "$O" addr add 192.0.2.$a/24 dev "${O:0:7}y" || return 1
		ip -n "$O" addr add 2001:db8:1::$a/64 dev "${O:0:7}y" nodad || return 1
	done
	ufw_setup "$H" || return 1
	dockerd_start "$H" "${1:-}" || return 1
	guardnetd_start "$H" "$DRV" || return 1
	image_load "$H"
}

# bare_host: test host H with guardnetd serving DRV and no dockerd (the
# tests then speak Docker's side of the protocol with drv_*).
bare_host() {
	H=${GN_TAG}h
	DRV=${GN_TAG}drv
	netns_add "$H" && guardnetd_start "$H" "$DRV"
}

# docker_host: test host H with dockerd and guardnetd (DRV), no outside.
docker_host() {
	H=${GN_TAG}h
	DRV=${GN_TAG}drv
	netns_add "$H" && dockerd_start "$H" && guardnetd_start "$H" "$DRV"
}

gn_cleanup() {
	local pid ns d ids
	set +e
	# Containers first, at once: a dockerd told to stop waits 10 s for each
	# container that ignores SIGTERM (httpd as PID 1 does).  Then dockerd,
	# while guardnetd still answers its last calls (it would retry a plugin
	# that is gone for 15 s).
	for d in "$GN_TMP"/docker-*; do
		[ -S "$d/docker.sock" ] || continue
		ids=$(timeout 10 ${GN_DOCKER_CLI:-docker} -H "unix://$d/docker.sock" ps -q 2>/dev/null)
		# shellcheck disable=SC2046,SC2086 # a list of IDs, a list of PIDs
		[ -z "$ids" ] || kill -9 $(timeout 10 ${GN_DOCKER_CLI:-docker} -H "unix://$d/docker.sock" \
			inspect -f '{{.State.Pid}}' $ids 2>/dev/null | grep -v '^0$') 2>/dev/null
		pid=$(cat "$d/docker.pid" 2>/dev/null)
		[ -n "$pid" ] && kill "$pid" 2>/dev/null && { wait_until 5 pid_gone "$pid" || kill -9 "$pid"; }
	done
	for pid in "${GN_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${GN_PIDS[@]}"; do
		wait_until 20 pid_gone "$pid" || kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# dockerd leaves its containerd and shims behind when killed hard.
	pkill -9 -f "$GN_TMP/docker-" 2>/dev/null
	for ns in "${GN_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
	# Mounts dockerd made under its data and exec roots (none when it ran
	# in a mount namespace of its own, as it does here).
	findmnt -rn -o TARGET | grep "^$GN_TMP" | sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$GN_TMP"
}
