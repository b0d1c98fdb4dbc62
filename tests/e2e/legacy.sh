#!/bin/bash
# A legacy-iptables host: Docker's chains live in x_tables.  guardnet puts
# its accept rule there through libiptc, keeps it there, and traffic follows
# the model.
#
#   [ host H: dockerd on iptables-legacy, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

testbed legacy || exit 1
legacy() { in_ns "$H" iptables-legacy "$@"; }
check "Docker uses legacy iptables here" quiet legacy -S DOCKER-USER

hello="hello from guardnet"
outside() { in_ns "$O" curl -s -m 2 --interface "$1" "$2" 2>/dev/null; }
dk "$H" network create -d "$DRV" --subnet 10.224.1.0/24 -o guardnet.allow=192.0.2.2/32 n1 >/dev/null
dk "$H" run -d --name be --network n1 -p 8080:80 gnbox httpd -f -p 80 -h /www >/dev/null
hook() { legacy -S DOCKER-USER | grep -q -- '-m mark --mark 0x4e47/0x4e47 -m comment --comment guardnet -j ACCEPT'; }
check "the accept rule is in iptables-legacy -S DOCKER-USER" hook
check "allowed 192.0.2.2 gets 200" test "$(outside 192.0.2.2 http://192.0.2.1:8080/)" = "$hello"
check "192.0.2.3 is blocked" test -z "$(outside 192.0.2.3 http://192.0.2.1:8080/)"
check "the host gets 200" test "$(in_ns "$H" curl -s -m 2 http://127.0.0.1:8080/)" = "$hello"
legacy -F DOCKER-USER
check "iptables-legacy -F DOCKER-USER: the rule is back (periodic check)" wait_until 6 hook
check "after the flush: 192.0.2.2 gets 200 again" test "$(outside 192.0.2.2 http://192.0.2.1:8080/)" = "$hello"
check "exactly one guardnet rule" test "$(legacy -S DOCKER-USER | grep -c 'comment guardnet')" -eq 1

# UFW on the other iptables than Docker: guardnet warns, loudly.
check "ufw enable (on nf_tables)" ufw --force enable
check "guardnetd warns that Docker and UFW disagree" wait_until 6 grep -q \
	'WARNING: Docker uses legacy iptables and UFW uses nf_tables iptables' "$GN_TMP/gn-$H/guardnetd.log"
check "ufw disable" ufw disable

# UFW on legacy iptables too: UFW's rules decide as on nf_tables hosts.
export UFW_LEGACY=1
check "ufw enable (on legacy iptables)" ufw --force enable
check "UFW's chains are in legacy iptables" quiet legacy -S ufw-user-input
check "ufw allow from 192.0.2.3 to any port 8080" ufw allow from 192.0.2.3 to any port 8080
check "UFW allow: 192.0.2.3 admitted" wait_until 3 bash -c \
	"[ \"\$(nsenter --net=/run/netns/$O curl -s -m 1 --interface 192.0.2.3 http://192.0.2.1:8080/)\" = '$hello' ]"
check "UFW on: 192.0.2.2 still admitted by guardnet.allow" test "$(outside 192.0.2.2 http://192.0.2.1:8080/)" = "$hello"
check "ufw deny from 192.0.2.2" ufw insert 1 deny from 192.0.2.2
check "UFW deny comes first: 192.0.2.2 blocked" wait_until 3 bash -c \
	"[ -z \"\$(nsenter --net=/run/netns/$O curl -s -m 1 --interface 192.0.2.2 http://192.0.2.1:8080/)\" ]"
check "ufw reload (legacy)" ufw reload
check "after ufw reload: the accept rule is still there" wait_until 6 hook
check "after ufw reload: 192.0.2.3 admitted" test "$(outside 192.0.2.3 http://192.0.2.1:8080/)" = "$hello"
unset UFW_LEGACY
dk "$H" rm -f be >/dev/null
dk "$H" network rm n1 >/dev/null
check "the last network gone: no guardnet rule in legacy iptables" bash -c "! nsenter --net=/run/netns/$H iptables-legacy-save | grep -q guardnet"

[ "$GN_FAILED" -gt 0 ] && { say "--- guardnetd log"; tail -30 "$GN_TMP/gn-$H/guardnetd.log"; }
summary legacy
