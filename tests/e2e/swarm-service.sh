#!/bin/bash
# guardnet as a managed plugin on the three nodes of a swarm: one network
# created on the manager with options and a subnet, a global service
# published in host mode.  Every node's guardnet has the manager's options
# and subnet; every node answers itself and the allowed client, not the
# other client; a UFW rule on one node opens that node only.  Then what a
# user meets beside the service: a standalone container on a worker on the
# attachable network, a refused option (seen only in the manager's log), a
# bridge name a node cannot use (its task fails with guardnet's message).
#
#   client(.100 allowed, .101 not) --- LAN 10.77.0.0/24 --- M(.1)  W1(.2)  W2(.3)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-swarm.sh"
scenario swarm-service
t0=$SECONDS
log_all_netns

# net_state NS EXPR: EXPR (Python, over d: NS's guardnet state file of the
# network GNET) holds.
net_state() {
	python3 - "$GN_TMP/node-$1/var-lib/guardnet/networks/$GNET.json" "$2" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except OSError:
    sys.exit(1)
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
}

# service_running_on SERVICE NS...: SERVICE has a running task on each NS.
service_running_on() {
	local n
	for n in "${@:2}"; do
		dk "$M" service ps "$1" -f desired-state=running --format '{{.Node}} {{.CurrentState}}' | grep -q "^$n Running" || return 1
	done
}

must swarm_up
if ! swarm_guardnet_up; then
	die "the global service runs on every node (nothing more to check without it)"
fi
ok "the global service runs on every node ($((SECONDS - t0)) s)"

for n in "${NODES[@]}"; do
	a=$(node_addr "$n")
	check "$n: guardnet has the manager's options" net_state "$n" \
		"d['Options']['com.docker.network.generic'].get('guardnet.allow', '').split('/')[0] == '$CLIENT_OK'"
	check "$n: guardnet has the manager's subnet" net_state "$n" "d['IPv4Data'][0]['Pool'] == '10.99.0.0/24'"
	check "$n: answers itself on $a:8080" reaches "$n" "" "http://$a:8080/"
	check "$n: answers itself on 127.0.0.1:8080" reaches "$n" "" "http://127.0.0.1:8080/"
	check "$n: answers the allowed client" reaches "$C" "$CLIENT_OK" "http://$a:8080/"
	check "$n: drops the other client" dropped "$C" "$CLIENT_NO" "http://$a:8080/" 80
done

# guardnetctl without --socket finds the plugin's control socket.
ctl_status() { in_node "$W1" "$GN_ROOT/build/guardnetctl" status; }
out=$(ctl_status 2>&1)
check "guardnetctl status on W1 finds the plugin by itself: scope global" grep -q "scope: global (Docker Swarm)" <<<"$out"
check "guardnetctl status on W1: the network and its published port" \
	grep -q "0.0.0.0:8080->80/tcp" <<<"$out"

must in_node "$W1" ufw allow from "$CLIENT_NO" to any port 8080 proto tcp >/dev/null
check "ufw allow on W1: the other client reaches W1" wait_until 5 reaches "$C" "$CLIENT_NO" "http://$(node_addr "$W1"):8080/"
check "ufw allow on W1: M still drops it" dropped "$C" "$CLIENT_NO" "http://$(node_addr "$M"):8080/" 80
check "ufw allow on W1: W2 still drops it" dropped "$C" "$CLIENT_NO" "http://$(node_addr "$W2"):8080/" 80
must in_node "$W1" ufw delete allow from "$CLIENT_NO" to any port 8080 proto tcp >/dev/null
check "ufw delete on W1: W1 drops the other client again" wait_until 5 dropped "$C" "$CLIENT_NO" "http://$(node_addr "$W1"):8080/" 80

must dk "$W1" run -d --name solo --network gnet -p 8090:80 gnbox httpd -f -p 80 -h /www >/dev/null
check "docker run on W1 on the attachable network: the allowed client gets in" \
	wait_until 10 reaches "$C" "$CLIENT_OK" "http://$(node_addr "$W1"):8090/"
check "docker run on W1: the other client is dropped" dropped "$C" "$CLIENT_NO" "http://$(node_addr "$W1"):8090/" 80

must dk "$M" network create -d "$GNP" --attachable -o guardnet.allow=10.77.0.300 --subnet 10.97.0.0/24 badopt >/dev/null
bad=$(dk "$M" network inspect -f '{{.Id}}' badopt)
check "a refused option: docker network create succeeds all the same" test -n "$bad"
check "a refused option: the manager's log has Docker's line and guardnet's reason" wait_until 20 \
	grep -q "Failed allocation for network $bad.*guardnet.allow: invalid CIDR .*10.77.0.300" "$GN_TMP/docker-$M/dockerd.log"

# W2 has a link named like the network's bridge: only W2's task fails.
must in_ns "$W2" ip link add gnbusy type bridge
must dk "$M" network create -d "$GNP" --attachable -o guardnet.bridge=gnbusy --subnet 10.96.0.0/24 busy >/dev/null
must dk "$M" service create -d --name onbusy --mode global --network busy --no-resolve-image gnbox httpd -f -p 80 -h /www >/dev/null
w2_refused() { dk "$M" service ps --no-trunc --format '{{.Node}} {{.Error}}' onbusy | grep -q "^$W2 .*gnbusy"; }
check "a bridge name W2 cannot use: W2's task fails with guardnet's message" wait_until 120 w2_refused
say "# $(dk "$M" service ps --no-trunc --format '{{.Node}}: {{.Error}}' onbusy | grep -m1 "^$W2: .*gnbusy")"
check "a bridge name W2 cannot use: M and W1 run the service" wait_until 30 service_running_on onbusy "$M" "$W1"

say "# swarm-service ran in $((SECONDS - t0)) s"
summary
