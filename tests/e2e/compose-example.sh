#!/bin/bash
# packaging/compose behaves as its README says: the web front end (Docker's
# bridge driver) is public on port 80, the API on the guardnet network is
# published on the host's loopback only, the front end reaches it by name,
# and each service's gateway is the network the README says (web: edge,
# api: private) although the internal network "backend" sorts first by
# name: Docker never makes an internal network a gateway.  Compose v1
# (docker-compose 1.29) on the machine's Docker; compose v2 where the engine
# provides it (GUARDNET_DOCKER=28 gives docker-compose 2.40.3).
#
#   [ host H: dockerd, guardnetd, docker-compose ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario compose-example testbed
export EXAMPLE_IMAGE=gnbox EXAMPLE_WWW=/www GUARDNET_DRIVER=$DRV
dir=$GN_ROOT/packaging/compose

say "# $(compose "$dir" gnex version 2>/dev/null | head -1)"
check "the example has no version: key" bash -c "! grep -q '^version:' '$dir/docker-compose.yml'"
check "compose config accepts it" quiet compose "$dir" gnex config
must compose "$dir" gnex up -d
web=$(compose_ctr "$dir" gnex web)
api=$(compose_ctr "$dir" gnex api)

# gateway_of CONTAINER NETWORK: the container's default route goes through
# NETWORK's gateway.
gateway_of() {
	local gw
	gw=$(dk "$H" network inspect -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}' "$2")
	[ -n "$gw" ] && dk "$H" exec "$1" ip route | grep -q "^default via $gw "
}
check "web's gateway is edge, not backend (which sorts first)" gateway_of "$web" gnex_edge
check "api's gateway is private, not backend (which sorts first)" gateway_of "$api" gnex_private

eventually open "the internet reaches web on port 80" "$O" http://192.0.2.1:80/
expect_refused "the internet reaches nothing on port 8080 (nothing is published there)" "$O" http://192.0.2.1:8080/
expect_open "the host reaches api on 127.0.0.1:8080" "$H" http://127.0.0.1:8080/
check "web reaches api by name" test "$(fetch "$H" "$web" http://api:8080/)" = "$GN_HELLO"
check "compose down" quiet compose "$dir" gnex down
check "nothing of guardnet left" bash -c "! ip -n $H -o link show | grep -q 'alias guardnet:'"
summary
