#!/bin/bash
# IPv6-only networks (Docker 28: --ipv4=false --ipv6): guardnet publishes on
# IPv6 alone, UFW's user6.rules decide for them, no docker_gwbridge is
# attached (it would publish the ports itself), and the isolation rules
# hold: no direct routing to a container, no way into another network.
#
#   [ host H: dockerd 28, guardnetd, ufw ] 192.0.2.1, 2001:db8:1::1 --veth-- 2001:db8:1::2, ::3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario publish-ipv6-only
[ "${GUARDNET_DOCKER:-}" = 28 ] || skip "Docker 28 (GUARDNET_DOCKER=28): --ipv4=false came with Docker 28"
must testbed

# 1. Publishing on IPv6 only, admitted by guardnet.allow.
must dk "$H" network create -d "$DRV" --ipv4=false --ipv6 --subnet fd00:233:1::/64 \
	-o guardnet.allow=2001:db8:1::2/128 n1
web c1 n1 -p 8080:80 -p 127.0.0.1:9000:80
check "the container has an IPv6 address and no IPv4 one" \
	test -n "$(ctr_ip "$H" c1 n1 6)" -a -z "$(ctr_ip "$H" c1 n1)"
check "no docker_gwbridge: the container's only network is n1" \
	test "$(dk "$H" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' c1)" = "n1 "
no_gwbridge() { ! dk "$H" network ls --format '{{.Name}}' | grep -qx docker_gwbridge; }
check "no docker_gwbridge network exists" no_gwbridge
v6_default() { dk "$H" exec c1 ip -6 route | grep -q '^default via fd00:233:1::1'; }
check "the container's default route is IPv6 via the bridge" v6_default
expect_open "allowed 2001:db8:1::2 gets the page on [2001:db8:1::1]:8080" "$O" 'http://[2001:db8:1::1]:8080/' 2001:db8:1::2
expect_dropped "2001:db8:1::3, not allowed" "$O" 'http://[2001:db8:1::1]:8080/' 2001:db8:1::3
expect_refused "nothing on IPv4: 192.0.2.1:8080" "$H" http://192.0.2.1:8080/
expect_refused "an IPv4 HostIP publishes nothing: 127.0.0.1:9000" "$H" http://127.0.0.1:9000/
must_read st gnctl status
check "guardnetctl status lists [::]:8080" grep -q '\[::\]:8080->80/tcp' <<<"$st"
check "and no IPv4 binding" bash -c '! grep -q "0.0.0.0:8080\|9000" <<<"$1"' _ "$st"

# 2. Isolation: no direct routing to the container, no way into another network.
must in_ns "$O" ip -6 route add fd00:233:1::/64 via 2001:db8:1::1
expect_dropped "routed straight to the container's address" "$O" 'http://[fd00:233:1::2]:80/' 2001:db8:1::2
must dk "$H" network create -d "$DRV" --ipv4=false --ipv6 --subnet fd00:233:2::/64 n2
web c2 n2
web c3 n2
expect_open "a container reaches its own network's neighbour (positive control)" @c3 'http://[fd00:233:2::2]/'
expect_dropped "n1's container cannot reach n2's" @c1 'http://[fd00:233:2::2]/'

# 3. UFW decides through user6.rules.
must dk "$H" network create -d "$DRV" --ipv4=false --ipv6 --subnet fd00:233:3::/64 n3
web c4 n3 -p 8081:80
must ufw --force enable
expect_dropped "UFW's default deny: 2001:db8:1::3 on 8081" "$O" 'http://[2001:db8:1::1]:8081/' 2001:db8:1::3
must ufw allow from 2001:db8:1::3 to any port 8081
check "the rule is in user6.rules" grep -q -- '-A ufw6-user-input -p tcp --dport 8081 -s 2001:db8:1::3' \
	"$UFW_ROOT/etc/ufw/user6.rules"
eventually open "UFW allow: 2001:db8:1::3 admitted" "$O" 'http://[2001:db8:1::1]:8081/' 2001:db8:1::3
expect_dropped "UFW allow: 2001:db8:1::2 still not" "$O" 'http://[2001:db8:1::1]:8081/' 2001:db8:1::2
must ufw delete allow from 2001:db8:1::3 to any port 8081
eventually dropped "after the delete: 2001:db8:1::3 blocked again" "$O" 'http://[2001:db8:1::1]:8081/' 2001:db8:1::3
summary
