#!/bin/bash
# explain and real traffic agree on guardnet.allow, of a network and of one
# endpoint, on IPv4 and IPv6, and explain names the allowlist that decided;
# a container of another network gets only what any source would.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
#                                  2001:db8:1::1       2001:db8:1::2, ::3
. "$(dirname "$0")/../lib.sh"
scenario explain-allow testbed

must dk "$H" network create -d "$DRV" --subnet 10.223.1.0/24 n1
web be n1 -p 8080:80
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.223.2.0/24 --subnet fd00:223:2::/64 \
	-o guardnet.allow=192.0.2.2/32,2001:db8:1::2/128 n2
web be2 n2 -p 8081:80
must reachable "$H" http://127.0.0.1:8081/
agree accept outside 192.0.2.2 192.0.2.1 8081 http://192.0.2.1:8081/
agree drop outside 192.0.2.3 192.0.2.1 8081 http://192.0.2.1:8081/
agree accept outside 2001:db8:1::2 2001:db8:1::1 8081 'http://[2001:db8:1::1]:8081/'
agree drop outside 2001:db8:1::3 2001:db8:1::1 8081 'http://[2001:db8:1::1]:8081/'
check "explain names the network's guardnet.allow" grep -q 'guardnet.allow 192.0.2.2/32 of network' \
	<<<"$(explain 192.0.2.2 192.0.2.1 8081 | json_field because)"
must_read be2ip ctr_ip "$H" be2 n2
must reachable "$H" http://127.0.0.1:8080/
agree drop be2 "$be2ip" 192.0.2.1 8080 http://192.0.2.1:8080/

must dk "$H" network create -d "$DRV" --subnet 10.223.3.0/24 n3
must dk "$H" create --name be3 -p 8082:80 gnbox httpd -f -p 80 -h /www
must dk "$H" network disconnect bridge be3
must dk "$H" network connect --driver-opt guardnet.allow=192.0.2.3/32 n3 be3
must dk "$H" start be3
must reachable "$H" http://127.0.0.1:8082/
agree accept outside 192.0.2.3 192.0.2.1 8082 http://192.0.2.1:8082/
agree drop outside 192.0.2.2 192.0.2.1 8082 http://192.0.2.1:8082/
check "explain names the endpoint's guardnet.allow" grep -q 'guardnet.allow 192.0.2.3/32 of endpoint' \
	<<<"$(explain 192.0.2.3 192.0.2.1 8082 | json_field because)"
summary
