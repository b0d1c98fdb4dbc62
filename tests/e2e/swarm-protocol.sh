#!/bin/bash
# What Docker 20.10 sends a remote network driver in a Swarm, measured with
# a probe driver (tests/tools/driver-probe.py) packaged as a managed plugin
# on three nodes: the facts spec/plugin-protocol.md ("Swarm") rests on.  It
# tests Docker, not guardnet, so that a Docker that behaves otherwise is
# noticed.
#
#   client(.100,.101) --- LAN 10.77.0.0/24 --- M(.1, manager)  W1(.2)  W2(.3)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-swarm.sh"
scenario swarm-protocol
t0=$SECONDS

# probe_plugin: the probe as a managed plugin directory.  It runs the
# machine's python3 from /usr, mounted read-only, and logs to the node's
# /var/lib/probe.
probe_plugin() {
	local d=$GN_TMP/probe l
	mkdir -p "$d/rootfs/run/docker/plugins" "$d/rootfs/usr" "$d/rootfs/var/lib/probe" "$d/rootfs/tmp"
	for l in bin lib lib64 sbin; do ln -s "usr/$l" "$d/rootfs/$l"; done
	cp "$GN_ROOT/tests/tools/driver-probe.py" "$d/rootfs/probe.py"
	cat >"$d/config.json" <<'EOF'
{"Description": "a network driver that records what Docker sends it",
 "Interface": {"Types": ["docker.networkdriver/1.0"], "Socket": "probe.sock"},
 "Entrypoint": ["/usr/bin/python3", "/probe.py"],
 "Network": {"Type": "host"},
 "Linux": {"Capabilities": ["CAP_NET_ADMIN"]},
 "Env": [{"Name": "PROBE_SCOPE", "Settable": ["value"], "Value": "global"},
         {"Name": "PROBE_CONNECTIVITY", "Settable": ["value"], "Value": "local"}],
 "Mounts": [{"Source": "/usr", "Destination": "/usr", "Type": "bind", "Options": ["rbind", "ro"]},
            {"Source": "/var/lib/probe", "Destination": "/var/lib/probe", "Type": "bind", "Options": ["rbind", "rw"]}]}
EOF
	echo "$d"
}

# q NS EXPR: true when the Python expression EXPR holds over what NS's probe
# logged: calls(M) lists the requests of method M (without the
# "NetworkDriver." prefix), replies(M) the replies.
q() {
	python3 - "$GN_TMP/node-$1/var-lib/probe/requests.jsonl" "$2" <<'EOF'
import json, os, re, sys
path, expr = sys.argv[1], sys.argv[2]
log = [json.loads(l) for l in open(path)] if os.path.exists(path) else []
def calls(m): return [x["request"] for x in log if x["method"] == "NetworkDriver." + m]
def replies(m): return [x["reply"] for x in log if x["method"] == "NetworkDriver." + m]
def of(m, nid): return [c for c in calls(m) if c.get("NetworkID") == nid]
sys.exit(0 if eval(expr) else 1)
EOF
}

# on_every_node EXPR: q holds on M, W1 and W2.
on_every_node() { local n; for n in "${NODES[@]}"; do q "$n" "$1" || return 1; done; }

# on_no_node EXPR NS...: q holds on none of the nodes named.
on_no_node() { local e=$1 n; shift; for n in "$@"; do q "$n" "$e" && return 1; done; return 0; }

# tasks_gone NS: no container left on NS.
tasks_gone() { [ -z "$(dk "$1" ps -aq)" ]; }

must swarm_up
probe=$(probe_plugin)
for n in "${NODES[@]}"; do
	mkdir -p "$GN_TMP/node-$n/var-lib/probe"
	must dk "$n" plugin create probe "$probe" >/dev/null
	must dk "$n" plugin enable probe >/dev/null
done
say "# swarm and probes up after $((SECONDS - t0)) s"

say "# --- a global-scope driver (GetCapabilities Scope global, ConnectivityScope local)"
must dk "$M" network create -d probe:latest --attachable -o guardnet.allow="$CLIENT_OK" \
	-o com.docker.network.driver.mtu=1400 --subnet 10.99.0.0/24 --gateway 10.99.0.1 pnet >/dev/null
nid=$(dk "$M" network inspect -f '{{.Id}}' pnet)
check "a swarm network ID is 25 base-36 characters: $nid" grep -qE '^[0-9a-z]{25}$' <<<"$nid"
check "the network is swarm-scoped without --scope swarm" test "$(dk "$M" network inspect -f '{{.Scope}}' pnet)" = swarm
check "every node's driver got DiscoverNew with its own address (Self)" on_every_node \
	'any(c["DiscoveryData"]["Self"] and c["DiscoveryData"]["Address"].startswith("10.77.0.") for c in calls("DiscoverNew"))'
check "AllocateNetwork on the manager: the -o options as a flat map, the subnet and gateway its IPAM gave" q "$M" \
	"of('AllocateNetwork', '$nid') and of('AllocateNetwork', '$nid')[0]['Options'] == {'guardnet.allow': '$CLIENT_OK', 'com.docker.network.driver.mtu': '1400'} and [(d['Pool'], d['Gateway']) for d in of('AllocateNetwork', '$nid')[0]['IPv4Data']] == [('10.99.0.0/24', '10.99.0.1/24')]"
check "no AllocateNetwork on the workers" on_no_node 'calls("AllocateNetwork")' "$W1" "$W2"
check "no node has the network before a task is there" on_no_node "of('CreateNetwork', '$nid')" "${NODES[@]}"

must dk "$M" service create -d --name web --mode global --network pnet --no-resolve-image \
	--publish mode=host,published=8080,target=80 gnbox httpd -f -p 80 -h /www >/dev/null
check "the global service runs on the three nodes" wait_until 120 service_running web 3
check "every node's CreateNetwork carries AllocateNetwork's reply as its options" on_every_node \
	"of('CreateNetwork', '$nid') and of('CreateNetwork', '$nid')[0]['Options']['com.docker.network.generic'] == {'guardnet.allow': '$CLIENT_OK', 'com.docker.network.driver.mtu': '1400', 'probe.allocated': '$nid'}"
check "every node's CreateNetwork has the manager's subnet and gateway" on_every_node \
	"[(d['Pool'], d['Gateway']) for d in of('CreateNetwork', '$nid')[0]['IPv4Data']] == [('10.99.0.0/24', '10.99.0.1/24')]"
addrs=$(for n in "${NODES[@]}"; do q "$n" "print(of('CreateEndpoint', '$nid')[0]['Interface']['Address']) or True"; done)
check "the manager gives every task its own address: $(tr "\n" " " <<<"$addrs")" test "$(sort -u <<<"$addrs" | grep -c '^10\.99\.0\.')" -eq 3
check "endpoint IDs stay 64 hex digits" on_every_node \
	"all(re.fullmatch('[0-9a-f]{64}', c['EndpointID']) for c in of('CreateEndpoint', '$nid'))"
check "Join and ProgramExternalConnectivity carry the host-mode port (8080->80)" on_every_node \
	"any(p['HostPort'] == 8080 and p['Port'] == 80 for c in of('ProgramExternalConnectivity', '$nid') for p in c['Options']['com.docker.network.portmap'])"

stack_file "$GN_TMP/stack.yml" probe:latest "{guardnet.allow: 10.77.0.100}"
must dk "$M" stack deploy --resolve-image never -c "$GN_TMP/stack.yml" st >/dev/null
sid=$(dk "$M" network inspect -f '{{.Id}}' st_back)
check "docker stack deploy makes a swarm network with the driver ($sid)" test "$(dk "$M" network inspect -f '{{.Scope}}' st_back)" = swarm
check "the stack's service runs on the three nodes" wait_until 120 service_running st_api 3
check "stack: driver_opts and the ipam subnet reach every node" on_every_node \
	"of('CreateNetwork', '$sid') and of('CreateNetwork', '$sid')[0]['Options']['com.docker.network.generic'].get('guardnet.allow') == '$CLIENT_OK' and of('CreateNetwork', '$sid')[0]['IPv4Data'][0]['Pool'] == '10.98.0.0/24'"

must dk "$M" service create -d --name ing --mode global --network pnet --no-resolve-image \
	--publish published=8083,target=80 gnbox httpd -f -p 80 -h /www >/dev/null
check "a service published in ingress mode runs" wait_until 120 service_running ing 3
check "the driver sees no port of an ingress-mode service (empty port map)" on_every_node \
	"any(c['Options']['com.docker.network.portmap'] == [] for c in of('Join', '$nid'))"

must dk "$M" network create -d probe:latest --attachable -o probe.refuse=1 bad >/dev/null
bid=$(dk "$M" network inspect -f '{{.Id}}' bad)
check "an AllocateNetwork error does not fail docker network create" test -n "$bid"
check "the error is only in the manager's log" wait_until 10 grep -q "Failed allocation for network $bid.*probe.refuse: refused as asked" "$GN_TMP/docker-$M/dockerd.log"

must dk "$M" network create -d probe:latest --attachable --ipv6 --subnet 10.96.0.0/24 --subnet fd00:96::/64 v6 >/dev/null
vid=$(dk "$M" network inspect -f '{{.Id}}' v6)
# By ID: a worker that has no task on it yet does not know the name, and
# dockerd then takes "v6" as the prefix of any network's ID (the CI of
# 2dd38b0 ran into the stack's network v6mdft1...: "st_back not manually
# attachable").
must dk "$W1" run --rm --network "$vid" gnbox true
check "IPv6: AllocateNetwork gets the IPv6 pool inside IPv4Data (IPv6Data empty)" q "$M" \
	"(sorted(d['Pool'] for d in of('AllocateNetwork', '$vid')[0]['IPv4Data']) == ['10.96.0.0/24', 'fd00:96::/64'] and not of('AllocateNetwork', '$vid')[0]['IPv6Data']) or print('# AllocateNetwork:', of('AllocateNetwork', '$vid'))"
check "IPv6: a node's CreateNetwork has it in IPv6Data" q "$W1" \
	"[d['Pool'] for d in of('CreateNetwork', '$vid')[0]['IPv6Data']] == ['fd00:96::/64']"

must dk "$M" service rm web ing >/dev/null
must dk "$M" stack rm st >/dev/null
check "tasks gone from W2" wait_until 120 tasks_gone "$W2"
check "DeleteNetwork on every node once its last task is gone" wait_until 30 on_every_node "of('DeleteNetwork', '$nid')"
must dk "$M" network rm pnet >/dev/null
check "FreeNetwork on the manager after docker network rm" wait_until 30 q "$M" "calls('FreeNetwork') and any(c['NetworkID'] == '$nid' for c in calls('FreeNetwork'))"
must dk "$M" network rm bad v6 >/dev/null

say "# --- a global-scope driver: where networks cannot be made"
A=${GN_TAG}a
must node_add "$A"
must node_dockerd_start "$A"
mkdir -p "$GN_TMP/node-$A/var-lib/probe"
must dk "$A" plugin create probe "$probe" >/dev/null
must dk "$A" plugin enable probe >/dev/null
out=$(dk "$A" network create -d probe:latest --subnet 10.91.0.0/24 n 2>&1)
check "not in a swarm: refused ($out)" grep -q 'not a swarm manager' <<<"$out"
out=$(dk "$A" network create -d probe:latest --scope local --subnet 10.91.0.0/24 n 2>&1)
check "not in a swarm, --scope local: refused ($out)" grep -q 'cannot downgrade network scope' <<<"$out"
out=$(dk "$W1" network create -d probe:latest --subnet 10.91.0.0/24 n 2>&1)
check "on a worker: refused ($out)" grep -q 'Cannot create a multi-host network from a worker node' <<<"$out"
out=$(dk "$M" network create -d probe:latest --scope local --subnet 10.91.0.0/24 n 2>&1)
check "on the manager, --scope local: refused ($out)" grep -q 'cannot downgrade network scope' <<<"$out"

say "# --- a local-scope driver (what guardnet answers today)"
for n in "${NODES[@]}"; do
	must dk "$n" plugin disable probe >/dev/null
	must dk "$n" plugin set probe PROBE_SCOPE=local PROBE_CONNECTIVITY=
	must dk "$n" plugin enable probe >/dev/null
done
must dk "$M" network create -d probe:latest --scope swarm --attachable -o guardnet.allow="$CLIENT_OK" --subnet 10.95.0.0/24 lnet >/dev/null
lid=$(dk "$M" network inspect -f '{{.Id}}' lnet)
must dk "$M" service create -d --name lweb --mode global --network lnet --no-resolve-image gnbox httpd -f -p 80 -h /www >/dev/null
check "local scope: the service runs on the three nodes" wait_until 120 service_running lweb 3
check "local scope: no AllocateNetwork" on_no_node "of('AllocateNetwork', '$lid')" "$M"
check "local scope: the nodes get neither the options nor the subnet" on_every_node \
	"of('CreateNetwork', '$lid')[0]['Options']['com.docker.network.generic'] == {} and of('CreateNetwork', '$lid')[0]['IPv4Data'][0]['Pool'] != '10.95.0.0/24'"
out=$(dk "$M" stack deploy --resolve-image never -c "$GN_TMP/stack.yml" st2 2>&1)
check "local scope: docker stack deploy refuses the network" grep -q 'cannot be used with services' <<<"$out"
i=1
for n in "${NODES[@]}"; do
	must dk "$n" network create --config-only --subnet 10.94.0.0/24 -o guardnet.allow="$CLIENT_OK" -o guardnet.publish=10.77.0.$i cfg >/dev/null
	i=$((i + 1))
done
must dk "$M" network create -d probe:latest --scope swarm --config-from cfg --attachable cnet >/dev/null
cid=$(dk "$M" network inspect -f '{{.Id}}' cnet)
must dk "$M" service create -d --name cweb --mode global --network cnet --no-resolve-image gnbox httpd -f -p 80 -h /www >/dev/null
check "local scope, --config-from: the service runs on the three nodes" wait_until 120 service_running cweb 3
i=1
for n in "${NODES[@]}"; do
	check "local scope, --config-from: $n gets its own config-only network's options and subnet" q "$n" \
		"of('CreateNetwork', '$cid')[0]['Options']['com.docker.network.generic'] == {'guardnet.allow': '$CLIENT_OK', 'guardnet.publish': '10.77.0.$i'} and of('CreateNetwork', '$cid')[0]['IPv4Data'][0]['Pool'] == '10.94.0.0/24'"
	i=$((i + 1))
done

# GN_RECORD_DIR=DIR keeps every node's record (spec/fixtures/ is made from it).
if [ -n "${GN_RECORD_DIR:-}" ]; then
	for n in "${NODES[@]}"; do cp "$GN_TMP/node-$n/var-lib/probe/requests.jsonl" "$GN_RECORD_DIR/${n#"$GN_TAG"}.jsonl"; done
fi
say "# swarm-protocol ran in $((SECONDS - t0)) s"
summary
