#!/bin/bash
# What a container's published ports look like from outside guardnet:
# guardnet's own reports (EndpointOperInfo, guardnetctl status) list exactly
# the bindings it made, each of which answers, and none it refused; Docker's
# views (docker port, docker ps, docker inspect .NetworkSettings.Ports) show
# nothing for a remote driver's endpoint on either engine, since dockerd
# reads no ports from a remote driver (spec/plugin-protocol.md, "What
# docker ps shows"), and must never show a binding guardnet did not make.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
#                                  2001:db8:1::1       2001:db8:1::2
. "$(dirname "$0")/../lib.sh"
scenario driver-docker-ps testbed

# A container serving the page on ports 80, 5000 and 7000-7002.
serve() {
	must dk "$H" run -d --name "$1" --network "$2" "${@:3}" gnbox sh -c \
		'for p in 80 5000 7000 7001 7002; do httpd -p $p -h /www; done; exec sleep 100000'
}
epid() { dk "$H" inspect -f "{{(index .NetworkSettings.Networks \"$2\").EndpointID}}" "$1"; }
# guardnet_ports CONTAINER NETWORK: EndpointOperInfo's bindings, one
# "HOSTIP:HOSTPORT->PORT/PROTO" a line, sorted (IPv6 host addresses in brackets).
guardnet_ports() {
	plugin_call "$DRV" /NetworkDriver.EndpointOperInfo \
		"{\"NetworkID\":\"$(dk "$H" network inspect -f '{{.Id}}' "$2")\",\"EndpointID\":\"$(epid "$1" "$2")\"}" |
		python3 -c 'import json, sys
names = {6: "tcp", 17: "udp"}
for b in json.load(sys.stdin)["Value"]["com.docker.network.portmap"]:
    ip = b["HostIP"] if ":" not in b["HostIP"] else "[" + b["HostIP"] + "]"
    assert b["HostPort"] == b["HostPortEnd"], b
    print("%s:%d->%d/%s" % (ip, b["HostPort"], b["Port"], names[b["Proto"]]))' | sort
}
# docker_ports CONTAINER: docker port's lines in the same form, sorted.
docker_ports() { dk "$H" port "$1" | sed -E 's|^([0-9]+/[a-z]+) -> (.*)$|\2->\1|' | sort; }
# docker_truthful CONTAINER WANT: Docker's three views show nothing, or
# exactly guardnet's bindings; never anything else.
docker_truthful() {
	local got ps ins
	got=$(docker_ports "$1")
	ps=$(dk "$H" ps -a --filter "name=^$1\$" --format '{{.Ports}}')
	ins=$(dk "$H" inspect -f '{{json .NetworkSettings.Ports}}' "$1")
	say "  docker port $1: ${got:-(nothing)}; docker ps: ${ps:-(nothing)}; .NetworkSettings.Ports: $ins"
	if [ -z "$got" ]; then
		[ -z "$ps" ] && { [ "$ins" = "{}" ] || [ "$ins" = null ]; }
	else
		[ "$got" = "$2" ]
	fi
}

# 1. An IPv4-only network: fixed ports, a range of one port per mapping, a
# host address, UDP, HostPort 0, and [::1], which only the relay serves.
must dk "$H" network create -d "$DRV" --subnet 10.230.1.0/24 n4
serve c1 n4 -p 8080:80 -p 127.0.0.1:9000:9000/udp -p 8000-8002:7000-7002 -p 5000 -p '[::1]:8443:443'
got=$(guardnet_ports c1 n4)
eph=$(sed -n 's|^0\.0\.0\.0:\([0-9]*\)->5000/tcp$|\1|p' <<<"$got")
read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
check "HostPort 0: guardnet chose port ${eph:-none} in $lo-$hi" test -n "$eph" -a "${eph:-0}" -ge "$lo" -a "${eph:-0}" -le "$hi"
want=$(printf '%s\n' 0.0.0.0:8080-\>80/tcp 127.0.0.1:9000-\>9000/udp 0.0.0.0:8000-\>7000/tcp 0.0.0.0:8001-\>7001/tcp \
	0.0.0.0:8002-\>7002/tcp "0.0.0.0:$eph->5000/tcp" | sort)
check "EndpointOperInfo lists exactly guardnet's bindings, nothing on IPv6: $(echo $got)" test "$got" = "$want"
expect_open "the chosen port answers: 127.0.0.1:$eph" "$H" "http://127.0.0.1:$eph/"
expect_open "a port of the range answers: 127.0.0.1:8002" "$H" http://127.0.0.1:8002/
expect_open "positive control: 127.0.0.1:8080 answers" "$H" http://127.0.0.1:8080/
# Docker sends the [::1] binding of an IPv4-only network, and its bridge
# would serve it with docker-proxy: guardnet's relay serves it, for the host
# alone (plan-relay.c; attack-loopback6 shows nothing else reaches ::1). The
# relay starts listening after the request is answered: polled.
relay_listens() { in_ns "$H" ss -ltnpH 'sport = :8443' | grep -q '\[::1\]:8443 .*"guardnetd"'; }
check "[::1]:8443: guardnet's relay serves it, as docker-proxy would" wait_until 10 relay_listens
must_read st gnctl status
check "guardnetctl status shows the chosen port" grep -q "0.0.0.0:$eph->5000/tcp" <<<"$st"
check "guardnetctl status shows the UDP binding" grep -q '127.0.0.1:9000->9000/udp' <<<"$st"
check "Docker's views show no binding guardnet did not make (c1)" docker_truthful c1 "$want"

# 2. A range whose first port is taken: guardnet takes the next one.
serve c2 n4 -p 8080-8090:80
check "range 8080-8090 with 8080 taken: 8081" test "$(guardnet_ports c2 n4)" = "0.0.0.0:8081->80/tcp"
expect_open "127.0.0.1:8081 answers" "$H" http://127.0.0.1:8081/
check "Docker's views show no binding guardnet did not make (c2)" docker_truthful c2 "0.0.0.0:8081->80/tcp"

# 3. Dual stack: both families.
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.230.2.0/24 --subnet fd00:230:2::/64 \
	-o guardnet.allow=2001:db8:1::2/128 n6
serve c3 n6 -p 8181:80
want=$(printf '%s\n' '0.0.0.0:8181->80/tcp' '[::]:8181->80/tcp' | sort)
check "dual stack: IPv4 and IPv6 bindings" test "$(guardnet_ports c3 n6)" = "$want"
expect_open "the IPv6 binding answers 2001:db8:1::2" "$O" 'http://[2001:db8:1::1]:8181/' 2001:db8:1::2
check "Docker's views show no binding guardnet did not make (c3)" docker_truthful c3 "$want"

# 4. A publish guardnet refuses: the container does not start, nothing is bound.
must dk "$H" network create -d "$DRV" --subnet 10.230.3.0/24 -o guardnet.publish=127.0.0.1 np
out=$(dk "$H" run -d --name c4 --network np -p 192.0.2.1:8282:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "refused: docker run fails with guardnet's message naming HostIP and guardnet.publish" grep -q \
	'HostIP 192.0.2.1 (port 8282/tcp) is not allowed by guardnet.publish=127.0.0.1' <<<"$out"
expect_refused "refused: nothing answers on 192.0.2.1:8282" "$H" http://192.0.2.1:8282/
check "Docker's views show no binding for the refused container" docker_truthful c4 ""

# 5. Why: dockerd keeps EndpointOperInfo's port map and exposed ports only
# as its own Go types, which a remote driver's JSON never becomes.  Docker's
# bridge driver shows both (the control: these views can show ports here);
# guardnet's answer has both and Docker shows neither.
web_at 80 b5 bridge -p 8383:80 --expose 9999
web_at 80 c5 n4 -p 8484:80 --expose 9999
ps_of() { dk "$H" ps --filter "name=^$1\$" --format '{{.Ports}}'; }
check "control: Docker's bridge shows its binding and the exposed port: $(ps_of b5)" \
	eval '[[ "$(ps_of b5)" == *"0.0.0.0:8383->80/tcp"* && "$(ps_of b5)" == *"9999/tcp"* ]]'
must_read info plugin_call "$DRV" /NetworkDriver.EndpointOperInfo \
	"{\"NetworkID\":\"$(dk "$H" network inspect -f '{{.Id}}' n4)\",\"EndpointID\":\"$(epid c5 n4)\"}"
check "guardnet answers c5's binding and exposed ports" python3 -c 'import json, sys
v = json.loads(sys.argv[1])["Value"]
assert [(b["HostIP"], b["HostPort"], b["Port"]) for b in v["com.docker.network.portmap"]] == [("0.0.0.0", 8484, 80)], v
assert sorted(p["Port"] for p in v["com.docker.network.endpoint.exposedports"]) == [80, 9999], v' "$info"
check "docker ps shows neither for c5 (PORTS: '$(ps_of c5)')" test -z "$(ps_of c5)"
expect_open "while c5's binding answers: 127.0.0.1:8484" "$H" http://127.0.0.1:8484/
summary
