# shellcheck shell=bash
# The differential test against UFW itself (sourced by tests/e2e/ufw-diff-*.sh;
# not a test of its own).  Two identical test hosts get the same UFW
# commands: host A publishes the ports from a guardnet container, host B
# serves them from the host itself (no dockerd, no guardnetd).  Every probe
# goes to both, from the same addresses, and must get the same outcome:
# open, refused or timeout (tests/e2e/ufw_diff_probe.py says each).
#
#   A: dockerd, guardnetd, ufw; container published on every port below
#   B: ufw; host services on every port below
#   each: out0 192.0.2.1 .5  2001:db8:1::1 ::5 --veth-- O0: 192.0.2.2 .3, 2001:db8:1::2
#         out1 198.51.100.1  2001:db8:2::1      --veth-- O1: 198.51.100.2, 2001:db8:2::2
#
# TCP 80 443 8080 8081 9000 and UDP 53 5353, from five sources on two
# interfaces to two host addresses each, and two TCP probes from chosen
# source ports: 72 probes a host per rule set, all at once.  The kernel's
# ICMP rate limits are off inside the test hosts (net.ipv4.icmp_ratelimit,
# net.ipv6.icmp.ratelimit), and every neighbour is a permanent entry (no
# answer waits for ARP or neighbour discovery, whose queue drops packets),
# so a reject is never mistaken for a drop however many probes a source
# sends.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

DIFF_TCP=(80 443 8080 8081 9000)
DIFF_UDP=(53 5353)
# source|outside namespace (0 or 1)|destination,destination
DIFF_SOURCES=(
	"192.0.2.2|0|192.0.2.1,192.0.2.5"
	"192.0.2.3|0|192.0.2.1,192.0.2.5"
	"2001:db8:1::2|0|2001:db8:1::1,2001:db8:1::5"
	"198.51.100.2|1|198.51.100.1,192.0.2.5"
	"2001:db8:2::2|1|2001:db8:2::1,2001:db8:1::5"
)
DIFF_PROBES=72
DIFF_SECS=${GN_DIFF_SECS:-3}  # a probe with no answer by then is a timeout
DIFF_SET=0
DIFF_MISMATCHES=0

# diff_link HOST OUT IF ADDR... : a veth from HOST (named IF) to OUT.
diff_link() {
	local h=$1 o=$2 ifn=$3 peer=${2:0:10}p a addr hmac omac
	shift 3
	ip link add "$ifn" netns "$h" type veth peer name "$peer" netns "$o" || return 1
	ip -n "$h" link set "$ifn" up && ip -n "$o" link set "$peer" up || return 1
	hmac=$(ip -n "$h" -br link show "$ifn" | awk '{print $3}')
	omac=$(ip -n "$o" -br link show "$peer" | awk '{print $3}')
	for a in "$@"; do
		addr=${a#?:}
		case $a in
		h:*) ip -n "$h" addr add "$addr" dev "$ifn" nodad &&
		     ip -n "$o" neigh replace "${addr%/*}" dev "$peer" lladdr "$hmac" nud permanent ;;
		o:*) ip -n "$o" addr add "$addr" dev "$peer" nodad &&
		     ip -n "$h" neigh replace "${addr%/*}" dev "$ifn" lladdr "$omac" nud permanent ;;
		esac || return 1
	done
}

# diff_host X: test host X (a or b), its two outside namespaces, UFW's
# files, and a pristine copy of them that each rule set starts from.
diff_host() {
	local h=${GN_TAG}$1 o0=${GN_TAG}$1o0 o1=${GN_TAG}$1o1 ns
	for ns in "$h" "$o0" "$o1"; do netns_add "$ns" || return 1; done
	diff_link "$h" "$o0" out0 h:192.0.2.1/24 h:192.0.2.5/24 h:2001:db8:1::1/64 h:2001:db8:1::5/64 \
		o:192.0.2.2/24 o:192.0.2.3/24 o:2001:db8:1::2/64 || return 1
	diff_link "$h" "$o1" out1 h:198.51.100.1/24 h:2001:db8:2::1/64 o:198.51.100.2/24 o:2001:db8:2::2/64 || return 1
	ip -n "$o0" route add default via 192.0.2.1 && ip -n "$o0" -6 route add default via 2001:db8:1::1 &&
		ip -n "$o1" route add default via 198.51.100.1 && ip -n "$o1" -6 route add default via 2001:db8:2::1 || return 1
	in_ns "$h" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 \
		net.ipv4.icmp_msgs_burst=100000 || return 1
	ufw_files "$h" || return 1
	cp -a "$GN_TMP/gn-$h/ufwroot" "$GN_TMP/pristine-$1"
}

# on X CMD...: CMD with UFW_NS and UFW_ROOT of host X (ufw, ufw_init).
on() { UFW_NS=${GN_TAG}$1 UFW_ROOT=$GN_TMP/gn-${GN_TAG}$1/ufwroot "${@:2}"; }

# diff_setup NAME: scenario NAME; both hosts, their services, UFW enabled
# on both.  B is ready while A's dockerd starts.
diff_setup() {
	local p pubs=() pubu=()
	scenario "$1"
	DRV=${GN_TAG}drv
	A=${GN_TAG}a
	B=${GN_TAG}b
	must diff_host a
	must diff_host b
	must dockerd_begin "$A"
	for p in "${DIFF_TCP[@]}"; do must serve "$B" "$p"; done
	for p in "${DIFF_UDP[@]}"; do must serve "$B" "$p" udp; done
	must on b ufw --force enable
	must dockerd_wait "$A"
	must guardnetd_start "$A" "$DRV"
	must image_load "$A"
	must dk "$A" network create -d "$DRV" --ipv6 --subnet 10.89.0.0/24 --subnet fd00:89::/64 n1
	for p in "${DIFF_TCP[@]}"; do pubs+=(-p "$p:80"); done
	for p in "${DIFF_UDP[@]}"; do pubu+=(-p "$p:53/udp"); done
	must dk "$A" run -d --name web --network n1 "${pubs[@]}" gnbox httpd -f -p 80 -h /www
	must dk "$A" run -d --name dns --network n1 "${pubu[@]}" gnbox udp serve 53
	must on a ufw --force enable
}

# diff_file X PATH: a file of host X's /etc (for hand edits).
diff_file() { echo "$GN_TMP/gn-${GN_TAG}$1/ufwroot/etc/$2"; }

# diff_split "CMD;CMD...": the commands in DIFF_CMDS, one an element.
diff_split() {
	local c all
	DIFF_CMDS=()
	IFS=';' read -ra all <<<"$(tr '\n\t' '  ' <<<"$1")"
	for c in "${all[@]}"; do
		c=${c# }
		c=${c% }
		[ -z "$c" ] || DIFF_CMDS+=("$c")
	done
}

# diff_cmds X "CMD;CMD...": ufw commands on host X, one ufw each (live
# when UFW is enabled); prints the refused ones.
diff_cmds() {
	local c
	diff_split "$2"
	for c in "${DIFF_CMDS[@]}"; do
		eval "on $1 ufw $c" >/dev/null 2>&1 || echo "refused: $c"
	done
}

# both "CMD;CMD...": diff_cmds on both hosts at once; UFW must refuse the
# same commands on both.
both() {
	local pa pb
	diff_cmds a "$1" >"$GN_TMP/refused-a" &
	pa=$!
	diff_cmds b "$1" >"$GN_TMP/refused-b" &
	pb=$!
	wait "$pa" "$pb"
	cmp -s "$GN_TMP/refused-a" "$GN_TMP/refused-b" || fail "UFW refused different commands: $1"
	[ -s "$GN_TMP/refused-a" ] && say "#   (UFW $(tr '\n' ' ' <"$GN_TMP/refused-a"))"
}

# diff_load X "CMD;CMD...": host X as a boot leaves it after these commands
# from UFW's pristine files: UFW stopped (diff_stop), its files as
# installed (what ufw --force reset leaves, without the backups), the
# commands run while UFW is disabled (they only write its files), in one
# process (ufw_batch.py), then ufw --force enable.  Prints the refused ones.
# diff_forget X: no connection of earlier probes lives on in host X: UFW
# accepts what conntrack calls established before any rule decides, and a
# probe's random source port may repeat an earlier probe's.  In host X's
# namespace (on only tells ufw which host; conntrack would flush the
# machine's own table).  Prints what went wrong, if anything.
diff_forget() {
	local left
	in_ns "${GN_TAG}$1" conntrack -F >/dev/null 2>&1 || echo "conntrack: -F failed on host $1"
	left=$(in_ns "${GN_TAG}$1" conntrack -C 2>/dev/null)
	[ "$left" = 0 ] || echo "conntrack: host $1 holds ${left:-an unknown number of} flows after the flush"
}

# diff_stop X: host X's UFW stopped as a boot finds it: none of UFW's
# chains, no jump to them, INPUT, FORWARD and OUTPUT accepting (the
# policies ufw-init stop sets), the rest of the filter table as it was.
# ufw-init force-stop empties UFW's chains and keeps the primary ones, one
# iptables run a chain (about 85 a family), and the next start empties
# them again; here two runs a family, and the start creates them afresh.
# Checked when it came in: on both hosts, with Docker's and guardnet's
# rules on A, iptables-save and ip6tables-save (counters aside) after it
# and ufw enable were those after force-stop and ufw enable, for sets 1-3.
diff_stop() {
	local h=${GN_TAG}$1 fam save
	for fam in iptables ip6tables; do
		# Read first: a failed save piped on would stop nothing, silently.
		save=$(in_ns "$h" "$fam-save" -t filter) || { echo "diff_stop: $fam-save failed on host $1"; continue; }
		awk '
			BEGIN { print "*filter"; print ":INPUT ACCEPT"; print ":FORWARD ACCEPT"; print ":OUTPUT ACCEPT" }
			/^:ufw6?-/ { chain[++n] = substr($1, 2) }
			/^-A (INPUT|FORWARD|OUTPUT) -j ufw6?-[a-z-]+$/ { sub(/^-A/, "-D"); print }
			END {
				for (i = 1; i <= n; i++) print "-F " chain[i]
				for (i = 1; i <= n; i++) print "-X " chain[i]
				print "COMMIT"
			}' <<<"$save" | in_ns "$h" "$fam-restore" --noflush || echo "diff_stop: $fam-restore failed on host $1"
	done
}

diff_load() {
	local x=$1
	diff_split "$2"
	diff_stop "$x"
	diff_forget "$x"
	# Over the files, never in place of /etc/ufw: guardnetd sees that
	# directory (a bind mount, host_mounts).
	cp -a "$GN_TMP/pristine-$x/etc/." "$GN_TMP/gn-${GN_TAG}$x/ufwroot/etc/"
	: >"$GN_TMP/batch-$x"
	UFW_PROG=$GN_ROOT/tests/e2e/ufw_batch.py on "$x" ufw "$GN_TMP/batch-$x" "${DIFF_CMDS[@]}" "--force enable" >/dev/null ||
		echo "ufw_batch.py failed"
	cat "$GN_TMP/batch-$x"
}

# diff_sync N: guardnetd has compiled the marker rule of set N (the last
# command of every set, from an address no probe uses).
diff_sync() {
	wait_until 10 eval "in_ns '$A' nft list table ip guardnet 2>/dev/null | grep -q 'ip saddr 203.0.113.$1 '"
}
diff_marker() { echo "allow proto tcp from 203.0.113.$1 to any port 9"; }

# diff_probe X: every probe on host X, at once (one ufw_diff_probe.py in
# each outside namespace); one line each, sorted.
diff_probe() {
	local x=$1 s src sfx dsts d p pids=()
	for sfx in 0 1; do : >"$GN_TMP/probes-$x$sfx"; done
	for s in "${DIFF_SOURCES[@]}"; do
		IFS='|' read -r src sfx d <<<"$s"
		IFS=, read -ra dsts <<<"$d"
		for d in "${dsts[@]}"; do
			for p in "${DIFF_TCP[@]}"; do echo "tcp-$src-$d-$p tcp $src $d $p"; done
			for p in "${DIFF_UDP[@]}"; do echo "udp-$src-$d-$p udp $src $d $p"; done
		done >>"$GN_TMP/probes-$x$sfx"
	done
	# Source ports: from 1200-1299 (what the rules name) and from 2200.
	echo "tcp-192.0.2.2:1200-192.0.2.1-8080 tcp 192.0.2.2 192.0.2.1 8080 $((1200 + DIFF_SET % 100))" >>"$GN_TMP/probes-${x}0"
	echo "tcp-192.0.2.2:2200-192.0.2.1-8081 tcp 192.0.2.2 192.0.2.1 8081 $((2200 + DIFF_SET % 100))" >>"$GN_TMP/probes-${x}0"
	for sfx in 0 1; do
		in_ns "${GN_TAG}${x}o$sfx" python3 "$GN_ROOT/tests/e2e/ufw_diff_probe.py" "$DIFF_SECS" \
			<"$GN_TMP/probes-$x$sfx" >"$GN_TMP/outcomes-$x$sfx" &
		pids+=($!)
	done
	wait "${pids[@]}"
	sort "$GN_TMP/outcomes-${x}0" "$GN_TMP/outcomes-${x}1"
}

# diff_serial X SFX SRC STEP...: probes from SRC in host X's outside
# namespace SFX (0 or 1), one after the other, each step "tcp|udp DST
# PORT"; their outcomes on one line.
diff_serial() {
	local x=$1 sfx=$2 src=$3 s
	shift 3
	for s in "$@"; do
		set -- $s
		echo "p $1 $src $2 $3"
	done | in_ns "${GN_TAG}${x}o$sfx" python3 "$GN_ROOT/tests/e2e/ufw_diff_probe.py" --serial "$DIFF_SECS" |
		cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//'
}

# diff_compare LABEL [EXPECT]: probes both hosts and compares.  EXPECT, a
# function taking "probe outcomeA outcomeB", may accept a documented
# difference (it prints a reason); otherwise every probe must agree.
diff_compare() {
	local label=$1 expect=${2:-} n=0 bad=0 known=0 la lb why reason= pa pb
	diff_probe a >"$GN_TMP/pa" &
	pa=$!
	diff_probe b >"$GN_TMP/pb" &
	pb=$!
	wait "$pa" "$pb"
	while read -r la && read -r lb <&3; do
		n=$((n + 1))
		[ "$la" = "$lb" ] && continue
		why=""
		[ -n "$expect" ] && why=$($expect "${la%% *}" "${la##* }" "${lb##* }")
		if [ -n "$why" ]; then
			known=$((known + 1))
			reason=$why
			continue
		fi
		bad=$((bad + 1))
		say "#   mismatch: ${la%% *}: guardnet ${la##* }, host service ${lb##* }"
	done <"$GN_TMP/pa" 3<"$GN_TMP/pb"
	[ "$known" -gt 0 ] && say "#   $known probes closed on guardnet, open on the host: $reason"
	DIFF_MISMATCHES=$((DIFF_MISMATCHES + bad))
	check "$label: $n probes, $bad mismatches ($(grep -c ' open$' "$GN_TMP/pb") open, $(grep -c ' refused$' "$GN_TMP/pb") refused, $(grep -c ' timeout$' "$GN_TMP/pb") timeout on the host)" \
		test "$bad" -eq 0 -a "$n" -eq "$DIFF_PROBES"
}

# diff_run_set N "CMD;CMD...": both hosts loaded with the set, compared.
diff_run_set() {
	local n=$1 cmds="$2; $(diff_marker "$1")" t0=$EPOCHREALTIME t1 t2 pa pb
	DIFF_SET=$n
	diff_load a "$cmds" >"$GN_TMP/refused-a" &
	pa=$!
	diff_load b "$cmds" >"$GN_TMP/refused-b" &
	pb=$!
	wait "$pa" "$pb"
	# Anything but "refused: ..." is a step of diff_load that failed.
	if grep -hv '^refused: ' "$GN_TMP/refused-a" "$GN_TMP/refused-b" >"$GN_TMP/load-failed"; then
		fail "set $n: $(tr '\n' ' ' <"$GN_TMP/load-failed")"
		return
	fi
	if ! cmp -s "$GN_TMP/refused-a" "$GN_TMP/refused-b"; then
		fail "set $n: UFW refused different commands on the two hosts"
		return
	fi
	[ -s "$GN_TMP/refused-a" ] && say "#   (UFW $(tr '\n' ' ' <"$GN_TMP/refused-a"))"
	t1=$EPOCHREALTIME
	diff_sync "$n" || { fail "set $n: guardnetd never compiled the set"; return; }
	t2=$EPOCHREALTIME
	diff_compare "set $n [$2]"
	say "#   ufw $(ms "$t0" "$t1") ms, guardnet +$(ms "$t1" "$t2") ms, probes $(ms "$t2" "$EPOCHREALTIME") ms"
}
ms() { echo $(((${2/./} - ${1/./}) / 1000)); }

# diff_sets NAME FIRST COUNT: the scenario NAME, rule sets FIRST to
# FIRST+COUNT-1 of the seed GN_UFW_SEED (20261130 unless told), from
# ufw_diff_gen.py.
diff_sets() {
	local seed=${GN_UFW_SEED:-20261130} first=$2 count=${GN_UFW_SETS:-$3} n set
	diff_setup "$1"
	say "# ufw differential test: seed $seed (GN_UFW_SEED), sets $first-$((first + count - 1))"
	n=$first
	while IFS= read -r set; do
		n=$((n + 1))
		diff_run_set "$n" "$set"
	done < <(python3 "$GN_ROOT/tests/e2e/ufw_diff_gen.py" "$seed" "$first" "$count")
	diff_summary
}

diff_summary() {
	say "# $GN_NAME: $DIFF_MISMATCHES mismatches, ${SECONDS}s"
	summary
}
