#!/bin/bash
# packaging/compose behaves as its README says.
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT
testbed || exit 1
export EXAMPLE_IMAGE=gnbox EXAMPLE_WWW=/www GUARDNET_DRIVER=$DRV
compose() { (cd "$GN_ROOT/packaging/compose" && DOCKER_HOST=unix://$GN_TMP/docker-$H/docker.sock \
	docker-compose -p gnex "$@"); }
hello="hello from guardnet"
check "compose up" quiet compose up -d
check "the internet reaches web on port 80" \
	wait_until 5 bash -c "[ \"\$(nsenter --net=/run/netns/$O curl -s -m 1 http://192.0.2.1:80/)\" = '$hello' ]"
check "the internet reaches nothing on port 8080" test -z "$(in_ns "$O" curl -s -m 2 http://192.0.2.1:8080/)"
check "the host reaches api on 127.0.0.1:8080" test "$(in_ns "$H" curl -s -m 2 http://127.0.0.1:8080/)" = "$hello"
check "web reaches api by name" test "$(fetch "$H" "$(compose_ctr gnex web)" http://api:8080/)" = "$hello"
check "compose down" quiet compose down
check "nothing of guardnet left" bash -c "! ip -n $H -o link show | grep -q 'alias guardnet:'"
summary compose_example
