#!/bin/bash
# guardnetctl explain's table output, its default --to, and errors that
# name the bad value.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario explain-cli testbed

must dk "$H" network create -d "$DRV" --subnet 10.223.1.0/24 n1
web be n1 -p 8080:80
must ufw --force enable
must ufw allow from 192.0.2.2 to any port 8080 proto tcp
check "table output has the verdict line" wait_until 3 eval \
	"gnctl explain --from 192.0.2.2 --to 192.0.2.1 --port 8080/tcp | grep -q '^verdict: *accept$'"
out=$(gnctl explain --from 192.0.2.2 --port 8080)
check "without --to, the host's address towards the source is used" grep -q '192.0.2.2 -> 192.0.2.1 port 8080/tcp' <<<"$out"
out=$(gnctl explain --from 192.0.2.299 --port 8080 2>&1)
check "a bad --from is named: $out" grep -q '192.0.2.299' <<<"$out"
out=$(gnctl explain --from 192.0.2.2 --port 8080/icmp 2>&1)
check "a bad protocol is named: $out" grep -q 'icmp' <<<"$out"
out=$(gnctl explain --from 192.0.2.2 --to 198.51.100.7 --port 80 2>&1)
check "an address guardnet has no say over is named: $out" grep -q '198.51.100.7 is neither' <<<"$out"
summary
