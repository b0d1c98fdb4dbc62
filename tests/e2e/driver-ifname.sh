#!/bin/bash
# --driver-opt com.docker.network.endpoint.ifname=NAME (Docker 28 sends it;
# any Docker passes it on): Docker lets a remote driver choose only a prefix
# for the container's interface, so guardnet refuses the option with a
# message instead of accepting it and leaving the interface ethN
# (spec/plugin-protocol.md, "Docker 28.5.2").
#
#   [ host H: dockerd, guardnetd ]
. "$(dirname "$0")/../lib.sh"
scenario driver-ifname testbed

must dk "$H" network create -d "$DRV" --subnet 10.234.1.0/24 n1
must dk "$H" network create -d "$DRV" --subnet 10.234.2.0/24 n2
must dk "$H" run -d --name c1 --network n1 gnbox sleep 100000

out=$(dk "$H" network connect --driver-opt com.docker.network.endpoint.ifname=data0 n2 c1 2>&1)
check "connect with ifname=data0 fails" test $? -ne 0
check "with guardnet's message naming the option and the value: $out" grep -q \
	'Options.com.docker.network.endpoint.ifname: "data0": guardnet cannot give the container'"'"'s interface a name' <<<"$out"
# Docker keeps an n2 entry without an endpoint after a failed connect.
check "the container has no endpoint on n2" \
	test -z "$(dk "$H" inspect -f '{{(index .NetworkSettings.Networks "n2").EndpointID}}' c1)"
no_data0() { ! dk "$H" exec c1 ip link show data0 >/dev/null 2>&1; }
check "no data0 in the container" no_data0
check "nothing of the refused endpoint is left in guardnet's state" \
	test "$(find "$GN_TMP/gn-$H/state/endpoints" -type f | wc -l)" -eq 1
check "positive control: connect without the option succeeds" quiet dk "$H" network connect n2 c1
check "and the interface is Docker's eth1" quiet dk "$H" exec c1 ip link show eth1
summary
