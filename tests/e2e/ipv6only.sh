#!/bin/bash
# IPv6-only networks (Docker 28: --ipv4=false --ipv6): guardnet publishes on
# IPv6 alone, UFW's user6.rules decide for them, no docker_gwbridge is
# attached (it would publish the ports itself), and the isolation rules hold:
# no direct routing to a container, no way into another network.
#
#   [ host H: dockerd 28, guardnetd, ufw ] 192.0.2.1, 2001:db8:1::1 --veth-- 2001:db8:1::2, ::3 [ outside O ]
set -u
. "$(dirname "$0")/../lib.sh"
if [ "$GN_DOCKER" != 28 ]; then
	echo "ipv6only: Docker $GN_DOCKER has no IPv6-only networks (--ipv4=false came with Docker 28): skipped"
	exit 77
fi
trap gn_cleanup EXIT
testbed || exit 1

hello="hello from guardnet"
# must COMMAND...: a setup step; its failure ends the test with its output
# (a subshell: not for steps that set variables).
type must >/dev/null 2>&1 || must() {
	local out
	out=$("$@" 2>&1) || { fail "$* (setup): $out"; summary ipv6only; exit 1; }
}
web() { must dk "$H" run -d --name "$1" --network "$2" "${@:3}" gnbox httpd -f -p 80 -h /www; }
get() { in_ns "$1" curl -s -m 2 ${2:+--interface "$2"} "$3" 2>/dev/null; }
# curl_rc NS SRC URL: curl's exit status (7 refused, 28 timed out).
curl_rc() { in_ns "$1" curl -s -m 2 ${2:+--interface "$2"} "$3" >/dev/null 2>&1; echo $?; }
reaches() { wait_until 3 bash -c "[ \"\$(nsenter --net=/run/netns/$O curl -s -m 1 --interface $1 '$2')\" = '$hello' ]"; }

# 1. Publishing on IPv6 only, admitted by guardnet.allow.
must dk "$H" network create -d "$DRV" --ipv4=false --ipv6 --subnet fd00:233:1::/64 \
	-o guardnet.allow=2001:db8:1::2/128 n1
web c1 n1 -p 8080:80 -p 127.0.0.1:9000:80
check "the container has an IPv6 address and no IPv4 one" \
	test -n "$(ctr_ip "$H" c1 n1 6)" -a -z "$(ctr_ip "$H" c1 n1)"
check "no docker_gwbridge: the container's only network is n1" \
	test "$(dk "$H" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' c1)" = "n1 "
check "no docker_gwbridge network exists" bash -c "! docker -H unix://$GN_TMP/docker-$H/docker.sock network ls --format '{{.Name}}' | grep -qx docker_gwbridge"
check "the container's default route is IPv6 via the bridge" \
	bash -c "docker -H unix://$GN_TMP/docker-$H/docker.sock exec c1 ip -6 route | grep -q '^default via fd00:233:1::1'"
check "allowed 2001:db8:1::2 gets 200 on [2001:db8:1::1]:8080" \
	test "$(get "$O" 2001:db8:1::2 'http://[2001:db8:1::1]:8080/')" = "$hello"
check "2001:db8:1::3, not allowed, times out (curl 28)" test "$(curl_rc "$O" 2001:db8:1::3 'http://[2001:db8:1::1]:8080/')" = 28
check "nothing on IPv4: 192.0.2.1:8080 refused (curl 7)" test "$(curl_rc "$H" "" http://192.0.2.1:8080/)" = 7
check "an IPv4 HostIP publishes nothing: 127.0.0.1:9000 refused (curl 7)" test "$(curl_rc "$H" "" http://127.0.0.1:9000/)" = 7
check "guardnetctl status lists only [::]:8080" bash -c "gn=\$('$GN_ROOT/build/guardnetctl' --socket '$GN_TMP/gn-$H/control.sock' status) &&
	grep -q '\[::\]:8080/tcp -> fd00:233:1::2:80' <<<\"\$gn\" && ! grep -q '0.0.0.0:8080\|9000' <<<\"\$gn\""

# 2. Isolation: no direct routing to the container, no way into another network.
in_ns "$O" ip -6 route add fd00:233:1::/64 via 2001:db8:1::1
check "routed straight to the container's address: times out (curl 28)" \
	test "$(curl_rc "$O" 2001:db8:1::2 'http://[fd00:233:1::2]:80/')" = 28
must dk "$H" network create -d "$DRV" --ipv4=false --ipv6 --subnet fd00:233:2::/64 n2
web c2 n2
web c3 n2
check "a container reaches its own network's neighbour (positive control)" \
	test "$(fetch "$H" c3 'http://[fd00:233:2::2]/')" = "$hello"
check "n1's container cannot reach n2's" test -z "$(fetch "$H" c1 'http://[fd00:233:2::2]/')"

# 3. UFW decides through user6.rules.
must dk "$H" network create -d "$DRV" --ipv4=false --ipv6 --subnet fd00:233:3::/64 n3
web c4 n3 -p 8081:80
check "ufw --force enable" ufw --force enable
check "UFW default deny: 2001:db8:1::3 times out on 8081" \
	test "$(curl_rc "$O" 2001:db8:1::3 'http://[2001:db8:1::1]:8081/')" = 28
check "ufw allow from 2001:db8:1::3 to any port 8081" ufw allow from 2001:db8:1::3 to any port 8081
check "the rule is in user6.rules" grep -q -- '-A ufw6-user-input -p tcp --dport 8081 -s 2001:db8:1::3' \
	"$UFW_ROOT/etc/ufw/user6.rules"
check "UFW allow: 2001:db8:1::3 admitted" reaches 2001:db8:1::3 'http://[2001:db8:1::1]:8081/'
check "UFW allow: 2001:db8:1::2 still times out" test "$(curl_rc "$O" 2001:db8:1::2 'http://[2001:db8:1::1]:8081/')" = 28
check "ufw delete allow" ufw delete allow from 2001:db8:1::3 to any port 8081
check "after the delete: 2001:db8:1::3 blocked again" \
	bash -c "! nsenter --net=/run/netns/$O curl -s -m 2 --interface 2001:db8:1::3 'http://[2001:db8:1::1]:8081/' | grep -q hello"

[ "$GN_FAILED" -gt 0 ] && { say "--- guardnetd log"; tail -30 "$GN_TMP/gn-$H/guardnetd.log"; }
summary ipv6only
