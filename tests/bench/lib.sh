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
	[ -n "${1:-}" ] && engine="Docker engine $(dk "$1" version -f '{{.Server.Version}}')"
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
