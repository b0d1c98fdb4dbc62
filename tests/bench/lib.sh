# shellcheck shell=bash
# Helpers for the benchmarks (tests/bench/*.sh): tests/lib.sh's testbed,
# the --quick switch, the tools and the one-line results.  Source it with
# the script's arguments.  Run alone, a benchmark prints one result line per
# figure and ends with "bench_NAME: N passed, M failed", where the checks
# are that every round produced its numbers; whether a target is met is
# reported, never asserted (the machine may be busy).

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
BENCH_DIR=$GN_ROOT/tests/bench
QUICK=0
case "${1:-}" in
--quick) QUICK=1 ;;
"") ;;
*) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

# pick FULL QUICK: the value for this mode.
pick() { if [ "$QUICK" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# tool NAME: builds tests/bench/tools/NAME.c into $GN_TMP/NAME.
tool() { gcc -O2 -pthread -o "$GN_TMP/$1" "$BENCH_DIR/tools/$1.c"; }

# field KEY TEXT: the value of KEY=VALUE in TEXT.
field() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# ratio A B: A/B with 4 decimals.
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.4f}')" "$1" "$2"; }

# result NAME WHAT TARGET RATIOS [LABEL VALUES]...: the figure's line (see
# tools/report.py), checked to hold a number.
result() { check "$1: a result from every round" python3 "$BENCH_DIR/tools/report.py" "$1" "$2" "$3" "$QUICK" "${@:4}"; }

# machine [NS]: what the numbers were measured on, with the engine version
# of NS's dockerd (the server's: the docker client may be another version).
machine() {
	local engine="no dockerd (guardnetd's plugin API only)"
	[ -n "${1:-}" ] && engine="Docker engine $(dk "$1" version -f '{{.Server.Version}}') (client $(dk "$1" version -f '{{.Client.Version}}'))"
	say "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)," \
		"$engine, load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# divide A B: the ratios of two lists of numbers, element by element.
divide() {
	python3 -c 'import sys; a, b = sys.argv[1].split(), sys.argv[2].split(); print(" ".join(f"{float(x) / float(y):.4f}" for x, y in zip(a, b)))' "$1" "$2"
}

# values KEY HOST TEXT: KEY's value in each of TEXT's "round=R host=HOST
# ... KEY=V" lines (the tools' output), space-separated.
values() { grep " host=$2 " <<<"$3" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p" | tr '\n' ' '; }

# perf_image_load NS: imports "gnperf" into NS's dockerd: busybox and
# Debian's iperf3 with the shared libraries ldd lists for it (iperf3 is
# linked dynamically; the image carries its own copies).
perf_image_load() {
	local root=$GN_TMP/perfroot lib
	mkdir -p "$root/bin" "$root/tmp"
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp /usr/bin/iperf3 "$root/bin/iperf3"
	for lib in $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib" || return 1
	done
	tar -C "$root" -cf "$GN_TMP/gnperf.tar" . && dk "$1" import "$GN_TMP/gnperf.tar" gnperf >/dev/null
}

# docker_api NS PATH JSON_FILE: a POST to NS's dockerd API (for bodies too
# large for one command-line argument).
docker_api() {
	curl -sf --unix-socket "$GN_TMP/docker-$1/docker.sock" -H 'Content-Type: application/json' \
		-X POST --data-binary "@$3" "http://docker$2"
}

# plugin_host NS DRIVER [BINARY]: a test host without dockerd, for the
# benchmarks that speak the plugin API themselves (tools/fleet.py):
# namespace NS, the namespace ${NS}s that stands for the containers, and a
# guardnetd (BINARY, else the one built here) serving DRIVER.
plugin_host() {
	netns_add "$1" && netns_add "${1}s" && GN_BIN=${3:-$GN_BIN} guardnetd_start "$1" "$2"
}

# fleet_host LABEL NS DRIVER: fleet.py's name for that host.
fleet_host() { echo "$1:$(plugin_sock "$3"):$2:${2}s"; }

# rss_kb PID: its resident set.
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

# kmem_kb: the kernel's slab and per-CPU memory, machine-wide (other
# programs move it too: take differences over short spans, several times).
kmem_kb() { awk '$1 == "Slab:" || $1 == "Percpu:" { t += $2 } END { print t }' /proc/meminfo; }

# links NS: how many links NS holds.
links() { ip -n "$1" -o link show | wc -l; }

# gn_restart NS DRIVER [PATTERN]: stops NS's guardnetd (SIGTERM: its
# kernel state stays) and starts it again (GN_BIN); sets RESTARTED to
# "serving_ms=A [logged_ms=B]" (empty on failure): the milliseconds from the start until it
# answered Docker's Activate and until its log had a line matching PATTERN
# (tools/serving.py, which asks every 2 ms; guardnetd_start may give up
# waiting first, guardnetd goes on starting).  Not in a subshell: the new
# guardnetd's pid must reach gn_cleanup.
gn_restart() {
	local p w=$GN_TMP/restart
	RESTARTED=
	guardnetd_stop "$1" || return 1
	rm -f "$w".*
	python3 "$BENCH_DIR/tools/serving.py" "$(plugin_sock "$2")" "$w.ready" "$w.t0" 900 \
		${3:+"$GN_TMP/gn-$1/guardnetd.log" "$3"} >"$w.out" &
	p=$!
	wait_until 30 test -e "$w.ready" || return 1
	date +%s%N >"$w.t0"
	guardnetd_start "$1" "$2" >/dev/null
	wait "$p" && RESTARTED=$(cat "$w.out")
}
