#!/bin/bash
# A compose project on a guardnet network with driver_opts: up, the client
# reaches the web service by name, the MTU comes from driver_opts, and
# down leaves no link and no state.
#
#   [ host H: dockerd, guardnetd, docker-compose ]
. "$(dirname "$0")/../lib.sh"
scenario bridges-compose testbed

proj=$GN_TMP/proj
mkdir -p "$proj"
cat >"$proj/docker-compose.yml" <<YML
version: "2.4"
services:
  web:
    image: gnbox
    command: httpd -f -p 80 -h /www
    networks: [backend]
  client:
    image: gnbox
    command: sleep 1000
    networks: [backend]
networks:
  backend:
    driver: $DRV
    driver_opts: {guardnet.allow: "10.0.0.0/8", com.docker.network.driver.mtu: "1450"}
    ipam: {config: [{subnet: 10.220.5.0/24}]}
YML
check "compose up" quiet compose "$proj" gnproj up -d
client=$(compose_ctr "$proj" gnproj client)
check "compose: client reaches web by name" \
	wait_until 5 eval 'dk "$H" exec "$client" timeout 3 wget -qO- http://web/ | grep -q hello'
check "compose: MTU from driver_opts" test "$(dk "$H" exec "$client" cat /sys/class/net/eth0/mtu)" = 1450
check "compose down" quiet compose "$proj" gnproj down
check "compose down: no gn link left" test "$(gn_links "$H")" -eq 0
check "compose down: no state left" no_state "$H"
summary
