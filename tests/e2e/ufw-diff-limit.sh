#!/bin/bash
# Differential test against UFW: limit driven past its threshold over
# several rules, ports and protocols, IPv4 and IPv6, both interfaces.  The
# same sequence of new connections goes to both hosts in step; each step's
# outcome must agree (UFW counts a source's new connections to every limit
# rule in one list, so the sequences interleave rules on purpose).  With
# the IPv6 case of issue 14 (default allow routed, limit from a prefix, a
# route rule), after a ufw reload: UFW only loads its IPv6 rate-limiting
# lines then (tests/e2e/ufw-limit.sh).
set -u
. "$(dirname "$0")/ufw_diff_lib.bash"
diff_setup ufw_diff_limit || { summary ufw_diff_limit; exit 1; }

cmds="limit 8080/tcp; limit 8081/tcp; limit 53/udp; limit in on out1 to any port 9000 proto tcp;
	limit from 2001:db8:1::/64; default allow routed;
	route allow out on eth1 proto tcp from 203.0.113.3 to 10.89.0.0/24 port 80; allow 443/tcp"
diff_cmds a "$cmds" >"$GN_TMP/refused-a" & pa=$!
diff_cmds b "$cmds" >"$GN_TMP/refused-b" & pb=$!
wait $pa $pb
cmp -s "$GN_TMP/refused-a" "$GN_TMP/refused-b" || fail "UFW refused different commands"
diff_ufw a reload >/dev/null & pa=$!
diff_ufw b reload >/dev/null & pb=$!
wait $pa $pb
wait_until 10 bash -c "nsenter --net=/run/netns/$A nft list table ip6 guardnet 2>/dev/null | grep -q 'xt match recent'" ||
	fail "guardnetd never compiled the limit rules"

# sequence NAME NS-SUFFIX SRC STEP...: each step ("tcp DST PORT" or "udp
# DST PORT") on both hosts at once; the two outcome sequences must agree.
sequence() {
	local name=$1 sfx=$2 src=$3 s ga gb outa=() outb=()
	shift 3
	for s in "$@"; do
		set -- $s
		"diff_$1" "${GN_TAG}ao$sfx" "$src" "$2" "$3" >"$GN_TMP/sa" & ga=$!
		"diff_$1" "${GN_TAG}bo$sfx" "$src" "$2" "$3" >"$GN_TMP/sb" & gb=$!
		wait $ga $gb
		outa+=("$(cat "$GN_TMP/sa")")
		outb+=("$(cat "$GN_TMP/sb")")
	done
	check "$name from $src: guardnet [${outa[*]}], host service [${outb[*]}]" test "${outa[*]}" = "${outb[*]}"
	[ "${outa[*]}" = "${outb[*]}" ] || DIFF_MISMATCHES=$((DIFF_MISMATCHES + 1))
}
v4a=192.0.2.1
v4b=192.0.2.5
sequence "two TCP limit rules and a UDP one, interleaved" 0 192.0.2.2 \
	"tcp $v4a 8080" "tcp $v4a 8081" "udp $v4a 53" "tcp $v4b 8080" "udp $v4b 53" "tcp $v4a 8081" "tcp $v4a 8080" "udp $v4a 53"
sequence "a limit rule between an allow and unlimited ports" 0 192.0.2.3 \
	"tcp $v4a 443" "tcp $v4a 8080" "tcp $v4a 443" "tcp $v4a 8080" "tcp $v4a 8081" "tcp $v4a 8080" "tcp $v4a 8081" \
	"tcp $v4a 8080" "tcp $v4a 443" "tcp $v4a 8080"
sequence "in on out1: a limit rule for one interface" 1 198.51.100.2 \
	"tcp 198.51.100.1 9000" "tcp 198.51.100.1 8080" "tcp 198.51.100.1 9000" "tcp 198.51.100.1 9000" \
	"tcp 198.51.100.1 9000" "tcp 198.51.100.1 8080" "tcp 198.51.100.1 9000" "tcp 198.51.100.1 9000"
sequence "IPv6: limit from 2001:db8:1::/64 on every port (issue 14's case)" 0 2001:db8:1::2 \
	"tcp 2001:db8:1::1 80" "tcp 2001:db8:1::1 9000" "udp 2001:db8:1::1 5353" "tcp 2001:db8:1::5 443" \
	"tcp 2001:db8:1::1 80" "tcp 2001:db8:1::1 8080" "udp 2001:db8:1::5 53" "tcp 2001:db8:1::1 80"
sequence "IPv6 from the other interface: only the port rules count" 1 2001:db8:2::2 \
	"tcp 2001:db8:2::1 8080" "tcp 2001:db8:2::1 8081" "tcp 2001:db8:2::1 8080" "udp 2001:db8:2::1 53" \
	"tcp 2001:db8:2::1 8081" "tcp 2001:db8:2::1 8080" "tcp 2001:db8:2::1 80" "tcp 2001:db8:2::1 8081"
diff_summary
