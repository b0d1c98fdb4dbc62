#!/bin/bash
# guardnet.publish=127.0.0.1: the port exists on the host's loopback only;
# on 192.0.2.1 there is nothing, whatever the source allowlist says, and
# -p on another host address is refused with a message.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario publish-loopback testbed

must dk "$H" network create -d "$DRV" --subnet 10.221.4.0/24 -o guardnet.publish=127.0.0.1 \
	-o guardnet.allow=192.0.2.0/24 n4
web be5 n4 -p 8085:80
expect_open "publish=127.0.0.1: the host can" "$H" http://127.0.0.1:8085/
expect_refused "publish=127.0.0.1: an allowed outside source cannot connect" "$O" http://192.0.2.1:8085/ 192.0.2.2
out=$(dk "$H" run -d --name be6 --network n4 -p 0.0.0.0:8086:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "-p 0.0.0.0:8086:80 refused: $out" grep -qF 'HostIP 0.0.0.0 (port 8086/tcp) is not allowed by guardnet.publish=127.0.0.1' <<<"$out"
summary
