#!/bin/bash
# Removal leaves nothing: a network's bridge and rules go with it, and once
# the last network is gone no guardnet link, table, iptables rule or state
# file is left.
#
#   [ host H: dockerd, guardnetd ]
. "$(dirname "$0")/../lib.sh"
scenario bridges-removal testbed

must dk "$H" network create -d "$DRV" --subnet 10.220.1.0/24 n4
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.220.3.0/24 --subnet fd00:220:3::/64 n6
must dk "$H" network create -d "$DRV" --internal --subnet 10.220.2.0/24 nint
must dk "$H" network create -d "$DRV" -o com.docker.network.driver.mtu=1400 -o guardnet.icc=false \
	--subnet 10.220.4.0/24 nmtu
web c1 n4 -p 8080:80
must dk "$H" run -d --name c2 --network n4 gnbox sleep 1000
web c5 n6 -p 8081:80
must dk "$H" run -d --name c6 --network n6 gnbox sleep 1000
web c3 nint
must dk "$H" run -d --name c4 --network nint gnbox sleep 1000
web c7 nmtu -p 8082:80
must dk "$H" run -d --name c8 --network nmtu gnbox sleep 1000
must_read br4 dk "$H" network inspect -f '{{.Id}}' n4
br4=${br4:0:12}
must dk "$H" rm -f c1 c2
must dk "$H" network rm n4
check "network rm: bridge gn-$br4 gone" bash -c "! ip -n $H link show gn-$br4 2>/dev/null"
check "network rm: no rule names gn-$br4" bash -c "! nsenter --net=/run/netns/$H nft list ruleset 2>/dev/null | grep -q gn-$br4"
must dk "$H" rm -f c3 c4 c5 c6 c7 c8
must dk "$H" network rm n6 nint nmtu
check "no gn link left" test "$(gn_links "$H")" -eq 0
check "no guardnet table left (guardnet, guardnet_count)" bash -c "! nsenter --net=/run/netns/$H nft list tables | grep -q guardnet"
check "no guardnet rule left in iptables" bash -c "! nsenter --net=/run/netns/$H iptables-save | grep -q guardnet"
check "no state left" no_state "$H"
summary
