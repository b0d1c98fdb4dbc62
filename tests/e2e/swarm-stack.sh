#!/bin/bash
# `docker stack deploy` of a compose file whose network uses guardnet (the
# managed plugin on the three nodes of a swarm): the network is made once,
# with the compose file's driver_opts and subnet, every node's guardnet
# gets them, and every node answers the allowed client and not the other.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-swarm.sh"
scenario swarm-stack
t0=$SECONDS
log_all_netns

must swarm_up
must plugin_build
# The scope through guardnet.conf this time (the node's /etc/guardnet, the
# plugin's config mount); swarm_guardnet_up gives it as args.
for n in "${NODES[@]}"; do
	echo "scope = global" >"$GN_TMP/node-$n/etc/guardnet/guardnet.conf"
	plugin_install "$n" "$GNP"
done
stack_file "$GN_TMP/stack.yml" "$GNP" "{guardnet.allow: $CLIENT_OK, guardnet.ufw: \"off\"}"
if ! out=$(dk "$M" stack deploy --resolve-image never -c "$GN_TMP/stack.yml" st 2>&1); then
	die "docker stack deploy accepts the compose file (nothing more to check without it): $out"
fi
ok "docker stack deploy accepts the compose file"
check "the stack's network is swarm-scoped" test "$(dk "$M" network inspect -f '{{.Scope}}' st_back 2>/dev/null)" = swarm
if ! wait_until 120 service_settled st_api 3 || ! service_running st_api 3; then
	dk "$M" service ps --no-trunc --format '{{.Node}}: {{.Error}}' st_api 2>&1 | sort | uniq -c | head -4
	die "the stack's service runs on every node (nothing more to check without it)"
fi
ok "the stack's service runs on every node ($((SECONDS - t0)) s)"
sid=$(dk "$M" network inspect -f '{{.Id}}' st_back)
for n in "${NODES[@]}"; do
	a=$(node_addr "$n")
	f=$GN_TMP/node-$n/var-lib/guardnet/networks/$sid.json
	check "$n: guardnet has the compose file's driver_opts" grep -q "\"guardnet.allow\": \"$CLIENT_OK" "$f"
	check "$n: guardnet has the compose file's subnet" grep -q '"Pool": "10.98.0.0/24"' "$f"
	check "$n: answers the allowed client" reaches "$C" "$CLIENT_OK" "http://$a:8081/"
	check "$n: drops the other client" dropped "$C" "$CLIENT_NO" "http://$a:8081/" 80
done
must dk "$M" stack rm st >/dev/null
check "stack rm: the network leaves W2's guardnet" wait_until 120 test ! -e "$GN_TMP/node-$W2/var-lib/guardnet/networks/$sid.json"

say "# swarm-stack ran in $((SECONDS - t0)) s"
summary
