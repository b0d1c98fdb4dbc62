#!/bin/bash
# guardnetctl check compares the whole desired state with the kernel.  On a
# test host where it first finds nothing, the test makes one difference of
# each kind by hand and sees each reported (exit 1): in guardnet's table a
# rule missing, a rule and a chain and a set that are not guardnet's, a
# chain missing (raw-prerouting), a chain's policy, an element missing, one
# added, a map element pointing elsewhere, the network's sources gone from its
# chain src;
# guardnet's accept rule and a device group drop missing from DOCKER-USER in
# ip and ip6, and its rules in FORWARD where they do not belong; a bridge's
# MTU and device group, gateway address, a foreign address, route_localnet,
# alias, a veth off its bridge, links down, forwarding off, links gone, the
# whole table gone, an element and the whole of the counting table.  guardnetd would put the table back at once, so it runs
# with tests/tools/nfrefuse.c, which makes the kernel refuse its
# transactions while a file exists (the installed guardnetd has no hook).
#
#   [ host H: dockerd, guardnetd (its transactions refused once the test starts) ]
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

H=${GN_TAG}h
DRV=${GN_TAG}drv
shim=$(refuse_shim) || { echo "ctl-check: the refusing shim does not build"; exit 1; }
netns_add "$H"
must dockerd_start "$H"
GN_REFUSE_IF=$GN_TMP/refuse LD_PRELOAD=$shim must guardnetd_start "$H" "$DRV"
must image_load "$H"
gnctl() { "$GN_ROOT/build/guardnetctl" --socket "$GN_TMP/gn-$H/control.sock" --no-docker "$@"; }
n() { in_ns "$H" nft "$@"; }

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.223.1.0/24 --subnet fd00:223:1::/64 \
	-o guardnet.allow=198.51.100.0/24 web
must dk "$H" run -d --name site --network web -p 8080:80 gnbox httpd -f -p 80 -h /www
B=gn-$(dk "$H" network inspect -f '{{.Id}}' web | cut -c1-12)
V=gnh$(dk "$H" inspect -f '{{.NetworkSettings.Networks.web.EndpointID}}' site | cut -c1-12)

out=$(gnctl check)
rc=$?
check "before any change: exit 0 and \"kernel matches\" (got $rc: $out)" test "$rc:$out" = "0:kernel matches guardnetd's state"
: >"$GN_TMP/refuse"

# differs WHAT COMMAND... -- PATTERN...: after COMMAND, check exits 1 and
# reports a line matching each PATTERN (grep -E, after "drift: ").
differs() {
	local what=$1 cmd=() pats out rc p missing=
	shift
	while [ "$1" != -- ]; do cmd+=("$1"); shift; done
	shift
	pats=("$@")
	if ! "${cmd[@]}" >"$GN_TMP/cmd.out" 2>&1; then
		fail "$what: the command failed: ${cmd[*]} ($(head -3 "$GN_TMP/cmd.out"))"
		return
	fi
	out=$(gnctl check)
	rc=$?
	for p in "${pats[@]}"; do grep -qE "^drift: $p" <<<"$out" || missing+=" [$p]"; done
	check "$what: check exits 1 (got $rc) and says so${missing:+; missing:$missing}" test "$rc:$missing" = 1:
	[ -z "$missing" ] || sed 's/^/    | /' <<<"$out" | head -20
}
handle() { n -a list chain inet guardnet "$1" | grep -F -- "$2" | grep -oE '# handle [0-9]+$' | grep -oE '[0-9]+$' | head -1; }

# guardnet's table.
h=$(n -a list chain inet guardnet forward | grep -E "^\s+oifname @bridges counter" | grep -oE '[0-9]+$' | head -1)
differs "a rule deleted" n delete rule inet guardnet forward handle "$h" -- \
	'table inet guardnet: chain forward: lacks the rule "forward: entering a network"'
differs "a rule added" n insert rule inet guardnet forward meta l4proto tcp accept -- \
	'table inet guardnet: chain forward: holds a rule guardnet did not write: \[ meta load l4proto => reg 1 \] \[ cmp eq reg 1 0x00000006 \] \[ immediate reg 0 accept \]'
differs "a chain added" n add chain inet guardnet intruder -- \
	"table inet guardnet: chain intruder is not one of guardnet's"
differs "a chain deleted" sh -c "nsenter --net=/run/netns/$H nft flush chain inet guardnet raw-prerouting &&
		nsenter --net=/run/netns/$H nft delete chain inet guardnet raw-prerouting" -- \
	'table inet guardnet: chain raw-prerouting is missing'
differs "the networks' sources unchecked: chain src flushed" n flush chain inet guardnet src -- \
	'table inet guardnet: chain src: lacks the rule "src: a source the host would not answer by that bridge"'
differs "a chain's policy" n chain inet guardnet forward '{ policy drop ; }' -- \
	'table inet guardnet: chain forward is "hook 2 prio -10 type filter policy 0", not "hook 2 prio -10 type filter policy 1"'
differs "a set added" n add set inet guardnet intruder4 '{ type ipv4_addr ; }' -- \
	"table inet guardnet: set intruder4 is not one of guardnet's"
differs "an element deleted" n delete element inet guardnet "allow4-$B" '{ 198.51.100.0/24 }' -- \
	"table inet guardnet: set allow4-$B: lacks the element 006433c6"
differs "an element added" n add element inet guardnet pub4 '{ 192.0.2.1 . tcp . 9999 : 10.223.1.2 . 80 }' -- \
	'table inet guardnet: set pub4: holds an element guardnet did not put there: 010200c0 00000006 00000f27 : 0201df0a 00005000'
differs "a map element pointing elsewhere" \
	sh -c "nsenter --net=/run/netns/$H nft delete element inet guardnet any4 '{ tcp . 8080 }' &&
		nsenter --net=/run/netns/$H nft add element inet guardnet any4 '{ tcp . 8080 : 10.223.1.2 . 81 }'" -- \
	'table inet guardnet: set any4: lacks the element 00000006 0000901f : 0201df0a 00005000' \
	'table inet guardnet: set any4: holds an element guardnet did not put there: 00000006 0000901f : 0201df0a 00005100'

# The counting table.
differs "a counter's element deleted" n delete element inet guardnet_count adm4 '{ 0.0.0.0 . tcp . 8080 }' -- \
	'table inet guardnet_count: set adm4: lacks the element 00000000 00000006 0000901f'

# guardnet's rules in iptables' forward path, per family: the accept rule
# and the drops of its device group, in DOCKER-USER while FORWARD jumps to
# it, else in FORWARD.
rule=(-m mark --mark 0x4e47/0x4e47 -m comment --comment guardnet -j ACCEPT)
drop=(-m devgroup --src-group 0x4e47 -m comment --comment guardnet -j DROP)
differs "the accept rule gone from ip filter DOCKER-USER" in_ns "$H" iptables -D DOCKER-USER "${rule[@]}" -- \
	"ip filter \(iptables-nft\): DOCKER-USER lacks guardnet's accept rule"
differs "a device group drop gone from ip filter DOCKER-USER" in_ns "$H" iptables -D DOCKER-USER "${drop[@]}" -- \
	"ip filter \(iptables-nft\): DOCKER-USER lacks guardnet's drop out of its bridges \(-m devgroup --src-group 0x4e47"
# Docker 20.10 makes no ip6 filter chains (guardnet's rules are in ip6
# FORWARD): a DOCKER-USER that FORWARD jumps to now needs them instead.
differs "an ip6 filter DOCKER-USER that FORWARD jumps to, without the rules" \
	sh -c "nsenter --net=/run/netns/$H ip6tables -N DOCKER-USER && nsenter --net=/run/netns/$H ip6tables -I FORWARD -j DOCKER-USER" -- \
	"ip6 filter \(ip6tables-nft\): DOCKER-USER lacks guardnet's accept rule" \
	"ip6 filter \(ip6tables-nft\): DOCKER-USER lacks guardnet's drop into its bridges" \
	"ip6 filter \(ip6tables-nft\): FORWARD holds guardnet's rule, which belongs only in DOCKER-USER"
# guardnet knows its rule by its comment, as iptables-nft writes it.
differs "guardnet's rule in FORWARD" n insert rule ip filter FORWARD meta mark and 0x4e47 == 0x4e47 counter accept \
	comment guardnet -- "ip filter \(iptables-nft\): FORWARD holds guardnet's rule, which belongs only in DOCKER-USER"

# Links, addresses and settings.
differs "the bridge's MTU" ip -n "$H" link set "$B" mtu 1400 -- "network [0-9a-f]{12}: $B has MTU 1400, not 1500"
differs "the bridge's device group" ip -n "$H" link set "$B" group default -- \
	"network [0-9a-f]{12}: bridge $B is in device group 0, not 20039: guardnet's iptables drops"
differs "a gateway address deleted" ip -n "$H" addr del 10.223.1.1/24 dev "$B" -- \
	"network [0-9a-f]{12}: bridge $B lacks its gateway address 10.223.1.1/24"
differs "an address added" ip -n "$H" addr add 10.99.0.1/24 dev "$B" -- \
	"network [0-9a-f]{12}: bridge $B carries 10.99.0.1/24, which is not its network's gateway"
differs "route_localnet off" in_ns "$H" sysctl -qw "net.ipv4.conf.$B.route_localnet=0" -- \
	"network [0-9a-f]{12}: bridge $B has route_localnet 0"
differs "the bridge's alias" ip -n "$H" link set "$B" alias someone-else -- \
	"network [0-9a-f]{12}: $B has the alias \"someone-else\", not \"guardnet:[0-9a-f]{64}\""
differs "a veth off its bridge" ip -n "$H" link set "$V" nomaster -- \
	"endpoint [0-9a-f]{12}: $V is not on bridge $B \(its master: none\)"
differs "a veth down" ip -n "$H" link set "$V" down -- "endpoint [0-9a-f]{12}: $V is down"
differs "the bridge down" ip -n "$H" link set "$B" down -- "network [0-9a-f]{12}: $B is down"
differs "forwarding off" in_ns "$H" sysctl -qw net.ipv4.ip_forward=0 -- "net.ipv4.ip_forward is off"
differs "a veth gone" ip -n "$H" link del "$V" -- "endpoint [0-9a-f]{12}: interface $V is missing"
differs "the bridge gone" ip -n "$H" link del "$B" -- "network [0-9a-f]{12}: bridge $B is missing"
differs "the table gone" n delete table inet guardnet -- \
	"table inet guardnet is missing: nothing filters published ports or keeps networks apart"
differs "the counting table gone" n delete table inet guardnet_count -- \
	"table inet guardnet_count is missing: connections to published ports are not counted"

out=$(gnctl --json check)
rc=$?
check "--json check: exit 1, the differences as the \"drift\" array" \
	/usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert sys.argv[2] == "1"
assert "table inet guardnet is missing: nothing filters published ports or keeps networks apart" in d["drift"], d' \
	"$out" "$rc"
check "guardnetd tried to put its rules back and the kernel refused (the shim)" \
	grep -q "putting guardnet's rules back: .*refused" "$GN_TMP/gn-$H/guardnetd.log"

# A legacy iptables host: no difference where there is none.  (guardnetd
# puts a legacy rule back within 2 s and the shim does not stop libiptc, so
# a difference there is not made by hand.)
L=${GN_TAG}l
LDRV=${GN_TAG}ldrv
netns_add "$L"
must in_ns "$L" iptables-legacy -N DOCKER-USER
must in_ns "$L" iptables-legacy -I FORWARD -j DOCKER-USER
must in_ns "$L" ip6tables-legacy -N DOCKER-USER
must in_ns "$L" ip6tables-legacy -I FORWARD -j DOCKER-USER
must guardnetd_start "$L" "$LDRV"
must plugin_call "$LDRV" /NetworkDriver.CreateNetwork '{"NetworkID":"'"$(printf 'ab%.0s' {1..32})"'","Options":{},
	"IPv4Data":[{"AddressSpace":"","Gateway":"10.97.0.1/24","Pool":"10.97.0.0/24"}],"IPv6Data":[]}'
lctl() { "$GN_ROOT/build/guardnetctl" --socket "$GN_TMP/gn-$L/control.sock" --no-docker "$@"; }
check "legacy: guardnet's accept rule and drops are in iptables-legacy DOCKER-USER" \
	sh -c "nsenter --net=/run/netns/$L iptables-legacy -S DOCKER-USER | grep -q -- '--comment guardnet -j ACCEPT' &&
		[ \$(nsenter --net=/run/netns/$L iptables-legacy -S DOCKER-USER | grep -c -- '--comment guardnet -j DROP') -eq 2 ]"
out=$(lctl check)
rc=$?
check "legacy: check exits 0, \"kernel matches\" (got $rc: $out)" test "$rc:$out" = "0:kernel matches guardnetd's state"

summary ctl-check
