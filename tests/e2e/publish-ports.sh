#!/bin/bash
# Which host port: a range gives one of its ports, HostPort 0 one of the
# kernel's ephemeral range, each reported to Docker (EndpointOperInfo) and
# answering; an IPv4-only network publishes nothing on IPv6.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario publish-ports testbed

# port CONTAINER: the host port guardnet chose for the container's first mapping.
port() {
	local net ep
	net=$(dk "$H" network inspect -f '{{.Id}}' n5) &&
		ep=$(dk "$H" inspect -f '{{(index .NetworkSettings.Networks "n5").EndpointID}}' "$1") &&
		plugin_call "$DRV" /NetworkDriver.EndpointOperInfo "{\"NetworkID\":\"$net\",\"EndpointID\":\"$ep\"}" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["Value"]["com.docker.network.portmap"][0]["HostPort"])'
}

must dk "$H" network create -d "$DRV" --subnet 10.221.5.0/24 -o guardnet.allow=192.0.2.2/32 n5
web rng n5 -p 8090-8095:80
must_read p port rng
check "range 8090-8095: port $p chosen and reported" test "$p" -ge 8090 -a "$p" -le 8095
expect_open "range: the chosen port answers" "$O" "http://192.0.2.1:$p/" 192.0.2.2
expect_refused "IPv4-only network: nothing on IPv6" "$H" "http://[2001:db8:1::1]:$p/"
check "IPv4-only network: no IPv6 mapping" bash -c "! nsenter --net=/run/netns/$H nft list map inet guardnet any6 | grep -qw $p"

web eph n5 -p 80
must_read p port eph
read -r lo hi < <(in_ns "$H" cat /proc/sys/net/ipv4/ip_local_port_range)
check "HostPort 0: port $p chosen from $lo-$hi and reported" test "$p" -ge "$lo" -a "$p" -le "$hi"
expect_open "HostPort 0: the chosen port answers" "$H" "http://127.0.0.1:$p/"
summary
