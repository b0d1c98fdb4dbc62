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
# The helpers below live here and in lib-host.sh, lib-traffic.sh and
# lib-driver.sh, which this file sources.
#
# Results
#   ok DESC, fail DESC              count a check
#   check DESC CMD...               ok when CMD succeeds
#   quiet CMD...                    CMD without its output (for check)
#   logged CMD...                   the same, but a failure shows the end of its output
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
#   deb_build                       `make deb` unless build/deb holds the package of these very
#                                   sources (under exclusive dpkg; the package tests share one build)
#   wait_until SECS CMD...          polls CMD until it succeeds (1 after SECS): every 50 ms, then 200
#   pid_gone PID
# Test hosts
#   testbed [legacy]                host H (dockerd, guardnetd serving driver DRV, UFW's files for
#                                   ufw(), image gnbox) joined to outside O (192.0.2.2-.4,
#                                   2001:db8:1::2-::4; H is 192.0.2.1, 2001:db8:1::1)
#   bare_host                       host H with guardnetd (DRV) only; docker_host: dockerd too
#   netns_add NS, outside_add HOSTNS OUTNS, serve_outside OUTNS PORT
#   serve NS PORT [udp]             a service of NS itself on PORT (gnbox's page, or the udp echo)
#   in_ns NS CMD...                 CMD in NS's network namespace
#   in_host NS CMD...               CMD in NS's network namespace and NS's own mounts: its plugin
#                                   directory at /run/docker/plugins, its /etc/ufw and /etc/default
#   in_ctr NS CTR CMD...            CMD (a program of this machine) in container CTR's network namespace
#   host_mounts NS [legacy]         sets GN_MOUNTS, the command prefix in_host uses; it execs, so
#                                   `"${GN_MOUNTS[@]}" prog &` leaves prog's PID in $!
# Docker
#   dockerd_start NS [legacy]       NS's own dockerd; the engine is docker_engine_$GUARDNET_DOCKER
#                                   (unset: docker_engine_host, this machine's dockerd).  Another
#                                   engine is one function docker_engine_NAME NS DIR [legacy]: it
#                                   starts dockerd in the background (socket DIR/docker.sock, pid
#                                   file DIR/docker.pid, log DIR/dockerd.log, NS's plugin directory
#                                   $GN_TMP/plugins-NS at /run/docker/plugins), adds its PID to
#                                   GN_PIDS and returns; GN_DOCKER_CLI and GN_COMPOSE name its clients.
#                                   GUARDNET_DOCKER=28: docker_engine_28 (tests/docker28/engine.sh),
#                                   Docker 28.5.2 from a forky root file system, with its own docker,
#                                   compose v2, iptables (first in PATH) and ufw (ufw() runs it)
#   dockerd_begin NS, dockerd_wait NS   dockerd_start's two halves (set up something else meanwhile)
#   dockerd_restart [live]          $H's dockerd stopped and started again (live: --live-restore,
#                                   where the engine reads GN_LIVE_RESTORE: Docker 28's does, 20.10
#                                   through a dockerd wrapper first in PATH, as restart.sh makes)
#   dk NS ARGS...                   the docker CLI on NS's dockerd ($GN_DOCKER_CLI, default docker)
#   dkt ARGS...                     the same on $H, bounded by DKT_TIMEOUT seconds (180)
#   parallel_runs PREFIX COUNT ARGS...   COUNT `dkt run -d --name PREFIXi ARGS` at once (%i: i)
#   image_load NS                   image gnbox: busybox httpd, /www, cgi-bin/ip, the udp tool
#   web NAME NET [ARGS...]          `must` run a gnbox web server NAME on network NET on $H
#   web_at PORT NAME NET [ARGS...]  the same, listening on PORT in the container
#   ctr_ip NS CTR NET [6], ctr_pid NS CTR, fetch NS CTR URL (wget in the container)
#   gateway_of CTR NET              CTR's default route goes through NET's gateway (on $H)
#   compose DIR PROJECT ARGS...     docker-compose on $H's dockerd; compose_ctr DIR PROJECT SERVICE
#   egress_seen NS CTR URL          the source address a server outside saw (cgi-bin/ip) for CTR
#   gn_links NS, no_state NS        guardnet's links in NS (a count); guardnetd of NS keeps no record
# guardnetd
#   guardnetd_start NS DRV          guardnetd in NS serving DRV (socket in NS's plugin directory)
#   guardnetd_stop NS [SIGNAL]      kills it (TERM unless told) and waits until it is gone
#   guardnetd_pid NS, plugin_sock DRV, plugin_call DRV PATH [BODY]
#   gnctl ARGS...                   guardnetctl on $H's guardnetd
#   gnctl_in_host ARGS...           the same in $H's namespaces (its kernel, /etc/ufw), DOCKER_HOST its dockerd
#   drv_net, drv_ep, drv_pm, drv_pub, drv_try_pub, drv_revoke, drv_leave, drv_delete, drv_id
#                                   Docker's side of the protocol on $DRV, for tests without dockerd
#   same_as_rebuild WHAT            $H's table equals what a restarted guardnetd builds (a check)
#   refuse_shim                     tests/tools/nfrefuse.c built: GN_REFUSE_PORT=P LD_PRELOAD=$(refuse_shim)
#                                   guardnetd_start ... has the kernel refuse every batch publishing P;
#                                   GN_REFUSE_IP_TABLE=FILE: every batch building table ip guardnet while
#                                   FILE exists
#   consistent ARGS...              tests/e2e/consistency.py on $H: guardnetd, kernel and Docker agree
#   explain FROM TO PORT, json_field KEY      guardnetctl --json explain on $H, one field of JSON
#   agree VERDICT WHERE SRC TO PORT URL       explain's verdict and a real connection agree (2 checks)
# UFW
#   ufw_setup NS                    NS's own copy of UFW's files; ufw() then runs Debian's ufw on it
#   ufw ARGS...                     ufw in $UFW_NS (UFW_LEGACY=1: on iptables-legacy); output on failure
#   ufw_init ARGS...                UFW's boot script the same way (force-reload: load UFW's files as
#                                   they are, as systemctl restart ufw does)
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
#   drop_counters NS                "chain|rule|packets" of every counting drop/reject rule of
#                                   tables inet, ip and ip6 guardnet (UFW's chains: "ip CHAIN")
#   mac_of NS IFACE                 the interface's MAC
#   neighbour_syn NS IFACE DSTMAC SRC DST PORT   a SYN in a frame to DSTMAC (any DST, ::1 too);
#                                   prints synack, rst or none (NS may be /proc/PID/ns/net)
#   get NS SRC URL, outside SRC URL, host URL   the page as text (old style; prefer expect_*)
#   kernel_log_on                   net.netfilter.nf_log_all_netns=1 while the test runs (shared
#                                   by tests running at once; the old value comes back after the last)
# Firewall dumps
#   nft_dump NS [table|ruleset]     guardnet's table (or the whole ruleset) normalised: JSON, one
#                                   object a line, no handles, no counters, set elements sorted
#   expect_same DESC FILE CMD...    CMD prints what FILE holds (a diff on failure)
#   nft_handle NS, nft_has NS KIND NAME TEXT, nft_lacks NS KIND NAME TEXT, nft_gone NS KIND NAME   guardnet's table
#   drv_epa 4|6 TAG                  the chain and set of endpoint TAG's guardnet.allow
# The managed plugin and Swarm (tests/lib-swarm.sh, which plugin-*.sh and swarm-*.sh source after
# this file; GUARDNET_PLUGIN=managed sources it here and runs testbed's guardnet as the plugin)
#   node_add NS, in_node NS CMD...  a host that looks real to dockerd and plugins (own /etc, /var/lib, /run)
#   node_dockerd_start NS, node_dockerd_stop NS, plugin_build, plugin_install NS NAME [K=V...],
#   plugin_pid NS NAME, swarm_up (M, W1, W2 on LAN, client C), swarm_guardnet_up (plugin GNP,
#   network gnet, global service web on 8080), reaches/dropped NS SRC URL (the block log line)
#
# Variables: GN_ROOT, GN_BIN (guardnetd), GN_CTL (guardnetctl), GN_TMP (this test's files, removed
# at exit: docker-NS/ for NS's dockerd, gn-NS/ for its guardnetd (state, log, control.sock,
# ufwroot/etc/{ufw,default}), plugins-NS/), GN_TAG (gnt$$, the prefix of every name), GN_HELLO
# (gnbox's page), H, O, DRV (testbed), UFW_NS, UFW_ROOT (ufw_setup), GUARDNETD_PID_<ns>, DOCKER_<ns>;
# GN_NEG_SECS (2), GN_OPEN_SECS (5), GN_EVENTUALLY (5): the probes' time limits.

GN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Debian's python3 (packaging/deps.sh installs scapy, jsonschema and ufw's
# modules for it) before any other on PATH: a version manager's shim in front
# of it (pyenv's runs ten shell scripts a call) costs 0.8 s of CPU per python3
# call, Debian's own 0.07 s.
[ -x /usr/bin/python3 ] && [[ :$PATH: != *":$GN_ROOT/tests/bin:"* ]] && export PATH=$GN_ROOT/tests/bin:$PATH
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
# logged COMMAND...: as quiet, but a failure shows the end of its output.
logged() {
	local out=$GN_TMP/logged.out rc
	"$@" >"$out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -30 "$out" | sed 's/^/    | /'
	return $rc
}

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

# deb_build: the package in build/deb, by `make deb` unless the last build
# there was of the same sources (the files make deb packs, by content).  A
# build runs the unit tests once more and takes minutes on a busy machine;
# the three package tests of a run need it once.
deb_build() {
	local sum stamp=$GN_ROOT/build/deb/sources.sha256
	sum=$(cd "$GN_ROOT" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 sha256sum 2>&1 | sha256sum) || return 1
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] &&
		ls "$GN_ROOT"/build/deb/guardnet_*_*.deb >/dev/null 2>&1; then
		say "build/deb is of these sources already"
		return 0
	fi
	make -C "$GN_ROOT" -s deb && echo "$sum" >"$stamp"
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

# wait_until SECONDS COMMAND...: polls until the command succeeds: every
# 50 ms, then 100, then every 200 ms.  What is polled
# (the docker CLI, python, curl) costs tens of ms of CPU a call, taken from
# what the test waits for on a 2-core machine running three suites.
wait_until() {
	local deadline=$((SECONDS + $1)) nap=0.05; shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep $nap
		case $nap in 0.05) nap=0.1 ;; 0.1) nap=0.2 ;; esac
	done
}

# pid_gone PID: the process has exited: no such process, or a zombie with
# no thread left (the leader of a multi-threaded process, guardnetd with its
# relay, turns zombie while its other threads still hold its sockets open).
pid_gone() {
	[ ! -e "/proc/$1" ] ||
		{ [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ] && [ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -le 1 ]; }
}

# The rest of the helpers, listed above.
# shellcheck source=tests/lib-host.sh
. "$GN_ROOT/tests/lib-host.sh"
# shellcheck source=tests/lib-traffic.sh
. "$GN_ROOT/tests/lib-traffic.sh"
# shellcheck source=tests/lib-driver.sh
. "$GN_ROOT/tests/lib-driver.sh"
# The Docker 28 engine (docker_engine_28, its clients, its ufw).
# shellcheck source=tests/docker28/engine.sh
[ "${GUARDNET_DOCKER:-}" != 28 ] || . "$GN_ROOT/tests/docker28/engine.sh"
# The managed plugin and Swarm nodes; GUARDNET_PLUGIN=managed needs them here.
# shellcheck source=tests/lib-swarm.sh
[ "${GUARDNET_PLUGIN:-}" != managed ] || . "$GN_ROOT/tests/lib-swarm.sh"
