#!/bin/bash
# guardnetctl explain against real traffic on a network with no options,
# UFW present but not enabled: explain's verdict for each source is
# asserted, and so is what a real connection gets, and the two agree.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
#                                  2001:db8:1::1       2001:db8:1::2
. "$(dirname "$0")/../lib.sh"
scenario explain-default testbed

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.223.1.0/24 --subnet fd00:223:1::/64 n1
web be n1 -p 8080:80
must_read be ctr_ip "$H" be n1
must reachable "$H" http://127.0.0.1:8080/
agree drop outside 192.0.2.2 192.0.2.1 8080 http://192.0.2.1:8080/
agree accept host 127.0.0.1 127.0.0.1 8080 http://127.0.0.1:8080/
agree accept host 192.0.2.1 192.0.2.1 8080 http://192.0.2.1:8080/
agree drop outside 2001:db8:1::2 2001:db8:1::1 8080 'http://[2001:db8:1::1]:8080/'
agree accept be "$be" 192.0.2.1 8080 http://192.0.2.1:8080/
agree closed outside 192.0.2.2 192.0.2.1 8090 http://192.0.2.1:8090/
check "explain names the default deny" grep -q 'not in guardnet.allow and UFW does not decide' \
	<<<"$(explain 192.0.2.2 192.0.2.1 8080 | json_field because)"
check "explain finds the container behind the port" test \
	"$(explain 192.0.2.2 192.0.2.1 8080 | python3 -c 'import json,sys; print(json.load(sys.stdin)["container"]["address"])')" = "$be"
summary
