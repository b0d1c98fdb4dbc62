#!/bin/bash
# Creating or deleting a network changes only that network's part of
# guardnet's tables (issue 17): its elements in the sets every network's
# rules share, and only for a network with a guardnet.allow its own chain
# allow-B and sets allow4-B and allow6-B, in one transaction; the tables
# are not built again (their handles stay), no chain grows with the number
# of networks, and a network without guardnet.allow adds no chain, rule
# or set at all (the kernel validates every chain at each transaction that
# adds a rule).  What that leaves is what
# a whole build makes, for every kind of network, and what cannot be done
# by parts (the first network under UFW, a subnet nested in another
# network's) is done whole.
#
#   [ host H: guardnetd, no dockerd ]
. "$(dirname "$0")/../lib.sh"
scenario incremental-networks bare_host

handle() { in_ns "$H" nft -a list table "$1" guardnet 2>/dev/null | sed -n '1s/.*# handle \([0-9]*\).*/\1/p'; }
rules() { in_ns "$H" nft list chain inet guardnet "$1" | grep -c '^\s*[a-z@].*\(accept\|drop\|masquerade\|vmap\|jump\|goto\|return\|log\)'; }
objects() { in_ns "$H" nft list table inet guardnet | grep -cE '^\s*(chain|set|map) '; }
br() { printf 'gn-%s' "$(drv_id "$1" | cut -c1-12)"; }
# net_internal TAG POOL GW: an internal network (Docker's own option).
net_internal() {
	drv_call CreateNetwork "{\"NetworkID\":\"$(drv_id "$1")\",\"Options\":{\"com.docker.network.internal\":true,
		\"com.docker.network.generic\":{}},\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"$2\",
		\"Gateway\":\"$3\"}],\"IPv6Data\":[]}"
}
net_rm() { drv_call DeleteNetwork "{\"NetworkID\":\"$(drv_id "$1")\"}"; }

must drv_net a1 10.233.1.0/24 10.233.1.1/24 "" "" '{}'
h0=$(handle inet)
check "the first network makes the table (handle $h0)" test -n "$h0"
fwd1=$(rules forward)
post1=$(rules postrouting)
pub1=$(rules pub)
src1=$(rules src)
obj1=$(objects)

must drv_net a2 10.233.2.0/24 10.233.2.1/24 fd00:233:2::/64 fd00:233:2::1/64 '{"guardnet.icc":"false"}'
check "a second network (IPv6, icc off): the table is not built again" test "$(handle inet)" = "$h0"
check "... it adds no chain, set or map ($obj1 before and after)" test "$(objects)" = "$obj1"
check "... and its elements: bridges, icc_closed" bash -c "
	nft_has() { nsenter --net=/run/netns/$H nft list \"\$1\" inet guardnet \"\$2\" | grep -qF -- \"\$3\"; }
	nft_has set bridges '$(br a2)' && nft_has set icc_closed '$(br a2)' && ! nft_has map allowv '$(br a2)'"
check "... chain src: no router advertisement or redirect, link-local and ::, not 0.0.0.0/8, then the reverse path check of each family, nothing else" bash -c "
	e=\$(nsenter --net=/run/netns/$H nft list chain inet guardnet src | tr -s ' \t\n' ' ')
	for want in 'icmpv6 type nd-router-advert counter packets' 'icmpv6 type nd-redirect counter packets' \
		'ip6 saddr fe80::/10 return ip6 saddr :: return ip saddr 0.0.0.0/8 counter packets' \
		'meta nfproto ipv4 fib saddr . iif oif missing counter packets' \
		'meta nfproto ipv6 fib saddr . iif oif missing counter packets'; do
		grep -qF -- \"\$want\" <<<\"\$e\" || { echo \"no '\$want' in: \$e\"; exit 1; }
	done
	! grep -qE '10\.233|fd00:233' <<<\"\$e\""
must net_internal a3 10.233.3.0/24 10.233.3.1/24
check "an internal network: not built again" test "$(handle inet)" = "$h0"
check "... in set internal, not in ext" bash -c "
	nsenter --net=/run/netns/$H nft list set inet guardnet internal | grep -q '$(br a3)' &&
	! nsenter --net=/run/netns/$H nft list set inet guardnet ext | grep -q '$(br a3)'"
must drv_net a4 10.233.4.0/24 10.233.4.1/24 "" "" '{"com.docker.network.bridge.enable_ip_masquerade":"false"}'
check "a network not masqueraded: not built again" test "$(handle inet)" = "$h0"
check "... its subnet is not in masq4, a1's is" bash -c "
	s=\$(nsenter --net=/run/netns/$H nft list set inet guardnet masq4)
	! grep -q 10.233.4.0 <<<\"\$s\" && grep -q 10.233.1.0 <<<\"\$s\""
must drv_net a5 10.233.5.0/24 10.233.5.1/24 "" "" '{"guardnet.allow":"192.0.2.7,198.51.100.0/24"}'
check "a network with an allowlist: not built again" test "$(handle inet)" = "$h0"
check "... its ranges in allow4-$(br a5), its single address in allowh4" bash -c "
	nsenter --net=/run/netns/$H nft list set inet guardnet allow4-$(br a5) | grep -q 198.51.100.0/24 &&
	nsenter --net=/run/netns/$H nft list set inet guardnet allowh4 | grep -q '192.0.2.7'"
check "... its chain allow-$(br a5), reached by its element of allowv" bash -c "
	nsenter --net=/run/netns/$H nft list chain inet guardnet allow-$(br a5) | grep -q '@allow4-$(br a5)' &&
	nsenter --net=/run/netns/$H nft list map inet guardnet allowv | grep -qF '\"$(br a5)\" : jump allow-$(br a5)'"
must drv_ep a5 e5 10.233.5.10/24 ""
must drv_pub a5 e5 "$(drv_pm 6 80 "" 8935)"
check "five networks: the forward chain holds as many rules as with one ($fwd1)" test "$(rules forward)" = "$fwd1"
check "... and postrouting too ($post1)" test "$(rules postrouting)" = "$post1"
check "... and chains pub ($pub1) and src ($src1) too" test "$(rules pub) $(rules src)" = "$pub1 $src1"

# A network goes: its part alone.
must net_rm a2
check "a network deleted: the table is not built again" test "$(handle inet)" = "$h0"
check "... its elements are gone" bash -c "! nsenter --net=/run/netns/$H nft list set inet guardnet bridges | grep -q '$(br a2)'"
must drv_net a7 10.233.7.0/24 10.233.7.1/24 "" "" '{"guardnet.allow":"2001:db8:7::/48"}'
check "a network with an IPv6 range allowed: its chain allow-$(br a7)" \
	in_ns "$H" nft list chain inet guardnet "allow-$(br a7)"
must net_rm a7
check "... deleted: the table is not built again" test "$(handle inet)" = "$h0"
check "... its chain, sets and allowv element are gone" bash -c "
	! nsenter --net=/run/netns/$H nft list chain inet guardnet allow-$(br a7) 2>/dev/null &&
	! nsenter --net=/run/netns/$H nft list set inet guardnet allow6-$(br a7) 2>/dev/null &&
	! nsenter --net=/run/netns/$H nft list map inet guardnet allowv | grep -q '$(br a7)'"
must net_rm a4
out=$("$GN_ROOT/build/guardnetctl" --socket "$GN_TMP/gn-$H/control.sock" --no-docker check)
check "check: the kernel matches the state ($out)" test "$out" = "kernel matches guardnetd's state"
same_as_rebuild "after networks made and removed one by one"

# A subnet nested in another network's: the whole build, which keeps the
# outer one in masq4.
h0=$(handle inet)
must drv_net a6 10.233.0.0/16 10.233.0.1/16 "" "" '{}'
check "a subnet around another network's: the table is built whole (handle $h0, now $(handle inet))" \
	test "$(handle inet)" != "$h0"
check "... masq4 holds the outer subnet alone" bash -c "
	s=\$(nsenter --net=/run/netns/$H nft list set inet guardnet masq4)
	grep -q 10.233.0.0/16 <<<\"\$s\" && ! grep -q 10.233.1.0/24 <<<\"\$s\""
same_as_rebuild "with nested subnets"
must net_rm a6
check "the outer network gone: a1's subnet is back in masq4" bash -c "
	nsenter --net=/run/netns/$H nft list set inet guardnet masq4 | grep -q 10.233.1.0/24"
same_as_rebuild "after the nested network went"

# The first network under UFW makes tables ip and ip6 guardnet; the next
# is added to them by parts.
must drv_net c1 10.233.11.0/24 10.233.11.1/24 "" "" '{"guardnet.ufw":"on"}'
hip=$(handle ip)
hin=$(handle inet)
check "the first network under UFW makes table ip guardnet (handle $hip)" test -n "$hip"
must drv_net c2 10.233.12.0/24 10.233.12.1/24 "" "" '{"guardnet.ufw":"on","guardnet.icc":"false"}'
check "a second one under UFW: neither table is built again" \
	test "$(handle ip).$(handle inet)" = "$hip.$hin"
check "... it is in ufw_br and ufw_dst, not in ufw_hair (icc off)" bash -c "
	l=\$(nsenter --net=/run/netns/$H nft list table ip guardnet)
	grep -A3 'set ufw_br' <<<\"\$l\" | grep -q '$(br c2)' && grep -A4 'set ufw_dst' <<<\"\$l\" | grep -q 10.233.12.0 &&
	! grep -A4 'set ufw_hair' <<<\"\$l\" | grep -q '$(br c2)'"
must net_rm c2
check "... and removed by parts" test "$(handle ip)" = "$hip"
same_as_rebuild "with networks under UFW"
summary
