#!/bin/bash
# guardnet.allow on a network and on one endpoint: the sources listed get
# in, on IPv4 and IPv6, and every other source is dropped by guardnet.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
#                                  2001:db8:1::1       2001:db8:1::2, ::3
. "$(dirname "$0")/../lib.sh"
scenario publish-allow testbed

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.221.2.0/24 --subnet fd00:221:2::/64 \
	-o guardnet.allow=192.0.2.2/32,2001:db8:1::2/128 n2
web be2 n2 -p 8081:80
expect_open "allowed 192.0.2.2 gets 200" "$O" http://192.0.2.1:8081/ 192.0.2.2
expect_dropped "192.0.2.3 is not allowed" "$O" http://192.0.2.1:8081/ 192.0.2.3
expect_open "allowed 2001:db8:1::2 gets 200" "$O" 'http://[2001:db8:1::1]:8081/' 2001:db8:1::2
expect_dropped "2001:db8:1::3 is not allowed" "$O" 'http://[2001:db8:1::1]:8081/' 2001:db8:1::3

# An endpoint's own guardnet.allow (docker network connect --driver-opt).
must dk "$H" network create -d "$DRV" --subnet 10.221.3.0/24 n3
must dk "$H" create --name be3 -p 8082:80 gnbox httpd -f -p 80 -h /www
must dk "$H" network disconnect bridge be3
must dk "$H" network connect --driver-opt guardnet.allow=192.0.2.3/32 n3 be3
must dk "$H" start be3
web be4 n3 -p 8083:80
expect_open "endpoint allow: 192.0.2.3 reaches be3" "$O" http://192.0.2.1:8082/ 192.0.2.3
expect_dropped "endpoint allow: 192.0.2.2 does not reach be3" "$O" http://192.0.2.1:8082/ 192.0.2.2
# be3's own chain (epa4- and 12 characters of its endpoint ID) admitted it.
must_read ep3 dk "$H" inspect -f '{{(index .NetworkSettings.Networks "n3").EndpointID}}' be3
check "endpoint allow: chain epa4-${ep3:0:12} counted the admitted connection" \
	grep -q 'counter packets [1-9]' <<<"$(in_ns "${GN_FW_NS:-$H}" nft list chain inet guardnet "epa4-${ep3:0:12}")"
expect_open "be4, on the same network, answers the host" "$H" http://192.0.2.1:8083/
expect_dropped "endpoint allow is for that endpoint only" "$O" http://192.0.2.1:8083/ 192.0.2.3
summary
