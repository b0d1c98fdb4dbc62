#!/bin/bash
# guardnetd killed while containers run; meanwhile the kernel drifts from
# its state both ways (a bridge deleted, leftovers of guardnet's made,
# links guardnet does not own, the table deleted), which the restart
# repairs, touching only what is guardnet's.  Killed again as if between
# creating a bridge and naming it: the network adopts the marked bridge.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O: web server ]
. "$(dirname "$0")/../lib.sh"
scenario bridges-reconcile testbed
must serve_outside "$O" 8080

# mark_mac NAME: what a guardnetd killed between creating a link and giving
# it its alias leaves: the MAC made from the name is the only mark (plugin/nl.h).
mark_mac() { python3 -c '
import sys
h = 0xcbf29ce484222325
for c in b"guardnet:" + sys.argv[1].encode():
    h = ((h ^ c) * 0x100000001b3) % 2**64
m = [(h >> (8 * i)) & 255 for i in range(6)]
m[0] = (m[0] & 0xfc) | 2
print(":".join("%02x" % b for b in m))' "$1"; }

must dk "$H" network create -d "$DRV" --subnet 10.220.1.0/24 n4
web c1 n4
must dk "$H" run -d --name c2 --network n4 gnbox sleep 1000
must_read ip1 ctr_ip "$H" c1 n4
must dk "$H" network create -d "$DRV" --subnet 10.220.7.0/24 nrec
must_read idr dk "$H" network inspect -f '{{.Id}}' nrec
brr=gn-${idr:0:12}
must reachable @c2 "http://$ip1/"

must guardnetd_stop "$H" KILL
expect_open "after SIGKILL: c2 still reaches c1" @c2 "http://$ip1/"
check "after SIGKILL: the rules stay" quiet in_ns "$H" nft list table inet guardnet
must ip -n "$H" link del "$brr"
must ip -n "$H" link add gn-stale type bridge
must ip -n "$H" link set gn-stale alias guardnet:0000000000000000000000000000000000000000000000000000000000000000
must ip -n "$H" link add gn-notours type bridge
must ip -n "$H" link add gnh0123456789ab address "$(mark_mac gnh0123456789ab)" type veth peer name gnc0123456789ab
must ip -n "$H" link add gnhfedcba987654 type veth peer name gncfedcba987654
must ip -n "$H" link add gn-halfmade address "$(mark_mac gn-halfmade)" type bridge
must in_ns "$H" nft delete table inet guardnet
must guardnetd_start "$H" "$DRV"
check "reconcile: missing bridge $brr recreated" quiet ip -n "$H" link show "$brr"
check "reconcile: its MAC is the one made from its name" \
	bash -c "ip -n $H link show $brr | grep -q 'ether $(mark_mac "$brr") '"
check "reconcile: guardnet-owned leftover removed" bash -c "! ip -n $H link show gn-stale 2>/dev/null"
check "reconcile: half-made veth pair (mark, no alias) removed" bash -c "! ip -n $H link show gnh0123456789ab 2>/dev/null"
check "reconcile: half-made bridge (mark, no alias) removed" bash -c "! ip -n $H link show gn-halfmade 2>/dev/null"
check "reconcile: a link guardnet does not own is left alone" quiet ip -n "$H" link show gn-notours
check "reconcile: a veth with guardnet's name but not its mark is left alone" quiet ip -n "$H" link show gnhfedcba987654
check "reconcile: the table is back" bash -c "nsenter --net=/run/netns/$H nft list table inet guardnet | grep -q $brr"
must ip -n "$H" link del gn-notours
must ip -n "$H" link del gnhfedcba987654

must guardnetd_stop "$H" KILL
must ip -n "$H" link del "$brr"
must ip -n "$H" link add "$brr" address "$(mark_mac "$brr")" type bridge
must guardnetd_start "$H" "$DRV"
check "reconcile: a marked bridge without alias is adopted by its network" \
	bash -c "ip -n $H -d link show $brr | grep -q 'alias guardnet:$idr'"
check "reconcile: the adopted bridge is up with its gateway" \
	bash -c "ip -n $H addr show $brr | grep -q 'inet 10.220.7.1/24' && ip -n $H link show $brr | grep -q ',UP'"
must dk "$H" network rm nrec
expect_open "after restart: c2 still reaches c1" @c2 "http://$ip1/"
check "after restart: egress works" test "$(egress_seen "$H" c2 http://192.0.2.2:8080/cgi-bin/ip)" = 192.0.2.1
check "after restart: a new container starts" quiet dk "$H" run -d --name c9 --network n4 gnbox sleep 1000
check "after restart: the new container is reachable" quiet dk "$H" exec c2 ping -q -c1 -W2 "$(ctr_ip "$H" c9 n4)"
summary
