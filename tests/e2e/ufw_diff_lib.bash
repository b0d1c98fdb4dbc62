# The differential test against UFW itself (sourced by tests/e2e/ufw-diff-*.sh;
# not a test of its own).  Two identical test hosts get the same UFW
# commands: host A publishes the ports from a guardnet container, host B
# serves them from the host itself.  Every probe goes to both, from the
# same addresses, and must get the same outcome: open, refused or timeout.
#
#   A: dockerd, guardnetd, ufw; container published on every port below
#   B: ufw; host services on every port below
#   each: out0 192.0.2.1 .5  2001:db8:1::1 ::5 --veth-- O0: 192.0.2.2 .3, 2001:db8:1::2
#         out1 198.51.100.1  2001:db8:2::1      --veth-- O1: 198.51.100.2, 2001:db8:2::2
#
# TCP 80 443 8080 8081 9000 and UDP 53 5353, from five sources on two
# interfaces to two host addresses each: 72 probes a host per rule set, run
# at once.  The kernel's ICMP rate limits are off inside the test hosts
# (net.ipv4.icmp_ratelimit, net.ipv6.icmp.ratelimit), and every neighbour
# is a permanent entry (no answer waits for ARP or neighbour discovery, whose
# queue drops packets), so a reject is never mistaken for a drop however
# many probes a source sends.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
trap gn_cleanup EXIT

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
DIFF_SET=0
DIFF_MISMATCHES=0

diff_must() { local out; out=$("$@" 2>&1) || { fail "setup: $* ($out)"; summary "$DIFF_NAME"; exit 1; }; }

# diff_link HOST OUT IF ADDR... : a veth from HOST (named IF) to OUT.
diff_link() {
	local h=$1 o=$2 ifn=$3 peer=${2:0:10}p
	shift 3
	ip link add "$ifn" netns "$h" type veth peer name "$peer" netns "$o"
	ip -n "$h" link set "$ifn" up
	ip -n "$o" link set "$peer" up
	local hmac omac
	hmac=$(ip -n "$h" -br link show "$ifn" | awk '{print $3}')
	omac=$(ip -n "$o" -br link show "$peer" | awk '{print $3}')
	for a in "$@"; do
		local addr=${a#?:}
		case $a in
		h:*) ip -n "$h" addr add "$addr" dev "$ifn" nodad 2>/dev/null || ip -n "$h" addr add "$addr" dev "$ifn"
		     ip -n "$o" neigh replace "${addr%/*}" dev "$peer" lladdr "$hmac" nud permanent ;;
		o:*) ip -n "$o" addr add "$addr" dev "$peer" nodad 2>/dev/null || ip -n "$o" addr add "$addr" dev "$peer"
		     ip -n "$h" neigh replace "${addr%/*}" dev "$ifn" lladdr "$omac" nud permanent ;;
		esac
	done
}

# diff_host X: test host X (a or b) and its two outside namespaces.
diff_host() {
	local x=$1 h=${GN_TAG}$1 o0=${GN_TAG}$1o0 o1=${GN_TAG}$1o1 ns
	for ns in "$h" "$o0" "$o1"; do netns_add "$ns"; done
	diff_link "$h" "$o0" out0 h:192.0.2.1/24 h:192.0.2.5/24 h:2001:db8:1::1/64 h:2001:db8:1::5/64 \
		o:192.0.2.2/24 o:192.0.2.3/24 o:2001:db8:1::2/64
	diff_link "$h" "$o1" out1 h:198.51.100.1/24 h:2001:db8:2::1/64 o:198.51.100.2/24 o:2001:db8:2::2/64
	ip -n "$o0" route add default via 192.0.2.1
	ip -n "$o0" -6 route add default via 2001:db8:1::1
	ip -n "$o1" route add default via 198.51.100.1
	ip -n "$o1" -6 route add default via 2001:db8:2::1
	in_ns "$h" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 \
		net.ipv4.icmp_msgs_burst=100000
	ufw_setup "$h"
	eval "DIFF_ROOT_$x=\$UFW_ROOT"
}

# diff_setup NAME: both hosts, their services, UFW enabled on both.
diff_setup() {
	local p
	DIFF_NAME=$1
	DRV=${GN_TAG}drv
	diff_host a
	diff_host b
	A=${GN_TAG}a
	B=${GN_TAG}b
	dockerd_start "$A" || return 1
	guardnetd_start "$A" "$DRV" || return 1
	image_load "$A" || return 1
	diff_must dk "$A" network create -d "$DRV" --ipv6 --subnet 10.89.0.0/24 --subnet fd00:89::/64 n1
	local pubs=() pubu=()
	for p in "${DIFF_TCP[@]}"; do pubs+=(-p "$p:80"); done
	for p in "${DIFF_UDP[@]}"; do pubu+=(-p "$p:53/udp"); done
	diff_must dk "$A" run -d --name web --network n1 "${pubs[@]}" gnbox httpd -f -p 80 -h /www
	diff_must dk "$A" run -d --name dns --network n1 "${pubu[@]}" gnbox udp serve 53
	www_make "$GN_TMP/hostwww"
	for p in "${DIFF_TCP[@]}"; do
		nsenter --net=/run/netns/"$B" /bin/busybox httpd -f -p "$p" -h "$GN_TMP/hostwww" &
		GN_PIDS+=($!)
	done
	for p in "${DIFF_UDP[@]}"; do
		nsenter --net=/run/netns/"$B" "$GN_TMP/udp" serve "$p" &
		GN_PIDS+=($!)
	done
	{ diff_ufw a --force enable && diff_ufw b --force enable; } >/dev/null || { fail "setup: ufw enable"; return 1; }
}

# diff_ufw X ARGS...: Debian's ufw on host X's own copy of /etc/ufw, with
# its own lock (ufw takes /run/ufw.lock, which every ufw on the machine
# would otherwise wait for).
diff_ufw() {
	local x=$1 root
	shift
	eval "root=\$DIFF_ROOT_$x"
	unshare --mount bash -c 'mount --bind "$0/etc/ufw" /etc/ufw && mount --bind "$0/etc/default/ufw" /etc/default/ufw &&
		{ [ -e /run/ufw.lock ] || : >>/run/ufw.lock; } && : >>"$0/ufw.lock" && mount --bind "$0/ufw.lock" /run/ufw.lock &&
		exec nsenter --net=/run/netns/"$1" ufw "${@:2}"' "$root" "${GN_TAG}$x" "$@"
}

# diff_init X ARGS...: UFW's boot script (systemctl restart ufw) on host X.
diff_init() {
	local x=$1 root
	shift
	eval "root=\$DIFF_ROOT_$x"
	unshare --mount bash -c 'mount --bind "$0/etc/ufw" /etc/ufw && mount --bind "$0/etc/default/ufw" /etc/default/ufw &&
		exec nsenter --net=/run/netns/"$1" /lib/ufw/ufw-init "${@:2}"' "$root" "${GN_TAG}$x" "$@" >/dev/null 2>&1
}

# diff_file X PATH: a file of host X's /etc (for hand edits).
diff_file() { local root; eval "root=\$DIFF_ROOT_$1"; echo "$root/etc/$2"; }

# diff_cmds X CMD;CMD...: runs ufw commands on host X; prints the refused ones.
diff_cmds() {
	local x=$1 c cmds
	IFS=';' read -ra cmds <<<"$(tr '\n\t' '  ' <<<"$2")"
	for c in "${cmds[@]}"; do
		c=${c# }
		c=${c% }
		[ -n "$c" ] || continue
		eval "diff_ufw $x $c" >/dev/null 2>&1 || echo "refused: $c"
	done
}

# diff_sync: waits until guardnetd has compiled the marker rule of set N
# (the last command of every set, from an address no probe uses).
diff_sync() {
	wait_until 10 bash -c "nsenter --net=/run/netns/$A nft list table ip guardnet 2>/dev/null | grep -q 'ip saddr 203.0.113.$1 '"
}
diff_marker() { echo "allow proto tcp from 203.0.113.$1 to any port 9"; }

# diff_probe X: every probe on host X, at once; one sorted line each.
diff_probe() {
	local x=$1 s src sfx dsts d p out=$GN_TMP/probe-$1 pids=()
	mkdir -p "$out"
	rm -f "$out"/*
	for s in "${DIFF_SOURCES[@]}"; do
		IFS='|' read -r src sfx d <<<"$s"
		IFS=, read -ra dsts <<<"$d"
		for d in "${dsts[@]}"; do
			for p in "${DIFF_TCP[@]}"; do
				diff_tcp "${GN_TAG}${x}o$sfx" "$src" "$d" "$p" >"$out/tcp-$src-$d-$p" &
				pids+=($!)
			done
			for p in "${DIFF_UDP[@]}"; do
				diff_udp "${GN_TAG}${x}o$sfx" "$src" "$d" "$p" >"$out/udp-$src-$d-$p" &
				pids+=($!)
			done
		done
	done
	# Source ports: from 1200-1299 (what the rules name) and from 2200.
	diff_tcp "${GN_TAG}${x}o0" 192.0.2.2 192.0.2.1 8080 "$((1200 + DIFF_SET % 100))" >"$out/tcp-192.0.2.2:1200-192.0.2.1-8080" &
	pids+=($!)
	diff_tcp "${GN_TAG}${x}o0" 192.0.2.2 192.0.2.1 8081 "$((2200 + DIFF_SET % 100))" >"$out/tcp-192.0.2.2:2200-192.0.2.1-8081" &
	pids+=($!)
	wait "${pids[@]}"
	for f in "$out"/*; do echo "$(basename "$f") $(cat "$f")"; done
}

# diff_tcp NS SRC DST PORT [SRCPORT]: open, refused or timeout.
diff_tcp() {
	local h=$3 r o
	[[ $h == *:* ]] && h="[$h]"
	o=$(nsenter --net=/run/netns/"$1" curl -s -m 3 --interface "$2" ${5:+--local-port "$5"} "http://$h:$4/" 2>/dev/null)
	r=$?
	if [ "$o" = "hello from guardnet" ]; then echo open
	elif [ $r -eq 7 ]; then echo refused
	elif [ $r -eq 28 ]; then echo timeout
	else echo "curl$r"
	fi
}
diff_udp() {
	nsenter --net=/run/netns/"$1" "$GN_TMP/udp" send "$3" "$4" x "$2" >/dev/null 2>&1
	case $? in 0) echo open ;; 3) echo refused ;; 1) echo timeout ;; *) echo "udp$?" ;; esac
}

# diff_compare LABEL [EXPECT]: probes both hosts and compares.  EXPECT, a
# function taking "probe outcomeA outcomeB", may accept a documented
# difference (it prints a reason); otherwise every probe must agree.
diff_compare() {
	local label=$1 expect=${2:-} n=0 bad=0 known=0 pa pb la lb why reason=
	diff_probe a >"$GN_TMP/pa" &
	pa=$!
	diff_probe b >"$GN_TMP/pb" &
	pb=$!
	wait $pa $pb
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
		test "$bad" -eq 0 -a "$n" -eq 72
}

# diff_run_set N "CMD;CMD...": reset both hosts, apply the set, compare.
diff_run_set() {
	local n=$1 cmds="$2; $(diff_marker "$1")" ra rb pids=() t0=$EPOCHREALTIME t1 t2
	DIFF_SET=$n
	ra=$GN_TMP/refused-a
	rb=$GN_TMP/refused-b
	# Reset, the commands while UFW is disabled (they only write its
	# files), then enable: what a boot makes of the same commands, at a
	# fraction of the time (live changes: ufw-diff-events.sh).
	for x in a b; do
		{
			diff_ufw $x --force reset >/dev/null 2>&1
			diff_cmds $x "$cmds" >"$GN_TMP/refused-$x"
			diff_ufw $x --force enable >/dev/null 2>&1 || echo "enable failed" >>"$GN_TMP/refused-$x"
		} &
		pids+=($!)
	done
	wait "${pids[@]}"
	if ! cmp -s "$ra" "$rb"; then
		fail "set $n: UFW refused different commands on the two hosts"
		return
	fi
	[ -s "$ra" ] && say "#   (UFW $(tr '\n' ' ' <"$ra"))"
	t1=$EPOCHREALTIME
	diff_sync "$n" || { fail "set $n: guardnetd never compiled the set"; return; }
	t2=$EPOCHREALTIME
	diff_compare "set $n [$2]"
	say "#   ufw ${t1%.*}-${t0%.*}=$(( ${t1%.*} - ${t0%.*} ))s, guardnet +$(( ${t2%.*} - ${t1%.*} ))s, probes $(( ${EPOCHREALTIME%.*} - ${t2%.*} ))s"
}

diff_summary() {
	say "# $DIFF_NAME: $DIFF_MISMATCHES mismatches, ${SECONDS}s"
	[ "$GN_FAILED" -gt 0 ] && tail -20 "$GN_TMP/gn-$A/guardnetd.log"
	summary "$DIFF_NAME"
}
