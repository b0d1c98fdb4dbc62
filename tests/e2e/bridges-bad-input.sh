#!/bin/bash
# Bad network options get clear errors and create nothing: a bridge name
# that another link has, one of 16 characters or more, MTU 0.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 (Hx) --veth-- [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario bridges-bad-input testbed

before=$(ip -n "$H" -o link | wc -l)
out=$(dk "$H" network create -d "$DRV" -o guardnet.bridge="${H:0:7}x" --subnet 10.220.6.0/24 bad1 2>&1)
check "existing link name refused: $out" grep -q "exists already and is not this guardnet network's" <<<"$out"
out=$(dk "$H" network create -d "$DRV" -o guardnet.bridge=a-very-long-bridge --subnet 10.220.6.0/24 bad2 2>&1)
check "16+ character name refused: $out" grep -qF 'guardnet.bridge: invalid interface name "a-very-long-bridge" (1-15 characters)' <<<"$out"
out=$(dk "$H" network create -d "$DRV" -o com.docker.network.driver.mtu=0 --subnet 10.220.6.0/24 bad3 2>&1)
check "MTU 0 refused: $out" grep -qF 'com.docker.network.driver.mtu: invalid MTU "0"' <<<"$out"
check "bad input: no link created" test "$(ip -n "$H" -o link | wc -l)" -eq "$before"
check "bad input: no network, no state" test -z "$(dk "$H" network ls -q -f name=bad; ls "$GN_TMP/gn-$H/state/networks")"
summary
