#!/bin/bash
# Publishes that cannot be: a host port another endpoint has, one a host
# process listens on, and any port of an internal network.  Each is refused
# with a message that says why, and the port's owner keeps it.
#
#   [ host H: dockerd, guardnetd, a busybox httpd on 8099 ]
. "$(dirname "$0")/../lib.sh"
scenario publish-conflicts testbed

must dk "$H" network create -d "$DRV" --subnet 10.221.1.0/24 n1
web be n1 -p 8080:80
out=$(dk "$H" run -d --name dup --network n1 -p 8080:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "conflict with another endpoint refused: $out" grep -q 'host port 8080/tcp on 0.0.0.0 is already published by endpoint' <<<"$out"
expect_open "the endpoint that has 8080 still answers" "$H" http://127.0.0.1:8080/

must dk "$H" network create -d "$DRV" --subnet 10.221.5.0/24 n5
nsenter --net=/run/netns/"$H" /bin/busybox httpd -f -p 8099 -h "$GN_TMP" &
GN_PIDS+=($!)
must wait_until 5 in_ns "$H" curl -s -o /dev/null http://127.0.0.1:8099/
out=$(dk "$H" run -d --name dup2 --network n5 -p 8099:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "conflict with a host process refused: $out" grep -q 'host port 8099/tcp on 0.0.0.0 is in use by a process on the host' <<<"$out"

must dk "$H" network create -d "$DRV" --internal --subnet 10.221.6.0/24 nint
out=$(dk "$H" run -d --name inpub --network nint -p 8100:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "internal network refuses -p: $out" grep -q 'is internal and publishes no ports' <<<"$out"
summary
