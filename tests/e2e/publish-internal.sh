#!/bin/bash
# A container with -p on an internal guardnet network and on a network that
# publishes (Docker's bridge or guardnet): it starts, its ports answer
# through that gateway network, and the internal network publishes nothing
# (Docker never sends it ProgramExternalConnectivity: Join answered it
# without a gateway).  Alone on an internal network, -p publishes nothing
# and the container still starts, as on an internal Docker bridge network.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario publish-internal testbed

must dk "$H" network create -d "$DRV" --internal --subnet 10.226.1.0/24 gint
must dk "$H" network create --subnet 10.226.2.0/24 edge
must dk "$H" network create -d "$DRV" --subnet 10.226.3.0/24 -o guardnet.allow=192.0.2.3 gpub
must dk "$H" network create --internal --subnet 10.226.4.0/24 bint

# oper_ports CONTAINER NETWORK: guardnet's bindings for the container's
# endpoint on NETWORK (EndpointOperInfo), "HOSTIP:PORT->PORT" a line.
oper_ports() {
	local nid eid
	nid=$(dk "$H" network inspect -f '{{.Id}}' "$2") &&
		eid=$(dk "$H" inspect -f "{{(index .NetworkSettings.Networks \"$2\").EndpointID}}" "$1") &&
		plugin_call "$DRV" /NetworkDriver.EndpointOperInfo "{\"NetworkID\":\"$nid\",\"EndpointID\":\"$eid\"}" |
		python3 -c 'import json, sys
for b in json.load(sys.stdin)["Value"]["com.docker.network.portmap"]:
    print("%s:%d->%d" % (b["HostIP"], b["HostPort"], b["Port"]))'
}
# no_dnat_to ADDR: guardnet's table sends no published port to ADDR.
no_dnat_to() { ! in_ns "$H" nft list table inet guardnet | grep -qF "$1 . "; }

# 1. Docker's bridge publishes: front is on edge and on gint, created on
# gint so that Docker joins gint first with the container's port map.
must dk "$H" create --name front --network gint -p 8080:80 gnbox httpd -f -p 80 -h /www
must dk "$H" network connect edge front
check "front (on gint and edge, -p 8080:80) starts" quiet dk "$H" start front
check "front's gateway is edge" gateway_of front edge
expect_open "the outside reaches front on 8080 through edge" "$O" http://192.0.2.1:8080/ 192.0.2.2
must_read fint ctr_ip "$H" front gint
check "guardnet publishes nothing for front on gint: $(oper_ports front gint | tr '\n' ' ')" \
	test -z "$(oper_ports front gint)"
check "guardnet's table sends no port to front's gint address $fint" no_dnat_to "$fint"
check "guardnetd says the internal network leaves the ports to the gateway" \
	grep -q "joined internal network .*: its 1 port mapping(s) are its gateway network's to publish, none here" \
	"$GN_TMP/gn-$H/guardnetd.log"
web back gint
expect_open "positive control: back reaches front on gint" @back "http://$fint/"

# 2. guardnet publishes: api is on gint and on gpub (192.0.2.3 allowed).
must dk "$H" create --name api --network gint -p 8081:80 gnbox httpd -f -p 80 -h /www
must dk "$H" network connect gpub api
check "api (on gint and gpub, -p 8081:80) starts" quiet dk "$H" start api
check "api's gateway is gpub" gateway_of api gpub
must_read aint ctr_ip "$H" api gint
must_read apub ctr_ip "$H" api gpub
check "guardnet publishes 8081 for api on gpub" test "$(oper_ports api gpub)" = "0.0.0.0:8081->80"
check "and nothing for api on gint" test -z "$(oper_ports api gint)"
check "guardnet's table sends 8081 to api's gpub address $apub, nothing to its gint address $aint" \
	eval "! no_dnat_to '$apub' && no_dnat_to '$aint'"
expect_open "allowed 192.0.2.3 reaches api on 8081" "$O" http://192.0.2.1:8081/ 192.0.2.3
expect_dropped "192.0.2.2 is not allowed: gpub's rules decide, as for any published port" "$O" \
	http://192.0.2.1:8081/ 192.0.2.2
expect_open "the host reaches api on 127.0.0.1:8081" "$H" http://127.0.0.1:8081/

# 3. Alone on an internal network, as on Docker's internal bridge: the
# container starts and nothing is published.
check "lone (only on gint, -p 8082:80) starts" quiet dk "$H" run -d --name lone --network gint -p 8082:80 \
	gnbox httpd -f -p 80 -h /www
check "so does one only on an internal Docker bridge network (-p 8083:80)" \
	quiet dk "$H" run -d --name blone --network bint -p 8083:80 gnbox httpd -f -p 80 -h /www
must_read lint ctr_ip "$H" lone gint
expect_open "positive control: back reaches lone on gint" @back "http://$lint/"
check "guardnet publishes nothing for lone" test -z "$(oper_ports lone gint)"
expect_refused "the host finds nothing on 127.0.0.1:8082" "$H" http://127.0.0.1:8082/
expect_refused "nor does the outside on 192.0.2.1:8082" "$O" http://192.0.2.1:8082/ 192.0.2.3
expect_refused "nor on Docker's 8083, its internal bridge publishes nothing either" "$H" http://127.0.0.1:8083/
summary
