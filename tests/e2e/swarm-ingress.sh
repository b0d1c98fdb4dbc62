#!/bin/bash
# A service on a guardnet network published in ingress mode (the default
# of docker service create --publish) is reached through Docker's routing
# mesh (DOCKER-INGRESS, docker_gwbridge, the ingress overlay), never
# through guardnet's bridge, and Docker gives guardnet's endpoint an empty
# port map: guardnet cannot refuse it, so it warns in its log and in
# guardnetctl status on every node where the mesh publishes the port.
#
# This machine's kernel has no IPVS, and Docker then makes no routing mesh
# at all: the port is reachable by nobody (checked), and the mesh's DNAT
# is written on W1 by hand, as Docker writes it where the kernel has IPVS,
# to see the real plugin warn.  swarm-ingress-rules.sh covers the rules
# alone (nf_tables and legacy).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-swarm.sh"
scenario swarm-ingress
t0=$SECONDS
log_all_netns

ctl() { in_node "$1" "$GN_ROOT/build/guardnetctl" "${@:2}"; }
# endpoints NS: "PUBLISHED-COUNT" per endpoint of network gnet, sorted.
endpoints() {
	ctl "$1" --json status | python3 -c 'import json, sys
s = json.load(sys.stdin)
print(" ".join(sorted(str(len(e["published"])) for n in s["networks"] if n["id"][:12] == sys.argv[1][:12] for e in n["endpoints"])))' "$GNET"
}
# warned NS: NS's guardnet warns of 8083/tcp in its log and its status.
warned() {
	grep "plugin=$(dk "$1" plugin inspect -f '{{.Id}}' "$GNP")" "$GN_TMP/docker-$1/dockerd.log" |
		grep -q "WARNING: port 8083/tcp is published by Docker's routing mesh" &&
		ctl "$1" status | grep -q "WARNING: 8083/tcp is published by Docker's routing mesh"
}
no_warning() { ! ctl "$1" status | grep -q WARNING; }

must swarm_up
if ! swarm_guardnet_up; then
	die "the global host-mode service runs on every node (nothing more to check without it)"
fi
must dk "$M" service create -d --name ing --mode global --network gnet --no-resolve-image \
	--publish published=8083,target=80 gnbox httpd -f -p 80 -h /www >/dev/null
if ! wait_until 120 service_running ing 3; then
	dk "$M" service ps --no-trunc --format '{{.Node}}: {{.Error}}' ing | sort | uniq -c | head -4
	die "the ingress-mode service runs on every node (nothing more to check without it)"
fi
ok "the ingress-mode service runs on every node"
for n in "${NODES[@]}"; do
	check "$n: guardnet's endpoints: the host-mode task's publishes 1 port, the ingress-mode task's none" \
		test "$(endpoints "$n")" = "0 1"
done

mesh=$(in_ns "$W1" iptables -t nat -S DOCKER-INGRESS 2>/dev/null | grep -c DNAT)
if [ "$mesh" -gt 0 ]; then
	for n in "${NODES[@]}"; do check "$n: guardnet warns of 8083/tcp" wait_until 10 warned "$n"; done
else
	say "# no routing mesh here (no DOCKER-INGRESS: the kernel lacks IPVS)"
	for n in "${NODES[@]}"; do
		check "$n: without the mesh 8083 reaches nothing (UFW drops it)" \
			dropped "$C" "$CLIENT_NO" "http://$(node_addr "$n"):8083/" 8083 "UFW BLOCK"
		check "$n: without the mesh guardnet warns of nothing" no_warning "$n"
	done
	# Docker's rules where the kernel has IPVS (libnetwork programIngress),
	# towards the ingress sandbox on docker_gwbridge.
	must in_ns "$W1" iptables -t nat -N DOCKER-INGRESS
	must in_ns "$W1" iptables -t nat -A DOCKER-INGRESS -p tcp --dport 8083 -j DNAT --to-destination 172.18.0.2:8083
	must in_ns "$W1" iptables -t nat -A DOCKER-INGRESS -j RETURN
	must in_ns "$W1" iptables -t nat -I PREROUTING -m addrtype --dst-type LOCAL -j DOCKER-INGRESS
	check "W1 with the mesh's rules: its guardnet warns of 8083/tcp in dockerd's log and in status" \
		wait_until 10 warned "$W1"
	check "W1 with the mesh's rules: M's guardnet, without them, still warns of nothing" no_warning "$M"
fi

say "# swarm-ingress ran in $((SECONDS - t0)) s"
summary
