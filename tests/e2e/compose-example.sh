#!/bin/bash
# packaging/compose behaves as its README says: the web front end (Docker's
# bridge driver) is public on port 80, the API on the guardnet network is
# published on the host's loopback only, and the front end reaches it by
# name.
#
#   [ host H: dockerd, guardnetd, docker-compose ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario compose-example testbed
export EXAMPLE_IMAGE=gnbox EXAMPLE_WWW=/www GUARDNET_DRIVER=$DRV
dir=$GN_ROOT/packaging/compose

check "compose up" quiet compose "$dir" gnex up -d
eventually open "the internet reaches web on port 80" "$O" http://192.0.2.1:80/
expect_refused "the internet reaches nothing on port 8080" "$O" http://192.0.2.1:8080/
expect_open "the host reaches api on 127.0.0.1:8080" "$H" http://127.0.0.1:8080/
check "web reaches api by name" test "$(fetch "$H" "$(compose_ctr "$dir" gnex web)" http://api:8080/)" = "$GN_HELLO"
check "compose down" quiet compose "$dir" gnex down
check "nothing of guardnet left" bash -c "! ip -n $H -o link show | grep -q 'alias guardnet:'"
summary
