#!/bin/bash
# With UFW enabled and no UFW rule for the port, guardnet.allow admits its
# source and every other source gets UFW's default incoming policy (deny).
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-allowlist testbed

must dk "$H" network create -d "$DRV" --subnet 10.222.2.0/24 -o guardnet.allow=192.0.2.2/32 n2
web al n2 -p 8085:80
must ufw --force enable
eventually open "no UFW rule matches: guardnet.allow admits 192.0.2.2" "$O" http://192.0.2.1:8085/ 192.0.2.2
expect_dropped "no UFW rule matches: 192.0.2.3 gets UFW's default deny" "$O" http://192.0.2.1:8085/ 192.0.2.3
summary
