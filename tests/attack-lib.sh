# shellcheck shell=bash
# Helpers of the attack suite (tests/e2e/attack-*.sh, issue 12): raw frames
# from inside containers and from a neighbour, what came back on the wire,
# which of guardnet's drop counters moved, and the table that puts Docker's
# bridge driver and guardnet side by side.  Source after tests/lib.sh.
#
# Every attack is made twice on the same dockerd: against a Docker bridge
# network and against a guardnet network.  Only guardnet's result is a
# check: "held" needs the attack to have failed on the wire, a positive
# control made in the same run (the same sender, the same frame but for
# the target) to have been answered, and, for guardnet, the drop counter of
# the rule that should stop it to have moved, so that neither a dead
# container, a typo nor another rule's accident can pass as "held".
# Docker's cell is printed in the table only.
#
#   attack_require                  python3-scapy present, else skip (exit 77)
#   ctr_net NS CTR                  a container's network namespace, as a path
#   iface_of NS ADDR                the interface holding ADDR (mac_of is lib.sh's)
#   serve NS ADDRPORT               busybox httpd in NS on ADDRPORT (127.0.0.1:9999, [::1]:9996, 9998)
#   syn NETNS IFACE MAC SRC TARGET...    one scapy run, one SYN per target; sets SYN[TARGET] to
#                                   synack, rst or none
#   guard_moved BEFORE PATTERN      the drop counters of guardnet's table on $H (drop_counters)
#                                   that moved since BEFORE, limited to rules matching PATTERN
#   held EVIDENCE, open_ EVIDENCE   a cell
#   syn_cell NETNS IFACE MAC SRC CONTROL TARGET [PATTERN]
#                                   a cell: held when CONTROL got its SYN-ACK, TARGET nothing and
#                                   (PATTERN given) guardnet's matching drop counter moved
#   sniff_start NETNS IFACE SECS COND..., sniff_wait    a sniffer at the receiving end
#   page_cell URL SEEN [BARRIER MOVED]   a cell for a connection attempt (PROBE) and the sniffer
#   attack_check ATTACK DOCKER GUARDNET   the row, and guardnet's cell as a check
#   attack_table NAME               prints the table (before summary)

ATTACK_PY=/usr/bin/python3 # Debian's, which has python3-scapy
ATTACK_RAW=$GN_ROOT/tests/tools/raw.py
ATTACK_TABLE=$GN_TMP/attack-table
declare -gA SYN=()

attack_require() {
	"$ATTACK_PY" -c 'import scapy' 2>/dev/null || skip "python3-scapy (packaging/deps.sh installs it)"
}

ctr_net() { echo "/proc/$(dk "$1" inspect -f '{{.State.Pid}}' "$2")/ns/net"; }

# iface_of NS ADDR: the interface holding ADDR in NS (a network's bridge,
# found by its gateway address whatever its name).
iface_of() { ip -n "$1" -o addr show | awk -v a="$2" '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }'; }

# serve NS ADDRPORT: busybox httpd in NS, started directly (nsenter execs
# it) so that $! is the server and gn_cleanup stops it.
serve() {
	www_make "$GN_TMP/www-serve"
	nsenter --net=/run/netns/"$1" /bin/busybox httpd -f -p "$2" -h "$GN_TMP/www-serve" &
	GN_PIDS+=($!)
}

raw_in() { local n=$1; shift; nsenter --net="$n" "$ATTACK_PY" "$ATTACK_RAW" "$@" 2>/dev/null; }

syn() {
	local n=$1 i=$2 m=$3 s=$4 t r
	shift 4
	SYN=()
	while read -r t r; do SYN[$t]=$r; done < <(raw_in "$n" syn "$i" "$m" "$s" -- "$@")
}

guard_moved() {
	local moved
	moved=$(drops_moved "$1" "$(drop_counters "$H")")
	tr ';' '\n' <<<"$moved" | sed 's/^ //' | grep -F -- "$2" | paste -sd ';' | sed 's/;/; /g'
}

held() { echo "held ($1)"; }
open_() { echo "OPEN ($1)"; }

syn_cell() {
	local n=$1 i=$2 m=$3 s=$4 ctl=$5 target=$6 pattern=${7:-} before moved
	[ -z "$pattern" ] || before=$(drop_counters "$H")
	syn "$n" "$i" "$m" "$s" "$ctl" "$target"
	[ -z "$pattern" ] || moved=$(guard_moved "$before" "$pattern")
	if [ "${SYN[$ctl]:-none}" != synack ]; then
		echo "setup broken (the control $ctl got ${SYN[$ctl]:-nothing})"
	elif [ "${SYN[$target]:-none}" != none ]; then
		open_ "${SYN[$target]} from $target"
	elif [ -n "$pattern" ] && [ -z "$moved" ]; then
		echo "no answer, but no drop counter of '$pattern' moved"
	else
		held "no answer on the wire, the control answered${moved:+; $moved}"
	fi
}

# page_cell URL SEEN [BARRIER MOVED]: a cell for the connection attempt that
# set PROBE: open when it got the page; held when the target's sniffer saw
# no SYN (SEEN "none") and, with BARRIER (what should stop it) given, its
# drop counter moved (MOVED says how).
page_cell() {
	local url=$1 seen=${2:-none} barrier=${3:-} moved=${4:-}
	if [ "$PROBE" = open ]; then
		open_ "got the page of $url"
	elif [ "$seen" != none ]; then
		echo "no page ($PROBE), but the SYN arrived ($seen)"
	elif [ -n "$barrier" ] && [ -z "$moved" ]; then
		echo "no SYN reached the target, but no drop counter of $barrier moved"
	else
		held "no SYN reached the target${moved:+; $moved}"
	fi
}

# sniff_start NETNS IFACE SECONDS COND...: a sniffer in the background,
# capturing when this returns; sniff_wait prints what it saw ("seen ..."
# or "none").
sniff_start() {
	local n=$1 i=$2 s=$3
	shift 3
	SNIFF_OUT=$GN_TMP/sniff.$RANDOM
	SNIFF_SECS=${s%.*}
	rm -f "$SNIFF_OUT.ready"
	nsenter --net="$n" "$ATTACK_PY" "$ATTACK_RAW" sniff "$i" "$s" "$SNIFF_OUT.ready" "$@" >"$SNIFF_OUT" 2>/dev/null &
	GN_PIDS+=($!)
	wait_until 20 test -e "$SNIFF_OUT.ready"
}
# The sniffer prints one line when it has seen its packet or when its time
# is up; callers run in command substitutions, where the sniffer is not
# their child to wait for, so this polls for the line.
sniff_wait() { wait_until $((SNIFF_SECS + 5)) test -s "$SNIFF_OUT"; cat "$SNIFF_OUT"; }

row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$ATTACK_TABLE"; }

attack_check() {
	row "$1" "$2" "$3"
	case $3 in
	held*) ok "guardnet holds: $1: $3" ;;
	*) fail "guardnet does not hold: $1: $3" ;;
	esac
}

attack_table() {
	[ -s "$ATTACK_TABLE" ] || return 0
	say ""
	local engine=${GUARDNET_DOCKER:-}
	[ "$engine" != host ] || engine=
	say "$1${engine:+@$engine}: attack | Docker bridge driver | guardnet"
	awk -F'\t' '{ printf "  %-62s | %-34s | %s\n", $1, $2, $3 }' "$ATTACK_TABLE"
	say ""
}

# cpu_s PID: user + system CPU time so far, in seconds; rss_mb PID.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# run_s NETWORK: seconds for docker run --rm on NETWORK of $H, median of 3.
run_s() {
	local t=() s
	for _ in 1 2 3; do
		s=$(date +%s%N)
		dk "$H" run --rm --network "$1" gnbox true >/dev/null 2>&1 || { echo fail; return; }
		t+=($((($(date +%s%N) - s) / 1000000)))
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n 2p | awk '{ printf "%.2f", $1 / 1000 }'
}

# repaired_within SECONDS COMMAND...: another program's change; prints the
# milliseconds until guardnetd logged that it put its rules back (listing a
# table of 100,000 elements takes nft itself seconds, so the clock stops at
# guardnetd's line), then checks, untimed, that the table is whole again
# (as many rules in chain forward as before) and guardnet's rules are in
# iptables.  Fails when either is not so.
repaired_within() {
	local s=$1 n0 start l0 ms log=$GN_TMP/gn-$H/guardnetd.log
	shift
	n0=$(in_ns "$H" nft -a list chain inet guardnet forward | grep -c handle)
	l0=$(grep -c 'put back' "$log")
	start=$(date +%s%N)
	"$@" >/dev/null 2>&1
	more_lines() { [ "$(grep -c 'put back' "$1")" -gt "$2" ]; }
	wait_until "$s" more_lines "$log" "$l0" || return 1
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$(in_ns "$H" nft -a list chain inet guardnet forward 2>/dev/null | grep -c handle)" = "$n0" ] || return 1
	in_ns "$H" iptables-save -t filter 2>/dev/null | grep -q 'comment guardnet -j ACCEPT' || return 1
	echo "$ms"
}

# lost_events: another program's burst of changes that overflows
# guardnetd's event socket (200,000 elements loaded while guardnetd is
# stopped, so that it cannot read) is not a change of guardnet's table:
# guardnetd counts its table and leaves it; the same burst with a flush of
# guardnet's forward chain in it is found by counting and repaired.
lost_events() {
	local gpid log=$GN_TMP/gn-$H/guardnetd.log l0
	gpid=$(guardnetd_pid "$H")
	"$ATTACK_PY" -c 'print("table inet flood {\n set s { type ipv4_addr; elements = {\n" +
		",\n".join("10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255) for i in range(200000)) + "\n} }\n}")' \
		>"$GN_TMP/flood.nft"
	grep_after() { tail -n +"$(($2 + 1))" "$log" | grep -q "$1"; }
	l0=$(wc -l <"$log")
	kill -STOP "$gpid"
	in_ns "$H" nft -f "$GN_TMP/flood.nft"
	kill -CONT "$gpid"
	check "another program's burst overflows the event socket: guardnetd counts its table and leaves it" \
		wait_until 20 grep_after "events were lost.*as guardnet left them" "$l0"
	check "and puts nothing back" bash -c "! tail -n +$((l0 + 1)) '$log' | grep -q 'put back'"
	in_ns "$H" nft delete table inet flood
	{ sed 's/table inet flood/table inet flood2/' "$GN_TMP/flood.nft"; echo "flush chain inet guardnet forward"; } \
		>"$GN_TMP/flood2.nft"
	l0=$(wc -l <"$log")
	kill -STOP "$gpid"
	in_ns "$H" nft -f "$GN_TMP/flood2.nft"
	kill -CONT "$gpid"
	check "the same burst with a flush of guardnet's forward chain in it is found by counting and put back" \
		wait_until 20 grep_after "events were lost.*counting found guardnet.s table changed" "$l0"
	in_ns "$H" nft delete table inet flood2
}

# allowlist_attack N VIA NAME: the scenario of attack-allowlist-*.sh for
# an allowlist of N entries given through the Docker CLI (VIA=cli) or the
# Docker API (VIA=api, for lists longer than one argument may be).
allowlist_attack() {
	local n=$1 via=$2 name=$3 gpid out s ms cpu0 cpu1 rss0 rss1 base big c0 cbase cbig log=$GN_TMP/gn-$H/guardnetd.log l0 l1
	gpid=$(guardnetd_pid "$H")
	must dk "$H" network create -d "$DRV" --subnet 10.253.1.0/24 other
	c0=$(cpu_s "$gpid")
	base=$(run_s other)
	cbase=$(awk -v a="$c0" -v b="$(cpu_s "$gpid")" 'BEGIN { printf "%.2f", b - a }')
	rss0=$(rss_mb "$gpid")
	s=$(date +%s%N)
	if [ "$via" = cli ]; then
		out=$(dk "$H" network create -d "$DRV" --subnet 10.253.2.0/24 \
			-o "guardnet.allow=$("$ATTACK_PY" "$GN_ROOT/tests/tools/allowlist.py" "$n")" big 2>&1)
	else
		"$ATTACK_PY" "$GN_ROOT/tests/tools/allowlist.py" "$n" big "$DRV" 10.253.2.0/24 >"$GN_TMP/big.json"
		out=$(curl -s --unix-socket "$GN_TMP/docker-$H/docker.sock" -H 'Content-Type: application/json' \
			-d @"$GN_TMP/big.json" http://docker/networks/create 2>&1)
	fi
	ms=$((($(date +%s%N) - s) / 1000000))
	quiet dk "$H" network inspect big || say "  create said: ${out:0:300}"
	check "docker network create with $n allowlist entries ($via): ${ms} ms" quiet dk "$H" network inspect big
	web bb big -p 8081:80
	rss1=$(rss_mb "$gpid")
	say "  guardnetd: RSS $rss0 MB before, $rss1 MB with the network and its container"
	expect_open "the allowed 192.0.2.3 gets the page of 192.0.2.1:8081" "$O" http://192.0.2.1:8081/ 192.0.2.3
	expect_logged "192.0.2.4, in no list, gets nothing from 192.0.2.1:8081, and is logged" "$O" \
		http://192.0.2.1:8081/ 192.0.2.4

	# Idle: nothing touches nftables; guardnetd must do nothing.
	l0=$(grep -c 'put back' "$log")
	cpu0=$(cpu_s "$gpid")
	sleep 30 # measuring idleness: the 30 s are the measurement, not a wait for an event
	cpu1=$(cpu_s "$gpid")
	l1=$(grep -c 'put back' "$log")
	check "guardnetd's CPU over 30 idle seconds: $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }') s (at most 0.30)" \
		awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { exit !(b - a <= 0.30) }'
	check "no rebuild meanwhile ($((l1 - l0)) 'put back' lines)" test "$((l1 - l0))" -eq 0

	c0=$(cpu_s "$gpid")
	big=$(run_s other)
	cbig=$(awk -v a="$c0" -v b="$(cpu_s "$gpid")" 'BEGIN { printf "%.2f", b - a }')
	# The wall time is mostly dockerd's and containerd's, and noisy on a
	# busy machine; guardnetd's own CPU time for the same runs is its share.
	say "  docker run --rm on another network (median of 3): ${base} s without the big allowlist, ${big} s with it"
	check "docker run on another network costs guardnetd the same: ${cbig} s of CPU for 3 runs with it, ${cbase} s without" \
		awk -v a="$cbase" -v b="$cbig" 'BEGIN { exit !(b <= 1.5 * a + 0.05) }'

	# Foreign changes are still put back.
	for c in "nft delete table inet guardnet" "nft flush chain inet guardnet forward" "iptables -F DOCKER-USER"; do
		# shellcheck disable=SC2086 # a command line of our own
		ms=$(repaired_within 10 in_ns "$H" $c)
		check "another program's '$c' is put back (${ms:-never} ms)" test -n "$ms"
	done
	eventually open "the allowed 192.0.2.3 still gets the page" "$O" http://192.0.2.1:8081/ 192.0.2.3
	lost_events
	row "$name: idle CPU 30 s, docker run elsewhere, repairs" "-" \
		"held (CPU $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }') s, run ${big}/${base} s)"
}
