#!/bin/bash
# explain says "accept (rate-limited)" for a port under `ufw limit`, and the
# first connection gets the page.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.4 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario explain-ufw-limit testbed

must dk "$H" network create -d "$DRV" --subnet 10.223.1.0/24 n1
web lim n1 -p 8087:80
must reachable "$H" http://127.0.0.1:8087/
must ufw --force enable
check "ufw limit 8087/tcp" ufw limit 8087/tcp
agree "accept (rate-limited)" outside 192.0.2.4 192.0.2.1 8087 http://192.0.2.1:8087/
summary
