#!/bin/bash
# A service on a guardnet network published in ingress mode (the default
# of docker service create --publish) would be reached through Docker's
# routing mesh (DOCKER-INGRESS, docker_gwbridge, the ingress overlay), never
# through guardnet's bridge: guardnet must refuse it, or warn loudly in its
# log and in guardnetctl status, on every node that runs a task.  Where the
# kernel has IPVS (the routing mesh works), the client that guardnet would
# not allow must not get through either.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-swarm.sh"
trap gn_cleanup EXIT
t0=$SECONDS
log_all_netns

# refused_or_warned NS: NS's task was refused with an error about ingress,
# or NS's guardnet warns about port 8083 in its log and its status.
refused_or_warned() {
	local id
	dk "$M" service ps --no-trunc --format '{{.Node}} {{.Error}}' ing | grep -qi "^$1 .*ingress" && return 0
	grep "plugin=$(dk "$1" plugin inspect -f '{{.Id}}' "$GNP")" "$GN_TMP/docker-$1/dockerd.log" | grep -i ingress | grep -q 8083 || return 1
	id=$(dk "$1" plugin inspect -f '{{.Id}}' "$GNP")
	in_node "$1" "$GN_ROOT/build/guardnetctl" --socket "/run/docker/plugins/$id/control.sock" status | grep -i ingress | grep -q 8083
}

swarm_up || exit 1
if ! swarm_guardnet_up; then
	fail "the global host-mode service runs on every node (nothing more to check without it)"
	summary swarm_ingress
	exit 1
fi
must dk "$M" service create -d --name ing --mode global --network gnet --no-resolve-image \
	--publish published=8083,target=80 gnbox httpd -f -p 80 -h /www >/dev/null
check "the ingress-mode service was processed on every node" wait_until 60 service_settled ing 3
for n in "${NODES[@]}"; do
	check "$n: ingress publishing on a guardnet network is refused or warned about" wait_until 10 refused_or_warned "$n"
done
if in_ns "$W1" iptables -t nat -S DOCKER-INGRESS >/dev/null 2>&1; then
	for n in "${NODES[@]}"; do
		check "$n: the routing mesh does not let the other client in" \
			not reaches "$C" "$CLIENT_NO" "http://$(node_addr "$n"):8083/"
	done
else
	say "# no routing mesh here (no DOCKER-INGRESS chain: the kernel lacks IPVS): reachability not checked"
fi

say "# swarm-ingress ran in $((SECONDS - t0)) s"
summary swarm_ingress
