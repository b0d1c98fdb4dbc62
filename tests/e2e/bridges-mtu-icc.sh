#!/bin/bash
# MTU and ICC: com.docker.network.driver.mtu=1400 reaches the bridge and the
# container; with guardnet.icc=false containers of the network cannot reach
# each other but still leave; and networks are kept apart.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O: web server ]
. "$(dirname "$0")/../lib.sh"
scenario bridges-mtu-icc testbed
must serve_outside "$O" 8080

must dk "$H" network create -d "$DRV" -o com.docker.network.driver.mtu=1400 -o guardnet.icc=false \
	--subnet 10.220.4.0/24 nmtu
must dk "$H" network create -d "$DRV" --subnet 10.220.1.0/24 n4
web c7 nmtu
must dk "$H" run -d --name c8 --network nmtu gnbox sleep 1000
must dk "$H" run -d --name c2 --network n4 gnbox sleep 1000
must_read id dk "$H" network inspect -f '{{.Id}}' nmtu
must_read ip7 ctr_ip "$H" c7 nmtu
check "MTU 1400 on the bridge" bash -c "ip -n $H link show gn-${id:0:12} | grep -q 'mtu 1400'"
check "MTU 1400 in the container" test "$(dk "$H" exec c8 cat /sys/class/net/eth0/mtu)" = 1400
expect_open "the host reaches c7" "$H" "http://$ip7/"
expect_dropped "icc=false: c8 cannot reach c7" @c8 "http://$ip7/"
check "icc=false: egress still works" test "$(egress_seen "$H" c8 http://192.0.2.2:8080/cgi-bin/ip)" = 192.0.2.1
expect_dropped "n4 cannot reach nmtu's c7" @c2 "http://$ip7/"
summary
