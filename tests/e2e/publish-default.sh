#!/bin/bash
# A network with no options: the host reaches its published port on every
# host address (IPv4 and IPv6), a container reaches its own published port
# (hairpin), and the outside is dropped, with guardnet's log line.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
#                                  2001:db8:1::1       2001:db8:1::2
. "$(dirname "$0")/../lib.sh"
scenario publish-default testbed
kernel_log_on

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.221.1.0/24 --subnet fd00:221:1::/64 n1
web be n1 -p 8080:80
expect_open "host gets 200 from 127.0.0.1:8080" "$H" http://127.0.0.1:8080/
expect_open "host gets 200 from 192.0.2.1:8080" "$H" http://192.0.2.1:8080/
expect_dropped "outside cannot reach 192.0.2.1:8080" "$O" http://192.0.2.1:8080/
expect_logged "the kernel log shows [GUARDNET BLOCK]" "$O" http://192.0.2.1:8080/
expect_open "host gets 200 from [2001:db8:1::1]:8080" "$H" 'http://[2001:db8:1::1]:8080/'
expect_dropped "outside cannot reach [2001:db8:1::1]:8080" "$O" 'http://[2001:db8:1::1]:8080/'
expect_open "a container reaches its own published port (hairpin)" @be http://192.0.2.1:8080/
summary
