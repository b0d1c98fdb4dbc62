# Helpers of the attack suite (tests/e2e/attack-*.sh, issue 12): raw frames
# from inside containers and from a neighbour, sniffers that say why an
# attack failed, and the table that puts Docker's bridge driver and guardnet
# side by side.  Source after tests/lib.sh.
#
# Every attack is made twice on the same dockerd: against a Docker bridge
# network and against a guardnet network.  Only guardnet's result is a
# check (ok - held / FAIL - open); Docker's is printed in the table, next to
# a positive control that proves the same setup carries traffic.

ATTACK_PY=/usr/bin/python3 # Debian's, which has python3-scapy
ATTACK_RAW=$GN_ROOT/tests/tools/raw.py
ATTACK_TABLE=$GN_TMP/attack-table

attack_require() {
	if ! "$ATTACK_PY" -c 'import scapy' 2>/dev/null; then
		say "cannot run here: python3-scapy is missing (packaging/deps.sh installs it)"
		exit 77
	fi
}

# ctr_net NS CONTAINER: the container's network namespace, as a path.
ctr_net() { echo "/proc/$(dk "$1" inspect -f '{{.State.Pid}}' "$2")/ns/net"; }

# iface_of NS ADDR: the interface holding address ADDR in namespace NS (a
# network's bridge, found by its gateway address whatever its name).
iface_of() { ip -n "$1" -o addr show | awk -v a="$2" '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }'; }

# serve NS ADDRPORT: busybox httpd in namespace NS on ADDRPORT (127.0.0.1:9999,
# [::1]:9996, 9998), started directly so that gn_cleanup can stop it.
serve() {
	www_make "$GN_TMP/www-serve"
	nsenter --net=/run/netns/"$1" /bin/busybox httpd -f -p "$2" -h "$GN_TMP/www-serve" &
	GN_PIDS+=($!)
}

# raw_in NETNS_PATH ARGS...: tests/tools/raw.py inside a network namespace.
raw_in() { local n=$1; shift; nsenter --net="$n" "$ATTACK_PY" "$ATTACK_RAW" "$@" 2>/dev/null; }

# syn_from NETNS_PATH IFACE DSTMAC SRC TARGET: one SYN; prints synack, rst or none.
syn_from() { raw_in "$1" syn "$2" "$3" "$4" -- "$5" | awk '{print $2}'; }

# sniff_start NETNS_PATH IFACE SECONDS COND...: a sniffer in the background,
# running when this returns; sniff_wait prints what it saw ("seen ..." or
# "none").
sniff_start() {
	local n=$1 i=$2 s=$3
	shift 3
	SNIFF_OUT=$GN_TMP/sniff.$RANDOM
	SNIFF_SECS=${s%.*}
	rm -f "$SNIFF_OUT.ready"
	raw_in "$n" sniff "$i" "$s" "$SNIFF_OUT.ready" "$@" >"$SNIFF_OUT" &
	wait_until 20 test -e "$SNIFF_OUT.ready"
}
# The sniffer prints one line when it has seen its packet or when its time
# is up; callers run in command substitutions, where the sniffer is not
# their child to wait for, so this polls for the line.
sniff_wait() { wait_until $((SNIFF_SECS + 5)) test -s "$SNIFF_OUT"; cat "$SNIFF_OUT"; }

# row ATTACK DOCKER GUARDNET: a line of the side-by-side table.
row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$ATTACK_TABLE"; }

# held EVIDENCE / open EVIDENCE: a cell of the table.
held() { echo "held ($1)"; }
open_() { echo "OPEN ($1)"; }

# attack_check ATTACK DOCKER_CELL GUARDNET_CELL: the row, and guardnet's
# cell as a check: "held" passes, anything else fails.
attack_check() {
	row "$1" "$2" "$3"
	case $3 in
	held*) ok "guardnet holds: $1: $3" ;;
	*) fail "guardnet does not hold: $1: $3" ;;
	esac
}

# attack_table NAME: prints the table (before summary NAME).
attack_table() {
	[ -s "$ATTACK_TABLE" ] || return 0
	say ""
	say "$1: attack | Docker bridge driver | guardnet"
	awk -F'\t' '{ printf "  %-62s | %-34s | %s\n", $1, $2, $3 }' "$ATTACK_TABLE"
	say ""
}

# cpu_s PID: the process's user + system CPU time so far, in seconds.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
# rss_mb PID: its resident memory in MB.
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# run_s NS NETWORK: seconds for docker run --rm on NETWORK, median of 3.
run_s() {
	local t=() s
	for _ in 1 2 3; do
		s=$(date +%s%N)
		dk "$1" run --rm --network "$2" gnbox true >/dev/null 2>&1 || { echo fail; return; }
		t+=($((($(date +%s%N) - s) / 1000000)))
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n 2p | awk '{ printf "%.2f", $1 / 1000 }'
}
# repaired_within NS SECONDS COMMAND...: runs a foreign change and waits
# for guardnetd to say it put its rules back; prints the milliseconds that
# took (listing a table that holds 100,000 elements takes nft itself
# seconds, so the clock stops at guardnetd's log line), then checks,
# untimed, that the table is whole again: the forward chain has as many
# rules as before and DOCKER-USER has guardnet's accept rule.  Fails when
# either is not so.
repaired_within() {
	local ns=$1 s=$2 n0 start l0 ms log=$GN_TMP/gn-$1/guardnetd.log
	shift 2
	n0=$(in_ns "$ns" nft -a list chain inet guardnet forward | grep -c handle)
	l0=$(grep -c 'put back' "$log")
	start=$(date +%s%N)
	"$@" >/dev/null 2>&1
	more_lines() { [ "$(grep -c 'put back' "$1")" -gt "$2" ]; }
	wait_until "$s" more_lines "$log" "$l0" || return 1
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$(in_ns "$ns" nft -a list chain inet guardnet forward 2>/dev/null | grep -c handle)" = "$n0" ] || return 1
	in_ns "$ns" iptables -S DOCKER-USER 2>/dev/null | grep -q 'comment guardnet' || return 1
	echo "$ms"
}

# lost_events GUARDNETD_PID: another program's burst of changes that
# overflows guardnetd's event socket (200,000 elements loaded while
# guardnetd is stopped, so that it cannot read) is not a change of guardnet's
# table: guardnetd counts its table and leaves it; the same burst with a
# flush of guardnet's forward chain in it is found by counting and repaired.
lost_events() {
	local gpid=$1 log=$GN_TMP/gn-$H/guardnetd.log l0
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
	check "and puts nothing back" sh -c "! tail -n +$((l0 + 1)) '$log' | grep -q 'put back'"
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

allowed_gets_page() {
	test "$(in_ns "$O" curl -s -m 3 --interface 192.0.2.3 http://192.0.2.1:8081/)" = "hello from guardnet"
}

# allowlist_attack N VIA NAME: the scenario of attack-allowlist-*.sh for an
# allowlist of N entries given through the Docker CLI (VIA=cli) or the
# Docker API (VIA=api, for lists longer than one argument may be).
allowlist_attack() {
	local n=$1 via=$2 name=$3 pid_var gpid out s ms cpu0 cpu1 rss0 rss1 base big lport
	pid_var=GUARDNETD_PID_${H//-/_}
	gpid=${!pid_var}
	must dk "$H" network create -d "$DRV" --subnet 10.253.1.0/24 other
	base=$(run_s "$H" other)
	rss0=$(rss_mb "$gpid")
	s=$(date +%s%N)
	if [ "$via" = cli ]; then
		out=$(dk "$H" network create -d "$DRV" --subnet 10.253.2.0/24 \
			-o "guardnet.allow=$("$ATTACK_PY" "$GN_ROOT/tests/tools/allowlist.py" "$n")" big 2>&1)
	else
		"$ATTACK_PY" "$GN_ROOT/tests/tools/allowlist.py" "$n" big "$DRV" 10.253.2.0/24 >"$GN_TMP/big.json"
		out=$(curl -s --unix-socket "$GN_TMP/docker-$H/docker.sock" -H 'Content-Type: application/json' \
			-d @"$GN_TMP/big.json" http://docker/networks/create 2>&1)
		dk "$H" network inspect big >/dev/null 2>&1 || out="$out (no network)"
	fi
	ms=$((($(date +%s%N) - s) / 1000000))
	quiet dk "$H" network inspect big || say "  create said: ${out:0:300}"
	check "docker network create with $n allowlist entries ($via): ${ms} ms" quiet dk "$H" network inspect big
	must dk "$H" run -d --name bb --network big -p 8081:80 gnbox httpd -f -p 80 -h /www
	rss1=$(rss_mb "$gpid")
	say "  guardnetd: RSS $rss0 MB before, $rss1 MB with the network and its container"
	check "the allowed 192.0.2.3 gets the page of 192.0.2.1:8081" \
		wait_until 10 allowed_gets_page
	lport=$((30000 + RANDOM % 20000))
	check "192.0.2.4, in no list, gets nothing from 192.0.2.1:8081" \
		test -z "$(in_ns "$O" curl -s -m 3 --interface 192.0.2.4 --local-port "$lport" http://192.0.2.1:8081/)"
	check "and its attempt is logged with [GUARDNET BLOCK]" \
		wait_until 5 sh -c "dmesg | grep -q 'GUARDNET BLOCK\] .*SRC=192\.0\.2\.4 .*SPT=$lport '"

	# Idle: nothing touches nftables; guardnetd must do nothing.
	local log=$GN_TMP/gn-$H/guardnetd.log l0 l1
	l0=$(grep -c 'put back' "$log")
	cpu0=$(cpu_s "$gpid")
	sleep 30 # measuring idleness: the 30 s are the measurement, not a wait for an event
	cpu1=$(cpu_s "$gpid")
	l1=$(grep -c 'put back' "$log")
	check "guardnetd's CPU over 30 idle seconds: $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }') s (at most 0.30)" \
		awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { exit !(b - a <= 0.30) }'
	check "no rebuild meanwhile ($((l1 - l0)) 'put back' lines)" test "$((l1 - l0))" -eq 0

	big=$(run_s "$H" other)
	say "  docker run --rm on another network: ${base} s without the big allowlist, ${big} s with it"
	check "docker run on another network costs about the same (${big} s against ${base} s, at most 1.5x)" \
		awk -v a="$base" -v b="$big" 'BEGIN { exit !(b <= 1.5 * a + 0.2) }'

	# Foreign changes are still put back.
	for c in "nft delete table inet guardnet" "nft flush chain inet guardnet forward" "iptables -F DOCKER-USER"; do
		# shellcheck disable=SC2086
		ms=$(repaired_within "$H" 10 in_ns "$H" $c)
		check "another program's '$c' is put back (${ms:-never} ms)" test -n "$ms"
	done
	check "the allowed 192.0.2.3 still gets the page" \
		wait_until 10 allowed_gets_page
	lost_events "$gpid"
	row "$name: idle CPU 30 s, docker run elsewhere, repairs" "-" "CPU $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }') s, run ${big}/${base} s"
}
