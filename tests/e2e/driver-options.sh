#!/bin/bash
# A real dockerd in a test namespace discovers guardnetd as a network driver
# in its own plugin directory and creates, inspects and removes networks
# through it; bad options fail `docker network create` with guardnet's
# message and record nothing.
#
#   [ H: dockerd <-> H's /run/docker/plugins/<driver>.sock <-> guardnetd ]
. "$(dirname "$0")/../lib.sh"
scenario driver-options docker_host
STATE=$GN_TMP/gn-$H/state

out=$(dk "$H" network create -d "$DRV" --subnet 10.210.0.0/24 -o guardnet.allow=10.0.0.0/8 \
	-o com.docker.network.driver.mtu=1400 -o guardnet.ufw=off n1 2>&1)
check "network create with options: $out" test $? -eq 0
id=$(dk "$H" network inspect -f '{{.Id}}' n1 2>/dev/null)
check "network inspect shows the driver" test "$(dk "$H" network inspect -f '{{.Driver}}' n1)" = "$DRV"
check "network inspect shows the options" \
	test "$(dk "$H" network inspect -f '{{index .Options "guardnet.allow"}}' n1)" = "10.0.0.0/8"
check "guardnetd recorded the network" test -f "$STATE/networks/$id.json"
check "recorded options" grep -q '"guardnet.allow": "10.0.0.0/8"' "$STATE/networks/$id.json"

out=$(dk "$H" network create -d "$DRV" -o guardnet.icc=maybe bad 2>&1)
rc=$?
check "bad option fails network create" test $rc -ne 0
check "the error is guardnet's and names key and value: $out" \
	grep -qF 'guardnet.icc: invalid value "maybe" (expected true or false)' <<<"$out"
check "the refused network does not exist" test -z "$(dk "$H" network ls -q -f name=bad)"
out=$(dk "$H" network create -d "$DRV" -o guardnet.colour=blue bad 2>&1)
check "unknown guardnet.* option is refused by name: $out" grep -qF 'unknown option guardnet.colour="blue"' <<<"$out"
check "nothing recorded for refused networks" test "$(ls "$STATE/networks" | wc -l)" -eq 1

out=$(dk "$H" network create -d "$DRV" --ipv6 --subnet 10.211.0.0/24 --subnet fd00:211::/64 --internal n2 2>&1)
check "IPv6 internal network create: $out" test $? -eq 0
check "network rm" quiet dk "$H" network rm n1 n2
check "state removed with the networks" test "$(ls "$STATE/networks" | wc -l)" -eq 0
summary
