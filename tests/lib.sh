# shellcheck shell=bash
# Helpers for tests that need root: test hosts as network namespaces, each
# with its own dockerd and guardnetd (design.md section 5).  Nothing here
# touches the root network namespace's links, firewall or UFW, or the
# machine's /run/docker/plugins and /etc/ufw.
#
# A scenario is one file, tests/e2e/PREFIX-WHAT.sh, with a test host of its own:
#
#   #!/bin/bash
#   # What it shows (one paragraph), and the topology.
#   . "$(dirname "$0")/../lib.sh"
#   scenario publish-allow testbed          # its name, the cleanup trap, `must testbed`
#   must dk "$H" network create -d "$DRV" -o guardnet.allow=192.0.2.2/32 n2
#   web be2 n2 -p 8081:80
#   expect_open "allowed 192.0.2.2 gets the page" "$O" http://192.0.2.1:8081/ 192.0.2.2
#   expect_dropped "192.0.2.3 is not allowed" "$O" http://192.0.2.1:8081/ 192.0.2.3
#   summary
#
# It prints "ok - ..." or "FAIL - ..." per check and ends with "NAME: N passed,
# M failed"; it exits 0, 1 (a check failed) or 77 (cannot run here: `skip`).
#
# Results
#   ok DESC, fail DESC              count a check
#   check DESC CMD...               ok when CMD succeeds
#   quiet CMD...                    CMD without its output (for check)
#   summary [NAME]                  the last line; on failure also the logs of the test's daemons
#   skip REASON                     "skip - REASON", exit 77 (a missing kernel feature, a missing tool)
#   die DESC                        a FAIL line, the summary, exit 1
# Set-up
#   scenario NAME [CMD...]          names the test, traps EXIT (at_exit, then gn_cleanup), runs `must CMD`
#   must CMD...                     a set-up step: on failure the command, its output, FAIL, exit 1
#   must_read VAR CMD...            the same, keeping CMD's output in VAR
#   require DESC CMD...             skips the test (exit 77, "needs DESC") when CMD fails
#   at_exit CMD...                  runs CMD at exit, before the test hosts go (last added first)
#   exclusive NAME                  holds the machine-wide lock NAME until the test ends ("dpkg":
#                                   tests that install guardnet's .deb on this machine)
#   wait_until SECS CMD...          polls CMD every 50 ms until it succeeds (1 after SECS)
#   pid_gone PID
# Test hosts
#   testbed [legacy]                host H (dockerd, guardnetd serving driver DRV, UFW's files for
#                                   ufw(), image gnbox) joined to outside O (192.0.2.2-.4,
#                                   2001:db8:1::2-::4; H is 192.0.2.1, 2001:db8:1::1)
#   bare_host                       host H with guardnetd (DRV) only; docker_host: dockerd too
#   netns_add NS, outside_add HOSTNS OUTNS, serve_outside OUTNS PORT
#   in_ns NS CMD...                 CMD in NS's network namespace
#   in_host NS CMD...               CMD in NS's network namespace and NS's own mounts: its plugin
#                                   directory at /run/docker/plugins, its /etc/ufw and /etc/default
#   in_ctr NS CTR CMD...            CMD (a program of this machine) in container CTR's network namespace
# Docker
#   dockerd_start NS [legacy]       NS's own dockerd; the engine is docker_engine_$GUARDNET_DOCKER
#                                   (unset: docker_engine_host, this machine's dockerd)
#   dk NS ARGS...                   the docker CLI on NS's dockerd ($GN_DOCKER_CLI, default docker)
#   dkt ARGS...                     the same on $H, bounded by DKT_TIMEOUT seconds (180)
#   parallel_runs PREFIX COUNT ARGS...   COUNT `dkt run -d --name PREFIXi ARGS` at once (%i: i)
#   image_load NS                   image gnbox: busybox httpd, /www, cgi-bin/ip, the udp tool
#   web NAME NET [ARGS...]          `must` run a gnbox web server NAME on network NET on $H
#   ctr_ip NS CTR NET [6], ctr_pid NS CTR, fetch NS CTR URL (wget in the container)
#   compose DIR PROJECT ARGS...     docker-compose on $H's dockerd; compose_ctr DIR PROJECT SERVICE
#   egress_seen NS CTR URL          the source address a server outside saw (cgi-bin/ip) for CTR
#   gn_links NS, no_state NS        guardnet's links in NS (a count); guardnetd of NS keeps no record
# guardnetd
#   guardnetd_start NS DRV          guardnetd in NS serving DRV (socket in NS's plugin directory)
#   guardnetd_stop NS [SIGNAL]      kills it (TERM unless told) and waits until it is gone
#   guardnetd_pid NS, plugin_sock DRV, plugin_call DRV PATH [BODY]
#   gnctl ARGS...                   guardnetctl on $H's guardnetd
#   drv_net, drv_ep, drv_pm, drv_pub, drv_try_pub, drv_revoke, drv_leave, drv_delete, drv_id
#                                   Docker's side of the protocol on $DRV, for tests without dockerd
#   same_as_rebuild WHAT            $H's table equals what a restarted guardnetd builds (a check)
#   refuse_shim                     tests/tools/nfrefuse.c built: GN_REFUSE_PORT=P LD_PRELOAD=$(refuse_shim)
#                                   guardnetd_start ... has the kernel refuse every batch publishing P
#   consistent ARGS...              tests/e2e/consistency.py on $H: guardnetd, kernel and Docker agree
#   explain FROM TO PORT, json_field KEY      guardnetctl --json explain on $H, one field of JSON
#   agree VERDICT WHERE SRC TO PORT URL       explain's verdict and a real connection agree (2 checks)
# UFW
#   ufw_setup NS                    NS's own copy of UFW's files; ufw() then runs Debian's ufw on it
#   ufw ARGS...                     ufw in $UFW_NS (UFW_LEGACY=1: on iptables-legacy); output on failure
# Traffic: WHERE is a namespace or @CTR (a container of $H); TARGET is an http:// URL or
# udp://HOST:PORT (the udp tool's echo); SRC is a source address (optional)
#   probe WHERE TARGET [SRC] [SECS] sets PROBE to open, refused (RST, ICMP unreachable), noroute
#                                   (no route here), timeout, stalled (connected, no answer),
#                                   reset, closed, answered or error; PROBE_INFO to what was seen
#   expect_open DESC WHERE TARGET [SRC]      the page (the echo), polled for up to GN_OPEN_SECS
#   expect_timeout DESC WHERE TARGET [SRC]   no answer at all within GN_NEG_SECS (curl exit 28,
#                                            never connected; UDP: no echo)
#   expect_dropped DESC WHERE TARGET [SRC]   timeout, and a drop counter of guardnet's table in
#                                            $GN_FW_NS (default $H) moved: guardnet dropped it
#   expect_refused DESC WHERE TARGET [SRC]   refused at once: RST or ICMP unreachable (curl exit 7)
#   expect_reset DESC WHERE TARGET [SRC]     connected, then reset (curl exit 56)
#   expect OUTCOME DESC WHERE TARGET [SRC]   any outcome of probe, e.g. noroute
#   eventually OUTCOME DESC WHERE TARGET [SRC]  polls until the outcome (open, dropped, timeout,
#                                            refused) holds, for up to GN_EVENTUALLY seconds
#   reachable WHERE TARGET [SRC]    a set-up step, not a check: must reachable "$O" URL 192.0.2.2
#   expect_logged DESC WHERE URL [SRC]       dropped, and the kernel log has guardnet's
#                                            "[GUARDNET BLOCK] " line for that very connection
#   drop_counters NS                "chain|rule|packets" of every counting drop/reject rule
#   get NS SRC URL, outside SRC URL, host URL   the page as text (old style; prefer expect_*)
#   kernel_log_on                   net.netfilter.nf_log_all_netns=1 while the test runs (shared
#                                   by tests running at once; the old value comes back after the last)
# Firewall dumps
#   nft_dump NS [table|ruleset]     guardnet's table (or the whole ruleset) normalised: JSON, one
#                                   object a line, no handles, no counters, set elements sorted
#   expect_same DESC FILE CMD...    CMD prints what FILE holds (a diff on failure)
#   nft_handle NS, nft_has NS KIND NAME TEXT, nft_lacks NS KIND NAME TEXT   guardnet's table
#
# Variables: GN_ROOT, GN_BIN (guardnetd), GN_CTL (guardnetctl), GN_TMP (this test's files, removed
# at exit), GN_TAG (gnt$$, the prefix of every name), GN_HELLO (gnbox's page), H, O, DRV (testbed),
# UFW_NS, UFW_ROOT (ufw_setup), GUARDNETD_PID_<ns>, DOCKER_<ns>.

GN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GN_BIN=${GN_BIN:-$GN_ROOT/build/guardnetd}
GN_CTL=${GN_CTL:-$GN_ROOT/build/guardnetctl}
GN_TMP=$(mktemp -d /tmp/gn-test.XXXXXX)
GN_TAG=gnt$$
GN_NAME=${GN_NAME:-$(basename "$0" .sh)}
GN_HELLO="hello from guardnet"
GN_NEG_SECS=${GN_NEG_SECS:-2}
GN_OPEN_SECS=${GN_OPEN_SECS:-5}
GN_EVENTUALLY=${GN_EVENTUALLY:-5}
GN_NAMESPACES=()
GN_PIDS=()
GN_AT_EXIT=()
GN_PASSED=0
GN_FAILED=0
GN_SUMMARY_SAID=0
declare -gA GN_SOCKS=()

say() { printf '%s\n' "$*"; }
ok() { GN_PASSED=$((GN_PASSED + 1)); say "ok - $*"; }
fail() { GN_FAILED=$((GN_FAILED + 1)); say "FAIL - $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# quiet COMMAND...: runs a command without its output (for check).
quiet() { "$@" >/dev/null 2>&1; }

# summary [NAME]: the result line.  After a failure it shows the end of the
# logs of the daemons this test started first, so that a CI log says why.
summary() {
	local f
	GN_SUMMARY_SAID=1
	if [ "$GN_FAILED" -gt 0 ]; then
		for f in "$GN_TMP"/gn-*/guardnetd.log "$GN_TMP"/docker-*/dockerd.log; do
			[ -s "$f" ] || continue
			say "--- ${f#"$GN_TMP"/} (last lines)"
			grep -av ' debug: \|level=debug' "$f" | tail -25
		done
	fi
	say "${1:-$GN_NAME}: $GN_PASSED passed, $GN_FAILED failed"
	[ "$GN_FAILED" -eq 0 ]
}

# skip REASON: this test cannot run here; the runner reports REASON.
skip() {
	say "skip - $*"
	GN_SUMMARY_SAID=77
	exit 77
}

# die DESCRIPTION: a failure after which the test cannot go on.
die() {
	fail "$*"
	summary
	exit 1
}

# must COMMAND...: a set-up step, run in this shell (so a function may set
# variables); its output is kept out of the way unless it fails.
must() {
	local out=$GN_TMP/must.out rc
	"$@" >"$out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && return 0
	say "set-up step failed (exit $rc): $*"
	tail -40 "$out" | sed 's/^/    | /'
	die "set-up: $*"
}

# must_read VAR COMMAND...: must, keeping the command's standard output in VAR.
must_read() {
	local var=$1 out=$GN_TMP/must_read.out rc
	shift
	"$@" >"$out" 2>"$out.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		say "set-up step failed (exit $rc): $*"
		cat "$out" "$out.err" | tail -40 | sed 's/^/    | /'
		die "set-up: $*"
	fi
	printf -v "$var" '%s' "$(cat "$out")"
}

# require WHAT COMMAND...: skips the test when COMMAND fails.
require() {
	local what=$1
	shift
	"$@" >/dev/null 2>&1 || skip "needs $what"
}

# exclusive NAME: waits for, then holds until the test ends, a lock that
# tests sharing something of the machine's take (e.g. "dpkg": the package
# tests install guardnet's .deb on the machine, one at a time).
exclusive() {
	local fd
	exec {fd}>>"/tmp/gn-tests-$1.lock"
	flock "$fd"
}

at_exit() { GN_AT_EXIT=("$*" "${GN_AT_EXIT[@]}"); }

# scenario NAME [COMMAND...]: the start of every scenario file.
scenario() {
	set -u
	GN_NAME=$1
	shift
	[ "$(id -u)" -eq 0 ] || skip "root (network namespaces, dockerd)"
	trap gn_exit EXIT
	# A runner's timeout or ^C still cleans up.
	trap 'exit 143' TERM
	trap 'exit 130' INT
	[ $# -eq 0 ] || must "$@"
}

gn_exit() {
	local rc=$? c
	set +e
	for c in "${GN_AT_EXIT[@]}"; do eval "$c"; done
	gn_cleanup
	if [ "$GN_SUMMARY_SAID" = 0 ]; then
		fail "$GN_NAME ended before its summary (exit $rc)"
		summary
		exit 1
	fi
	exit $rc
}

# wait_until SECONDS COMMAND...: polls every 50 ms until the command succeeds.
wait_until() {
	local deadline=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.05
	done
}

# pid_gone PID: the process has exited (a zombie counts as exited).
pid_gone() { [ ! -e /proc/$1 ] || [ "$(awk '{print $3}' /proc/$1/stat 2>/dev/null)" = Z ]; }

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
dockerd_start() {
	local ns=$1 d=$GN_TMP/docker-$1
	mkdir -p "$d/data" "$d/exec"
	docker_engine "$ns" "$d" "${2:-}" || return 1
	eval "DOCKER_${ns//-/_}=unix://$d/docker.sock"
	wait_until 60 dk "$ns" info || { say "dockerd in $ns did not start:"; tail -20 "$d/dockerd.log"; return 1; }
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
	local ns=$1 drv=$2 d=$GN_TMP/gn-$1 sock=$GN_TMP/plugins-$1/$2.sock
	mkdir -p "$d"
	[ -d "$d/ufwroot/etc/ufw" ] || ufw_files "$ns"
	[ -e "$d/guardnet.conf" ] || echo "# guardnet.conf of test host $ns: the defaults" >"$d/guardnet.conf"
	GN_SOCKS[$drv]=$sock
	host_mounts "$ns"
	"${GN_MOUNTS[@]}" "$GN_BIN" -v --socket "$sock" --state-dir "$d/state" \
		--config "$d/guardnet.conf" --control "$d/control.sock" >>"$d/guardnetd.log" 2>&1 &
	GN_PIDS+=($!)
	# Tests kill it on purpose: no "Killed" line from bash's job control.
	disown $!
	eval "GUARDNETD_PID_${ns//-/_}=$!"
	wait_until 10 plugin_call "$drv" /Plugin.Activate || { say "guardnetd did not start:"; tail -30 "$d/guardnetd.log"; return 1; }
}

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

gnctl() { "$GN_CTL" --socket "$GN_TMP/gn-$H/control.sock" "$@"; }

# explain FROM TO PORT: guardnetctl explain's JSON answer on $H.
explain() { gnctl --json explain --from "$1" --to "$2" --port "$3"; }
# json_field KEY: KEY of the JSON object on standard input.
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }

# agree VERDICT WHERE SRC TO PORT URL: explain says VERDICT for SRC -> TO
# port PORT (polled: a UFW change reaches guardnetd within a second), and a
# real connection from WHERE ("outside" with source SRC, "host", or a
# container of $H) to URL gets what the verdict says: accept the page,
# reject a refusal, drop no answer and a guardnet drop counter that moved,
# closed (not published there) a refusal or no answer.  Two checks.
agree() {
	local v=$1 where=$2 src=$3 to=$4 port=$5 url=$6 from=$3 want seen why
	check "explain $src -> $to:$port says $v" wait_until 3 eval '[ "$(explain "$src" "$to" "$port" | json_field verdict)" = "$v" ]'
	why=$(explain "$src" "$to" "$port" | json_field because)
	case $v in
	accept | "accept (rate-limited)") want=open ;;
	reject) want=refused ;;
	drop) want=dropped ;;
	closed) want="refused timeout" ;;
	*) want=unknown ;;
	esac
	case $where in
	outside) where=$O ;;
	host) where=$H from= ;;
	*) where=@$where from= ;;
	esac
	if [ "$want" = dropped ]; then
		if outcome dropped "$where" "$url" "$from"; then seen=dropped; else seen=$PROBE; fi
	else
		probe "$where" "$url" "$from" "$([ "$want" = open ] && echo "$GN_OPEN_SECS")"
		seen=$PROBE
	fi
	check "$src -> $url is $seen, as \"$v\" ($why) says" grep -qw "$seen" <<<"$want"
}

# refuse_shim: prints the path of tests/tools/nfrefuse.c built as an
# LD_PRELOAD library (once per test run).  A guardnetd started with
# GN_REFUSE_PORT=P LD_PRELOAD=<it> has every nf_tables transaction that
# publishes port P refused by the kernel.
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
	echo "$GN_HELLO" >"$1/index.html"
	printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$1/cgi-bin/ip"
	chmod 0755 "$1/cgi-bin/ip"
}

# web NAME NETWORK [ARGS...]: a gnbox web server on $H (port 80).
web() { must dk "$H" run -d --name "$1" --network "$2" "${@:3}" gnbox httpd -f -p 80 -h /www; }

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

ctr_pid() { dk "$1" inspect -f '{{.State.Pid}}' "$2"; }

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

# ufw ARGS...: Debian's ufw in $UFW_NS on its own files; with UFW_LEGACY=1
# its iptables is iptables-legacy.  Its output is shown only on failure.
ufw() {
	local rc
	host_mounts "$UFW_NS" "$([ "${UFW_LEGACY:-0}" = 1 ] && echo legacy)"
	"${GN_MOUNTS[@]}" ufw "$@" >"$GN_TMP/ufw.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { say "    ufw $* (exit $rc):"; sed 's/^/    | /' "$GN_TMP/ufw.out"; }
	return $rc
}

# testbed [legacy]: the usual topology.  Test host H (dockerd, guardnetd,
# UFW's files ready for ufw(), the gnbox image) joined to the outside O,
# which has 192.0.2.2-.4 and 2001:db8:1::2-::4.  "legacy": dockerd on
# iptables-legacy.  Sets H, O and DRV (the driver name).
testbed() {
	local a
	H=${GN_TAG}h
	O=${GN_TAG}o
	DRV=${GN_TAG}drv
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

# Docker's side of the plugin protocol, on $DRV (tests without dockerd).
# drv_id TAG: a 64-hex-digit ID.
drv_id() { printf '%s%0*d' "$1" $((64 - ${#1})) 0; }
drv_call() { plugin_call "$DRV" "/NetworkDriver.$1" "$2" >/dev/null; }
drv_ref() { printf '"NetworkID":"%s","EndpointID":"%s"' "$(drv_id "$1")" "$(drv_id "$2")"; }
# drv_net TAG V4POOL V4GW V6POOL V6GW GENERIC (V6POOL "": IPv4 only)
drv_net() {
	local v6='[]' on=false
	[ -n "$4" ] && { v6="[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"$4\",\"Gateway\":\"$5\"}]"; on=true; }
	drv_call CreateNetwork "{\"NetworkID\":\"$(drv_id "$1")\",\"Options\":{\"com.docker.network.enable_ipv6\":$on,
		\"com.docker.network.generic\":$6},\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"$2\",
		\"Gateway\":\"$3\"}],\"IPv6Data\":$v6}"
}
# drv_ep NET EP V4ADDR V6ADDR [ALLOW]: CreateEndpoint and Join.
drv_ep() {
	local opts=
	[ -n "${5:-}" ] && opts="\"guardnet.allow\":\"$5\""
	drv_call CreateEndpoint "{$(drv_ref "$1" "$2"),\"Interface\":{\"Address\":\"$3\",\"AddressIPv6\":\"$4\",
		\"MacAddress\":\"\"},\"Options\":{$opts}}" &&
		drv_call Join "{$(drv_ref "$1" "$2"),\"SandboxKey\":\"/var/run/docker/netns/$2\",\"Options\":{}}"
}
# drv_pm PROTO PORT HOSTIP HOSTPORT [HOSTPORTEND]: one portmap entry.
drv_pm() { printf '{"Proto":%s,"IP":"","Port":%s,"HostIP":"%s","HostPort":%s,"HostPortEnd":%s}' "$1" "$2" "$3" "$4" "${5:-$4}"; }
# drv_pub NET EP ENTRY...: ProgramExternalConnectivity.
drv_pub() {
	local n=$1 e=$2 IFS=,
	shift 2
	drv_call ProgramExternalConnectivity "{$(drv_ref "$n" "$e"),\"Options\":{\"com.docker.network.portmap\":[$*]}}"
}
# drv_try_pub NET EP ENTRY: ProgramExternalConnectivity that may fail; prints the reply.
drv_try_pub() {
	curl -s --unix-socket "$(plugin_sock "$DRV")" -X POST \
		-d "{$(drv_ref "$1" "$2"),\"Options\":{\"com.docker.network.portmap\":[$3]}}" \
		http://plugin/NetworkDriver.ProgramExternalConnectivity
}
drv_revoke() { drv_call RevokeExternalConnectivity "{$(drv_ref "$1" "$2")}"; }
drv_leave() { drv_call Leave "{$(drv_ref "$1" "$2")}"; }
drv_delete() { drv_call DeleteEndpoint "{$(drv_ref "$1" "$2")}"; }

# nft_handle NS: the handle of guardnet's table (a new one after a rebuild).
nft_handle() { in_ns "$1" nft -a list table inet guardnet | sed -n '1s/.*# handle \([0-9]*\).*/\1/p'; }
# nft_has NS KIND NAME TEXT: guardnet's set or map NAME lists TEXT; nft_lacks: it exists without.
nft_has() { in_ns "$1" nft list "$2" inet guardnet "$3" | grep -qF -- "$4"; }
nft_lacks() { in_ns "$1" nft list "$2" inet guardnet "$3" >/dev/null && ! nft_has "$@"; }

# same_as_rebuild WHAT: guardnet's table on $H, built change by change, is
# the table a restarted guardnetd builds whole from the same state.
same_as_rebuild() {
	local inc full
	inc=$(nft_dump "$H")
	guardnetd_stop "$H" && guardnetd_start "$H" "$DRV" || { fail "$1: guardnetd restarts"; return; }
	full=$(nft_dump "$H")
	if [ -n "$inc" ] && [ "$inc" = "$full" ]; then
		ok "$1: incremental table = full rebuild ($(wc -l <<<"$inc") objects)"
	else
		fail "$1: incremental table differs from the full rebuild"
		diff <(echo "$inc") <(echo "$full") | head -20
	fi
}

# get NS SRC URL: the page from namespace NS with source address SRC ("" for any).
get() { in_ns "$1" curl -s -m 3 ${2:+--interface "$2"} "$3" 2>/dev/null; }
outside() { get "$O" "$1" "$2"; }
host() { get "$H" "" "$1"; }

# probe WHERE TARGET [SRC] [SECONDS]: one attempt; sets PROBE and PROBE_INFO.
probe() {
	local where=$1 target=$2 src=${3:-} secs=${4:-$GN_NEG_SECS} run out rc body connect hp h p
	PROBE=error
	PROBE_INFO=
	case $where in
	@*) run=(in_ctr "$H" "${where#@}") ;;
	*) run=(in_ns "$where") ;;
	esac
	case $target in
	udp://*)
		hp=${target#udp://} p=${hp##*:} h=${hp%:*} h=${h#[} h=${h%]}
		out=$("${run[@]}" timeout 10 "$GN_TMP/udp" send "$h" "$p" probe ${src:+"$src"} 2>&1)
		rc=$?
		case $rc in
		0) if [ "$out" = echo:probe ]; then PROBE=open; else PROBE=answered; fi ;;
		1) PROBE=timeout ;;
		3) PROBE=refused ;;
		esac
		PROBE_INFO="udp exit $rc${out:+: $out}"
		return
		;;
	esac
	body=$(mktemp "$GN_TMP/probe.XXXXXX")
	connect=$("${run[@]}" curl -sS -v -o "$body" -w '%{time_connect}' -m "$secs" ${src:+--interface "$src"} \
		"$target" 2>"$body.err")
	rc=$?
	# The kernel's reason, when curl says it: "connect to A port P failed:
	# Connection refused", "Immediate connect fail for A: Network is unreachable".
	out=$(sed -nE 's/^\* (connect to .* failed|Immediate connect fail for .*): (.*)$/\2/p' "$body.err" | tail -1)
	[ -n "$out" ] || out=$(sed -nE 's/^curl: \([0-9]+\) //p' "$body.err" | tail -1)
	case $rc in
	0) if [ "$(cat "$body")" = "$GN_HELLO" ]; then PROBE=open; else PROBE=answered; fi ;;
	7) if [ "$out" = "Network is unreachable" ]; then PROBE=noroute; else PROBE=refused; fi ;;
	28) if [[ $connect =~ ^0(\.0*)?$ ]]; then PROBE=timeout; else PROBE=stalled; fi ;;
	56) PROBE=reset ;;
	52) PROBE=closed ;;
	esac
	PROBE_INFO="curl exit $rc${out:+: $out}"
	[ $rc -eq 0 ] && PROBE_INFO="$PROBE_INFO: $(head -c 60 "$body")"
	rm -f "$body" "$body.err"
}

# drop_counters NS: "chain|rule|packets" for every rule of guardnet's table
# in NS that counts what it drops or rejects.
drop_counters() {
	in_ns "$1" nft list table inet guardnet 2>/dev/null | awk '
		/^\tchain / { chain = $2 }
		/counter packets [0-9]+/ && / (drop|reject)/ {
			n = $0; sub(/.*counter packets /, "", n); sub(/ .*/, "", n)
			r = $0; sub(/counter packets [0-9]+ bytes [0-9]+ /, "", r); gsub(/^[ \t]+/, "", r)
			print chain "|" r "|" n
		}'
}

# drops_moved BEFORE AFTER: the rules whose drop counters grew, "chain: rule +N".
drops_moved() {
	awk -F'|' 'NR == FNR { before[$1 "|" $2] = $3; next }
		$3 > before[$1 "|" $2] + 0 { printf "%s%s: %s +%d", sep, $1, $2, $3 - before[$1 "|" $2]; sep = "; " }' \
		<(echo "$1") <(echo "$2")
}

# outcome WANT WHERE TARGET SRC: one probe judged against WANT; sets
# GN_SEEN to what happened, returns 0 when it is what was wanted.
outcome() {
	local want=$1 where=$2 target=$3 src=$4 before after moved secs=$GN_NEG_SECS
	[ "$want" = open ] && secs=$GN_OPEN_SECS
	[ "$want" = dropped ] && before=$(drop_counters "${GN_FW_NS:-$H}")
	probe "$where" "$target" "$src" "$secs"
	GN_SEEN="$PROBE ($PROBE_INFO)"
	case $want in
	dropped)
		[ "$PROBE" = timeout ] || return 1
		after=$(drop_counters "${GN_FW_NS:-$H}")
		moved=$(drops_moved "$before" "$after")
		GN_SEEN="no answer in $GN_NEG_SECS s; dropped by guardnet: ${moved:-no drop counter of its table moved}"
		[ -n "$moved" ]
		;;
	*) [ "$PROBE" = "$want" ] ;;
	esac
}

# until_seen WANT SECONDS WHERE TARGET [SRC]: polls until the probe gives
# WANT; says what it saw last when it never does.
until_seen() {
	local want=$1 deadline=$((SECONDS + $2))
	until outcome "$want" "$3" "$4" "${5:-}"; do
		[ $SECONDS -lt $deadline ] || { say "wanted $want within $2 s; got $GN_SEEN"; return 1; }
		sleep 0.2
	done
}

# reachable WHERE TARGET [SRC]: a set-up step (must reachable ...): the
# page is there, within GN_OPEN_SECS.
reachable() { until_seen open "$GN_OPEN_SECS" "$@"; }

# expect WANT DESCRIPTION WHERE TARGET [SRC]: one probe, WANT (open, timeout,
# dropped, refused, reset) or a FAIL line that says what happened instead.
# "open" is polled (the server may still be starting), the rest are not.
expect() {
	local want=$1 d=$2
	shift 2
	if [ "$want" = open ]; then
		if until_seen open "$GN_OPEN_SECS" "$@" >/dev/null; then ok "$d"; else fail "$d (wanted the page; got $GN_SEEN)"; fi
	elif outcome "$want" "$1" "$2" "${3:-}"; then
		ok "$d ($GN_SEEN)"
	else
		fail "$d (wanted $want; got $GN_SEEN)"
	fi
}
expect_open() { expect open "$@"; }
expect_timeout() { expect timeout "$@"; }
expect_dropped() { expect dropped "$@"; }
expect_refused() { expect refused "$@"; }
expect_reset() { expect reset "$@"; }

# eventually WANT DESCRIPTION WHERE TARGET [SRC]: polls until the probe gives
# WANT, for up to GN_EVENTUALLY seconds (a UFW change reaches guardnet
# within a second).
eventually() {
	local want=$1 d=$2
	shift 2
	if until_seen "$want" "$GN_EVENTUALLY" "$@" >/dev/null; then
		if [ "$want" = open ]; then ok "$d"; else ok "$d ($GN_SEEN)"; fi
	else
		fail "$d (wanted $want within $GN_EVENTUALLY s; got $GN_SEEN)"
	fi
}

# expect_logged DESCRIPTION WHERE URL [SRC]: the connection is dropped and
# the kernel log shows "[GUARDNET BLOCK] " for it.  The attempt uses a source
# port of its own, so its line can be told from older ones without clearing
# the machine's log (whose ring buffer may be full, so line counts do not
# work either).  Needs kernel_log_on.
expect_logged() {
	local d=$1 where=$2 url=$3 src=${4:-} lport=$((30000 + RANDOM % 20000)) run
	case $where in @*) run=(in_ctr "$H" "${where#@}") ;; *) run=(in_ns "$where") ;; esac
	"${run[@]}" curl -s -m "$GN_NEG_SECS" --local-port "$lport" ${src:+--interface "$src"} "$url" >/dev/null 2>&1
	if wait_until 5 eval "dmesg | grep -q 'GUARDNET BLOCK\] .* SPT=$lport '"; then
		ok "$d ($(dmesg | grep "GUARDNET BLOCK\] .* SPT=$lport " | tail -1 | sed 's/^\[[^]]*\] //' | cut -c1-120))"
	else
		fail "$d (no [GUARDNET BLOCK] line for source port $lport)"
	fi
}

# kernel_log_on: the kernel keeps nftables log lines of other namespaces
# only with net.netfilter.nf_log_all_netns=1 (design.md section 5).  Tests
# running at once share the setting: the first sets it, the last one to
# finish puts the old value back.
GN_NFLOG=/tmp/gn-tests-nf_log_all_netns
kernel_log_on() {
	local f=/proc/sys/net/netfilter/nf_log_all_netns
	[ -w "$f" ] || skip "net.netfilter.nf_log_all_netns (to see the kernel log of a test namespace)"
	(
		flock 9
		gn_nflog_prune
		[ -s "$GN_NFLOG.old" ] || cat "$f" >"$GN_NFLOG.old"
		echo $$ >>"$GN_NFLOG.users"
		echo 1 >"$f"
	) 9>>"$GN_NFLOG.lock"
	at_exit kernel_log_off
}
kernel_log_off() {
	(
		flock 9
		grep -vx "$$" "$GN_NFLOG.users" >"$GN_NFLOG.users.new" 2>/dev/null
		mv "$GN_NFLOG.users.new" "$GN_NFLOG.users"
		gn_nflog_prune
		if [ ! -s "$GN_NFLOG.users" ] && [ -s "$GN_NFLOG.old" ]; then
			cat "$GN_NFLOG.old" >/proc/sys/net/netfilter/nf_log_all_netns
			rm -f "$GN_NFLOG.old"
		fi
	) 9>>"$GN_NFLOG.lock"
}
# Users that died without saying so.
gn_nflog_prune() {
	local p live=()
	[ -f "$GN_NFLOG.users" ] || return 0
	while read -r p; do [ -e "/proc/$p" ] && live+=("$p"); done <"$GN_NFLOG.users"
	printf '%s\n' "${live[@]}" | grep . >"$GN_NFLOG.users"
}

# nft_dump NS [table|ruleset]: guardnet's table (or the whole ruleset) as
# JSON, one object a line: no handles, counters zeroed, the elements of each
# set sorted (a hash set lists them in no fixed order).
nft_dump() {
	local what="table inet guardnet"
	[ "${2:-table}" = ruleset ] && what=ruleset
	# shellcheck disable=SC2086 # two words on purpose
	in_ns "$1" nft -j list $what | python3 -c '
import json, sys
def clean(o):
    if isinstance(o, dict):
        return {k: ({} if k == "counter" else clean(v)) for k, v in o.items() if k != "handle"}
    if isinstance(o, list):
        return [clean(v) for v in o]
    return o
for o in json.load(sys.stdin)["nftables"]:
    o = clean(o)
    for kind in ("set", "map"):
        if kind in o and "elem" in o[kind]:
            o[kind]["elem"] = sorted(o[kind]["elem"], key=lambda e: json.dumps(e, sort_keys=True))
    if "metainfo" not in o:
        print(json.dumps(o, sort_keys=True))'
}

# expect_same DESCRIPTION FILE COMMAND...: COMMAND prints what FILE holds.
expect_same() {
	local d=$1 file=$2 now=$GN_TMP/same.now
	shift 2
	"$@" >"$now" 2>&1
	if [ -s "$file" ] && cmp -s "$file" "$now"; then
		ok "$d ($(wc -l <"$file") lines)"
	else
		fail "$d"
		diff "$file" "$now" | head -20 | sed 's/^/    /'
	fi
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
		# shellcheck disable=SC2086 # a list of IDs
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
