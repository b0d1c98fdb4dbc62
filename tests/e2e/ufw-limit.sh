#!/bin/bash
# `ufw limit`: five new connections from one source within 30 s pass, the
# sixth is refused, as UFW does for a host service.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-limit testbed

must dk "$H" network create -d "$DRV" --subnet 10.222.1.0/24 n1
web lim n1 -p 8084:80
must ufw --force enable
must reachable "$H" http://127.0.0.1:8084/
check "ufw limit 8084/tcp" ufw limit 8084/tcp
must wait_until 3 bash -c "nsenter --net=/run/netns/$H nft list chain inet guardnet ufw-in | grep -q 8084"
seen=()
for i in 1 2 3 4 5 6; do
	probe "$O" http://192.0.2.1:8084/ 192.0.2.3
	seen+=("$PROBE")
done
check "limit: 5 of 6 quick connections admitted, the sixth refused (got ${seen[*]})" \
	test "${seen[*]}" = "open open open open open refused"
summary
