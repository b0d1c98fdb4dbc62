#!/bin/bash
# Spare veth pairs (plugin/spares.c): two per network, made with it, down
# on its bridge.  Containers take them; a container gone makes them anew; a
# take that fails half way deletes the pair and makes one for the
# container.
#
#   [ host H: dockerd, guardnetd, gn-* bridge with gns* spares ]
. "$(dirname "$0")/../lib.sh"
scenario bridges-spares testbed

must dk "$H" network create -d "$DRV" --subnet 10.220.1.0/24 n4
must_read id dk "$H" network inspect -f '{{.Id}}' n4
br=${id:0:12}
web c1 n4
must dk "$H" run -d --name c2 --network n4 gnbox sleep 1000
must_read ip1 ctr_ip "$H" c1 n4
check "spares: c1 and c2 took the two made with the network" test "$(spares "$H" n4)" -eq 0
must dk "$H" run -d --name c3 --network n4 gnbox sleep 1000
check "spares: with none left, c3 gets a pair made for it" quiet dk "$H" exec c2 ping -q -c1 -W2 "$(ctr_ip "$H" c3 n4)"
must dk "$H" rm -f c3
check "spares: c3 gone, two again" test "$(spares "$H" n4)" -eq 2
check "spares: down, on the bridge, marked as n4's" bash -c "ip -n $H -d -o link show gns${br:0:8}0h | \
	grep -v ',UP' | grep -q 'alias guardnet:spare:$id'"
must dk "$H" run -d --name c3 --network n4 gnbox sleep 1000
must_read ep3 dk "$H" inspect -f '{{(index .NetworkSettings.Networks "n4").EndpointID}}' c3
must_read ip3 ctr_ip "$H" c3 n4
check "spares: c3 took one" test "$(spares "$H" n4)" -eq 1
check "spares: its host end is now c3's: renamed, up on the bridge, c3's alias" bash -c "ip -n $H -d -o link show \
	gnh${ep3:0:12} | grep 'master gn-$br' | grep ',UP' | grep -q 'alias guardnet:$ep3'"
check "spares: c3 on a spare reaches c1" quiet dk "$H" exec c3 ping -q -c1 -W2 "$ip1"
check "spares: c3 on a spare is reached by c2" quiet dk "$H" exec c2 ping -q -c1 -W2 "$ip3"
check "spares: c3 has the MAC guardnet gave it" \
	test "$(dk "$H" exec c3 cat /sys/class/net/eth0/address)" = "02:42:$(printf '%02x:%02x:%02x:%02x' ${ip3//./ })"
must dk "$H" rm -f c3
check "spares: two again after c3" test "$(spares "$H" n4)" -eq 2
# A take that fails half way (the spare's container end renamed by hand, so
# the host end is renamed and then the other is not found).
must ip -n "$H" link set "gns${br:0:8}0c" name gnxspare
must dk "$H" run -d --name c3 --network n4 gnbox sleep 1000
check "spares: after a failed take, c3 gets a pair made for it and is reachable" \
	quiet dk "$H" exec c2 ping -q -c1 -W2 "$(ctr_ip "$H" c3 n4)"
check "spares: the half-taken pair is gone" bash -c "! ip -n $H link show gnxspare 2>/dev/null"
check "spares: the other spare is still there" test "$(spares "$H" n4)" -eq 1
must dk "$H" rm -f c3
check "spares: two again" test "$(spares "$H" n4)" -eq 2
summary
