#!/bin/bash
# Isolation: a container's address is reached neither straight from the
# outside (with a route to it) nor from another guardnet network or
# Docker's bridge, and a guardnet container does not reach Docker's
# bridge; each drop is guardnet's, next to a connection that works.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O, route to n1 via H ]
. "$(dirname "$0")/../lib.sh"
scenario publish-isolation testbed

must dk "$H" network create -d "$DRV" --subnet 10.221.1.0/24 n1
must dk "$H" network create -d "$DRV" --subnet 10.221.2.0/24 n2
web be n1 -p 8080:80
web peer n1
web be2 n2
web dbr bridge
must ip -n "$O" route add 10.221.1.0/24 via 192.0.2.1
must_read bip ctr_ip "$H" be n1
must_read dip ctr_ip "$H" dbr bridge
expect_open "the host reaches $bip directly" "$H" "http://$bip/"
expect_dropped "outside with a route cannot reach $bip directly" "$O" "http://$bip/" 192.0.2.2
expect_open "a container of the same network reaches $bip" @peer "http://$bip/"
expect_dropped "a container of another guardnet network cannot reach $bip" @be2 "http://$bip/"
expect_open "the host reaches the container on Docker's bridge" "$H" "http://$dip/"
expect_dropped "a container on Docker's bridge cannot reach $bip" @dbr "http://$bip/"
expect_dropped "a guardnet container cannot reach Docker's bridge" @be "http://$dip/"
summary
