#!/bin/bash
# A legacy-iptables host: Docker's chains live in x_tables.  guardnet puts
# its accept rule there through libiptc, puts it back after a flush (its
# periodic check), keeps exactly one, traffic follows the model, and the
# last network gone takes the rule with it.
#
#   [ host H: dockerd on iptables-legacy, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario legacy-docker testbed legacy
legacy() { in_ns "$H" iptables-legacy "$@"; }
hook() { legacy -S DOCKER-USER | grep -q -- '-m mark --mark 0x4e47/0x4e47 -m comment --comment guardnet -j ACCEPT'; }

check "Docker uses legacy iptables here" quiet legacy -S DOCKER-USER
must dk "$H" network create -d "$DRV" --subnet 10.224.1.0/24 -o guardnet.allow=192.0.2.2/32 n1
web be n1 -p 8080:80
check "the accept rule is in iptables-legacy -S DOCKER-USER" hook
expect_open "allowed 192.0.2.2 gets 200" "$O" http://192.0.2.1:8080/ 192.0.2.2
expect_dropped "192.0.2.3 is blocked" "$O" http://192.0.2.1:8080/ 192.0.2.3
expect_open "the host gets 200" "$H" http://127.0.0.1:8080/
must legacy -F DOCKER-USER
check "iptables-legacy -F DOCKER-USER: the rule is back (periodic check)" wait_until 6 hook
expect_open "after the flush: 192.0.2.2 gets 200 again" "$O" http://192.0.2.1:8080/ 192.0.2.2
check "exactly one guardnet rule" test "$(legacy -S DOCKER-USER | grep -c 'comment guardnet')" -eq 1
must dk "$H" rm -f be
must dk "$H" network rm n1
check "the last network gone: no guardnet rule in legacy iptables" bash -c "! nsenter --net=/run/netns/$H iptables-legacy-save | grep -q guardnet"
summary
