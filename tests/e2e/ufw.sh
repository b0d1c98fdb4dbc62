#!/bin/bash
# UFW decides: Debian's ufw, enabled inside the test host with its own
# /etc/ufw, and published ports that follow its rules as a host service would.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
#                                       2001:db8:1::1      2001:db8:1::2, ::3
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

testbed || exit 1
check "ufw --force enable" ufw --force enable

hello="hello from guardnet"
get() { in_ns "$1" curl -s -m 3 ${2:+--interface "$2"} "$3" 2>/dev/null; }
outside() { get "$O" "$1" "$2"; }
host() { get "$H" "" "$1"; }
web() { dk "$H" run -d --name "$1" --network "$2" "${@:3}" gnbox httpd -f -p 80 -h /www >/dev/null; }
# reaches SRC URL: polls (a UFW change applies within a second) until SRC gets the page.
reaches() { wait_until 3 bash -c "[ \"\$(nsenter --net=/run/netns/$O curl -s -m 1 --interface $1 '$2')\" = '$hello' ]"; }
blocked() { ! wait_until 2 bash -c "[ -n \"\$(nsenter --net=/run/netns/$O curl -s -m 1 --interface $1 '$2')\" ]"; }

dk "$H" network create -d "$DRV" --ipv6 --subnet 10.222.1.0/24 --subnet fd00:222:1::/64 n1 >/dev/null
web be n1 -p 8080:80

# The seed scenario: default deny incoming and ufw deny 8080.
check "ufw deny 8080" ufw deny 8080
check "deny 8080: outside blocked" blocked 192.0.2.2 http://192.0.2.1:8080/
check "deny 8080: the host still gets 200" test "$(host http://127.0.0.1:8080/)" = "$hello"
check "ufw insert 1 allow from 192.0.2.2 to any port 8080" ufw insert 1 allow from 192.0.2.2 to any port 8080
check "allow from 192.0.2.2: admitted" reaches 192.0.2.2 http://192.0.2.1:8080/
check "allow from 192.0.2.2: 192.0.2.3 still blocked" blocked 192.0.2.3 http://192.0.2.1:8080/
check "ufw delete allow from 192.0.2.2" ufw delete allow from 192.0.2.2 to any port 8080
check "after the delete: 192.0.2.2 blocked again" blocked 192.0.2.2 http://192.0.2.1:8080/

# IPv6 through user6.rules
check "ufw prepend allow from 2001:db8:1::2 to any port 8080" ufw prepend allow from 2001:db8:1::2 to any port 8080
check "IPv6 allow: 2001:db8:1::2 admitted" reaches 2001:db8:1::2 'http://[2001:db8:1::1]:8080/'
check "IPv6 allow: 2001:db8:1::3 blocked" blocked 2001:db8:1::3 'http://[2001:db8:1::1]:8080/'

# reject answers at once
web rj n1 -p 8081:80
check "ufw reject 8081" ufw reject 8081
start=$SECONDS
in_ns "$O" curl -s -m 5 http://192.0.2.1:8081/ >/dev/null 2>&1
rc=$?
check "reject: refused (curl exit $rc), not timed out" test "$rc" -eq 7

# route rules against the container port
web rt n1 -p 8082:8080
dk "$H" exec -d rt httpd -f -p 8080 -h /www
check "no rule for 8082: blocked by the default policy" blocked 192.0.2.2 http://192.0.2.1:8082/
check "ufw route allow proto tcp from any to any port 8080" ufw route allow proto tcp from any to any port 8080
check "route allow to container port 8080: admitted" reaches 192.0.2.2 http://192.0.2.1:8082/
check "route rules come after incoming rules: 8080 still denied" blocked 192.0.2.3 http://192.0.2.1:8080/

# interface-qualified rules
web ifc n1 -p 8083:80
check "ufw allow in on nosuch0 to any port 8083" ufw allow in on nosuch0 to any port 8083
check "a rule on another interface does not match" blocked 192.0.2.2 http://192.0.2.1:8083/
check "ufw allow in on ${H:0:7}x to any port 8083" ufw allow in on "${H:0:7}x" to any port 8083
check "a rule on the ingress interface matches" reaches 192.0.2.2 http://192.0.2.1:8083/

# limit: five new connections from one source pass, the sixth is refused
web lim n1 -p 8084:80
check "ufw limit 8084/tcp" ufw limit 8084/tcp
wait_until 3 bash -c "nsenter --net=/run/netns/$H nft list chain inet guardnet ufw-in | grep -q 'dport 8084\|8084'"
ok_count=0
for i in 1 2 3 4 5 6; do
	[ "$(outside 192.0.2.3 http://192.0.2.1:8084/)" = "$hello" ] && ok_count=$((ok_count + 1))
done
check "limit: 5 of 6 quick connections admitted (got $ok_count)" test "$ok_count" -eq 5

# reload, disable, enable, reset: reachability follows the model after each.
check "ufw reload" ufw reload
check "after reload: the route-allowed port is admitted" reaches 192.0.2.2 http://192.0.2.1:8082/
check "after reload: 8080 still denied" blocked 192.0.2.3 http://192.0.2.1:8080/
dk "$H" network create -d "$DRV" --subnet 10.222.2.0/24 -o guardnet.allow=192.0.2.2/32 n2 >/dev/null
web al n2 -p 8085:80
check "no UFW rule matches: guardnet.allow admits 192.0.2.2" reaches 192.0.2.2 http://192.0.2.1:8085/
check "no UFW rule matches: 192.0.2.3 gets UFW's default deny" blocked 192.0.2.3 http://192.0.2.1:8085/
# guardnet.ufw per network: off ignores UFW, on applies UFW's rules even
# while UFW is disabled.
dk "$H" network create -d "$DRV" --subnet 10.222.3.0/24 -o guardnet.ufw=off n3 >/dev/null
dk "$H" network create -d "$DRV" --subnet 10.222.4.0/24 -o guardnet.ufw=on n4 >/dev/null
web uoff n3 -p 8086:80
web uon n4 -p 8087:80
check "ufw allow 8086" ufw allow 8086
check "ufw allow 8087" ufw allow 8087
check "guardnet.ufw=off: UFW's allow does not apply" blocked 192.0.2.2 http://192.0.2.1:8086/
check "guardnet.ufw=on: UFW's allow applies" reaches 192.0.2.2 http://192.0.2.1:8087/
check "ufw disable" ufw disable
check "disabled, guardnet.ufw=on: UFW's rules still apply" reaches 192.0.2.2 http://192.0.2.1:8087/
check "disabled: UFW's allows no longer apply" blocked 192.0.2.2 http://192.0.2.1:8082/
check "disabled: the allowlist still admits" reaches 192.0.2.2 http://192.0.2.1:8085/
check "disabled: everything else stays closed" blocked 192.0.2.3 http://192.0.2.1:8085/
check "disabled: the host still gets 200" test "$(host http://127.0.0.1:8080/)" = "$hello"
check "ufw enable" ufw --force enable
check "enabled again: UFW's route allow applies" reaches 192.0.2.2 http://192.0.2.1:8082/
check "ufw reset" ufw --force reset
check "reset: UFW's rules are gone" blocked 192.0.2.2 http://192.0.2.1:8082/
check "reset: the allowlist still admits" reaches 192.0.2.2 http://192.0.2.1:8085/
check "reset: everything else stays closed" blocked 192.0.2.3 http://192.0.2.1:8085/

[ "$GN_FAILED" -gt 0 ] && { say "--- guardnetd log"; tail -30 "$GN_TMP/gn-$H/guardnetd.log"; }
summary ufw
