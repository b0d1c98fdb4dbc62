#!/bin/bash
# Docker loads the plugin again after guardnetd was killed and restarted:
# network create and rm work through the new process.
#
#   [ H: dockerd <-> H's /run/docker/plugins/<driver>.sock <-> guardnetd ]
. "$(dirname "$0")/../lib.sh"
scenario driver-restart docker_host

must dk "$H" network create -d "$DRV" --subnet 10.212.1.0/24 n0
must guardnetd_stop "$H" KILL
must guardnetd_start "$H" "$DRV"
out=$(dk "$H" network create -d "$DRV" --subnet 10.212.0.0/24 n3 2>&1)
check "network create after a guardnetd restart: $out" test $? -eq 0
check "network rm after restart" quiet dk "$H" network rm n3
summary
