#!/bin/bash
# packaging/compose behaves as its README says, and each service's gateway
# is the network the README says (web: edge, api: private) although the
# internal network "backend" sorts first by name: Docker never makes an
# internal network a gateway.  Compose v1 (docker-compose 1.29) on the
# machine's Docker; compose v2 where the engine provides it
# (GUARDNET_DOCKER=28 gives docker-compose 2.40.3).
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT
testbed || exit 1
export EXAMPLE_IMAGE=gnbox EXAMPLE_WWW=/www GUARDNET_DRIVER=$DRV
compose() { (cd "$GN_ROOT/packaging/compose" && DOCKER_HOST=unix://$GN_TMP/docker-$H/docker.sock \
	docker-compose -p gnex "$@"); }
hello="hello from guardnet"
say "# $(compose version 2>/dev/null | head -1)"
check "the example has no version: key" bash -c "! grep -q '^version:' '$GN_ROOT/packaging/compose/docker-compose.yml'"
check "compose config accepts it" quiet compose config
compose up -d >"$GN_TMP/up.log" 2>&1
rc=$?
check "compose up ($(tail -1 "$GN_TMP/up.log"))" test $rc -eq 0
[ $rc -eq 0 ] || cat "$GN_TMP/up.log"
web=$(compose ps -q web)
api=$(compose ps -q api)

# gateway_of CONTAINER NETWORK: the container's default route goes through
# NETWORK's gateway.
gateway_of() {
	local gw
	gw=$(dk "$H" network inspect -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}' "$2")
	[ -n "$gw" ] && dk "$H" exec "$1" ip route | grep -q "^default via $gw "
}
check "web's gateway is edge, not backend (which sorts first)" gateway_of "$web" gnex_edge
check "api's gateway is private, not backend (which sorts first)" gateway_of "$api" gnex_private

check "the internet reaches web on port 80" \
	wait_until 5 bash -c "[ \"\$(nsenter --net=/run/netns/$O curl -s -m 1 http://192.0.2.1:80/)\" = '$hello' ]"
in_ns "$O" curl -s -m 2 -o /dev/null http://192.0.2.1:8080/
c=$?
check "the internet reaches nothing on port 8080: refused, not published there (curl exit $c, 7 = refused)" \
	test "$c" -eq 7
check "the host reaches api on 127.0.0.1:8080" test "$(in_ns "$H" curl -s -m 2 http://127.0.0.1:8080/)" = "$hello"
check "web reaches api by name" test "$(fetch "$H" "$web" http://api:8080/)" = "$hello"
check "compose down" quiet compose down
check "nothing of guardnet left" bash -c "! ip -n $H -o link show | grep -q 'alias guardnet:'"
summary compose_example
