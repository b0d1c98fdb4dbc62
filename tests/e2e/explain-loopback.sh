#!/bin/bash
# explain on a network published on 127.0.0.1 only: closed on 192.0.2.1
# whatever the allowlist, open on loopback for the host, and explain says
# where the port is published instead.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario explain-loopback testbed

must dk "$H" network create -d "$DRV" --subnet 10.223.4.0/24 -o guardnet.publish=127.0.0.1 \
	-o guardnet.allow=192.0.2.2/32 n4
web be4 n4 -p 8083:80
must reachable "$H" http://127.0.0.1:8083/
agree closed outside 192.0.2.2 192.0.2.1 8083 http://192.0.2.1:8083/
agree accept host 127.0.0.1 127.0.0.1 8083 http://127.0.0.1:8083/
check "explain says where the port is published instead" grep -q 'published on 127.0.0.1 only' \
	<<<"$(explain 192.0.2.2 192.0.2.1 8083 | json_field because)"
summary
