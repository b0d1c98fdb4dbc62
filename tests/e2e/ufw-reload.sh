#!/bin/bash
# `ufw reload` re-applies UFW's rules: what they allowed stays admitted and
# what they denied stays dropped.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-reload testbed

must dk "$H" network create -d "$DRV" --subnet 10.222.1.0/24 n1
web be n1 -p 8080:80
web rt n1 -p 8082:8080
must dk "$H" exec -d rt httpd -f -p 8080 -h /www
must ufw --force enable
must ufw deny 8080
must ufw route allow proto tcp from any to any port 8080
must until_seen open 5 "$O" http://192.0.2.1:8082/ 192.0.2.2
check "ufw reload" ufw reload
eventually open "after reload: the route-allowed port is admitted" "$O" http://192.0.2.1:8082/ 192.0.2.2
expect_dropped "after reload: 8080 still denied" "$O" http://192.0.2.1:8080/ 192.0.2.3
summary
