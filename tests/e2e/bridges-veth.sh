#!/bin/bash
# A container's veth pair: its host end up on the network's bridge with the
# container's alias, its container end with the MAC guardnet gave it; it
# reaches and is reached by its neighbours, and goes with the container.
#
#   [ host H: dockerd, guardnetd, gn-* bridge, gnh*/gnc* pairs ]
. "$(dirname "$0")/../lib.sh"
scenario bridges-veth testbed

must dk "$H" network create -d "$DRV" --subnet 10.220.1.0/24 n4
must_read id dk "$H" network inspect -f '{{.Id}}' n4
br=${id:0:12}
web c1 n4
must dk "$H" run -d --name c2 --network n4 gnbox sleep 1000
must dk "$H" run -d --name c3 --network n4 gnbox sleep 1000
must_read ip1 ctr_ip "$H" c1 n4
must_read ep3 dk "$H" inspect -f '{{(index .NetworkSettings.Networks "n4").EndpointID}}' c3
must_read ip3 ctr_ip "$H" c3 n4
check "c3's host end: up on the bridge, c3's alias" bash -c "ip -n $H -d -o link show \
	gnh${ep3:0:12} | grep 'master gn-$br' | grep ',UP' | grep -q 'alias guardnet:$ep3'"
check "c3's host end has no IPv6 (disable_ipv6=1), so no multicast route of its own" bash -c "
	test \"\$(ip netns exec $H cat /proc/sys/net/ipv6/conf/gnh${ep3:0:12}/disable_ipv6)\" = 1 &&
	! ip -n $H -6 route show table all dev gnh${ep3:0:12} | grep -q ."
check "the bridge keeps its IPv6 route" bash -c "ip -n $H -6 route show table all dev gn-$br | grep -q ff00::/8"
check "c3 reaches c1" quiet dk "$H" exec c3 ping -q -c1 -W2 "$ip1"
check "c3 is reached by c2" quiet dk "$H" exec c2 ping -q -c1 -W2 "$ip3"
check "c3 has the MAC guardnet gave it" \
	test "$(dk "$H" exec c3 cat /sys/class/net/eth0/address)" = "02:42:$(printf '%02x:%02x:%02x:%02x' ${ip3//./ })"
must dk "$H" rm -f c3
check "c3 gone: its pair is gone" wait_until 10 bash -c "! ip -n $H link show gnh${ep3:0:12}"
summary
