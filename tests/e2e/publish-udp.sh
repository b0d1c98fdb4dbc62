#!/bin/bash
# A published UDP port: an allowed source and the host get the echo, a
# source not allowed is dropped by guardnet.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario publish-udp testbed

must dk "$H" network create -d "$DRV" --subnet 10.221.5.0/24 -o guardnet.allow=192.0.2.2/32 n5
must dk "$H" run -d --name udp1 --network n5 -p 5353:5353/udp gnbox udp serve 5353
expect_open "UDP from an allowed source" "$O" udp://192.0.2.1:5353 192.0.2.2
expect_open "UDP from the host" "$H" udp://127.0.0.1:5353
expect_dropped "UDP from a source not allowed" "$O" udp://192.0.2.1:5353 192.0.2.3
summary
