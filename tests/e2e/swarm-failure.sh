#!/bin/bash
# A swarm node whose guardnet plugin stops, and one whose dockerd stops,
# keep their published port closed to the client that is not allowed; the
# other nodes keep serving; both come back.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-swarm.sh"
scenario swarm-failure
t0=$SECONDS
log_all_netns

# serves NS: node NS answers the allowed client and drops the other.
serves() {
	local u
	u=http://$(node_addr "$1"):8080/
	reaches "$C" "$CLIENT_OK" "$u" && dropped "$C" "$CLIENT_NO" "$u" 80
}

# plugin_stopped NS: NS's guardnet plugin process is gone.
plugin_stopped() { [ -z "$(plugin_pid "$1" "$GNP")" ]; }

# node_down NS: the manager sees NS as down.
node_down() { dk "$M" node ls --format '{{.Hostname}} {{.Status}}' | grep -q "^$1 Down$"; }

must swarm_up
if ! swarm_guardnet_up; then
	die "the global service runs on every node (nothing more to check without it)"
fi
for n in "${NODES[@]}"; do check "before: $n serves the allowed client only" serves "$n"; done

must dk "$W2" plugin disable -f "$GNP" >/dev/null
check "W2's plugin stopped" wait_until 10 plugin_stopped "$W2"
check "plugin stopped: W2 still drops the other client" dropped "$C" "$CLIENT_NO" "http://$(node_addr "$W2"):8080/" 80
check "plugin stopped: W2 still serves the allowed client" reaches "$C" "$CLIENT_OK" "http://$(node_addr "$W2"):8080/"
# guardnetctl check without guardnetd reads W2's kernel against the state
# it left: the swarm network (a 25-character ID) is there and whole.
out=$(in_node "$W2" "$GN_ROOT/build/guardnetctl" check 2>&1)
rc=$?
check "plugin stopped: guardnetctl check reads the kernel itself (exit $rc, 3: nothing missing)" test "$rc" -eq 3
check "plugin stopped: guardnetctl check finds the swarm network's bridge and chain" \
	grep -q "network ${GNET:0:12}: bridge gn-${GNET:0:12}, in set bridges" <<<"$out"

node_dockerd_stop "$W1"
check "the manager sees W1 down" wait_until 120 node_down "$W1"
# Stopping, dockerd took the task's endpoint away (Leave, DeleteEndpoint):
# the port is no longer published, and W1's UFW drops what comes to it.
check "dockerd stopped: W1 drops the other client (UFW)" \
	dropped "$C" "$CLIENT_NO" "http://$(node_addr "$W1"):8080/" 8080 "UFW BLOCK"
check "dockerd stopped: W1 no longer answers the allowed client" not reaches "$C" "$CLIENT_OK" "http://$(node_addr "$W1"):8080/"
check "M keeps serving" serves "$M"

must dk "$W2" plugin enable "$GNP" >/dev/null
must node_dockerd_start "$W1"
check "recovery: the service runs on every node again" wait_until 150 service_running web 3
for n in "$W1" "$W2"; do check "recovery: $n serves the allowed client only" wait_until 10 serves "$n"; done

say "# swarm-failure ran in $((SECONDS - t0)) s"
summary
