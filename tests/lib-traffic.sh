# shellcheck shell=bash
# Traffic for tests/lib.sh (which sources this file and lists what it
# offers): one probe, judged as open, refused, no route, timeout or dropped
# by guardnet (a drop counter of its table moved), the kernel log line, and
# explain's verdicts against real connections.

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

# get NS SRC URL: the page from namespace NS with source address SRC ("" for any).
# curl's --interface with a bare address first lists the namespace's
# interfaces (a netlink dump that waits for the kernel's RTNL lock, held for
# seconds at a time while other suites' namespaces and links go: 4.9 s
# measured); "host!" binds the address without asking.
get() { in_ns "$1" curl -s -m 3 ${2:+--interface "host!$2"} "$3" 2>/dev/null; }

outside() { get "$O" "$1" "$2"; }

host() { get "$H" "" "$1"; }

# probe WHERE TARGET [SRC] [SECONDS]: one attempt, judged; sets PROBE and
# PROBE_INFO.  A curl that ran out of time long after its limit was not
# running when the limit passed, and its "no answer" says nothing about the
# network (it may not have sent anything): it is tried once more, and a
# second "overrun" stays, which no check wants.
probe() {
	probe_once "$@"
	[ "$PROBE" != overrun ] || probe_once "$@"
}

probe_once() {
	local where=$1 target=$2 src=${3:-} secs=${4:-$GN_NEG_SECS} run out rc body connect hp h p t0 ms
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
	t0=${EPOCHREALTIME/[.,]/}
	connect=$("${run[@]}" curl -sS -v -o "$body" -w '%{time_connect}' -m "$secs" ${src:+--interface "host!$src"} \
		"$target" 2>"$body.err")
	rc=$?
	ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
	# The kernel's reason, when curl says it: "connect to A port P failed:
	# Connection refused", "Immediate connect fail for A: Network is unreachable".
	out=$(sed -nE 's/^\* (connect to .* failed|Immediate connect fail for .*): (.*)$/\2/p' "$body.err" | tail -1)
	[ -n "$out" ] || out=$(sed -nE 's/^curl: \([0-9]+\) //p' "$body.err" | tail -1)
	case $rc in
	0) if [ "$(cat "$body")" = "$GN_HELLO" ]; then PROBE=open; else PROBE=answered; fi ;;
	7) if [ "$out" = "Network is unreachable" ]; then PROBE=noroute; else PROBE=refused; fi ;;
	28) if [ $ms -gt $((secs * 1000 + 2000)) ]; then
		PROBE=overrun
	elif [[ $connect =~ ^0(\.0*)?$ ]]; then PROBE=timeout; else PROBE=stalled; fi ;;
	56) PROBE=reset ;;
	52) PROBE=closed ;;
	esac
	PROBE_INFO="curl exit $rc${out:+: $out}"
	[ "$PROBE" != overrun ] || PROBE_INFO="$PROBE_INFO: the -m $secs curl took $ms ms"
	[ $rc -eq 0 ] && PROBE_INFO="$PROBE_INFO: $(head -c 60 "$body")"
	rm -f "$body" "$body.err"
}

# drop_counters NS: "chain|rule|packets" for every rule of guardnet's tables
# in NS that counts what it drops or rejects: table inet guardnet, and
# tables ip and ip6 guardnet, where UFW's rules decide (their chains as
# "ip CHAIN", "ip6 CHAIN").
drop_counters() {
	local t
	for t in inet ip ip6; do
		in_ns "$1" nft list table "$t" guardnet 2>/dev/null | awk -v t="$t" '
			/^\tchain / { chain = (t == "inet" ? "" : t " ") $2 }
			/counter packets [0-9]+/ && / (drop|reject)/ {
				n = $0; sub(/.*counter packets /, "", n); sub(/ .*/, "", n)
				r = $0; sub(/counter packets [0-9]+ bytes [0-9]+ /, "", r); gsub(/^[ \t]+/, "", r)
				print chain "|" r "|" n
			}'
	done
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
	"${run[@]}" curl -s -m "$GN_NEG_SECS" --local-port "$lport" ${src:+--interface "host!$src"} "$url" >/dev/null 2>&1
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

# mac_of NS IFACE: the interface's MAC address.
mac_of() { ip -n "$1" link show "$2" | awk '/link\/ether/ { print $2 }'; }

# neighbour_syn NS IFACE DSTMAC SRC DST PORT: one TCP SYN from SRC in a frame
# to DSTMAC (a neighbour on the link may address anything, 127.0.0.1 and
# ::1 included), sent by tests/tools/raw.py; prints what came back on IFACE
# within 2 s: synack, rst or none.  NS is a test namespace's name or the
# path of a network namespace (/proc/PID/ns/net: a container's).
neighbour_syn() {
	local ns=/run/netns/$1 dst=$5
	[ "${1#/}" != "$1" ] && ns=$1
	case $dst in *:*) dst="[$dst]" ;; esac
	nsenter --net="$ns" /usr/bin/python3 "$GN_ROOT/tests/tools/raw.py" syn "$2" "$3" "$4" -- "$dst:$6" |
		awk '{ print $2 }'
}
