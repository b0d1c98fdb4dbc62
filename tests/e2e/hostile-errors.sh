#!/bin/bash
# Error replies to bad requests are JSON with Err and name the bad input,
# never a path of guardnet's own.
#
#   [ host H: dockerd, guardnetd ]
. "$(dirname "$0")/../lib.sh"
scenario hostile-errors testbed
SOCK=$(plugin_sock "$DRV")
DKT_TIMEOUT=20

must dkt network create -d "$DRV" --ipv6 --subnet 10.224.0.0/24 --subnet fd00:224::/64 hn
must_read net dkt network inspect -f '{{.Id}}' hn
ep=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
reply() { curl -s --unix-socket "$SOCK" -X POST --data-binary "@-" "http://plugin$1"; }
replies=$(
	echo '{"NetworkID": tru' | reply /NetworkDriver.CreateNetwork
	echo "{\"NetworkID\":\"$net\",\"Options\":{\"com.docker.network.generic\":{\"guardnet.allow\":\"10.0.0.0/33\"}},\"IPv4Data\":[],\"IPv6Data\":[]}" |
		reply /NetworkDriver.CreateNetwork
	echo "{\"NetworkID\":\"$ep\",\"EndpointID\":\"$ep\",\"Interface\":{\"Address\":\"10.9.9.9/24\"}}" |
		reply /NetworkDriver.CreateEndpoint
	echo "{\"NetworkID\":\"$net\",\"EndpointID\":\"$ep\",\"SandboxKey\":\"/var/run/docker/netns/x\"}" | reply /NetworkDriver.Join
	echo "{\"NetworkID\":\"$net\",\"EndpointID\":\"$ep\",\"Options\":{}}" | reply /NetworkDriver.ProgramExternalConnectivity
	echo '{}' | reply /NetworkDriver.Nope
	head -c 2000000 /dev/zero | reply /NetworkDriver.CreateNetwork)
check "error replies are JSON with Err ($(grep -o '"Err"' <<<"$replies" | wc -l) of 7)" \
	test "$(grep -o '"Err"' <<<"$replies" | wc -l)" -eq 7
check "no error reply shows a path of guardnet's: $(grep -oE "$GN_TMP[^\"]*|/var/lib/guardnet[^\"]*|/run/guardnet[^\"]*" <<<"$replies" | head -1)" \
	bash -c '! grep -qE "$1|/var/lib/guardnet|/run/guardnet|/proc/" <<<"$2"' _ "$GN_TMP" "$replies"
summary
