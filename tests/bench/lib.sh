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

# machine: what the numbers were measured on.
machine() {
	say "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)," \
		"$(docker --version | sed 's/,.*//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
