#!/bin/bash
# guardnetctl explain against real traffic: for the reachability cases of
# the publish and UFW tests, explain's verdict is asserted, and so is what a
# real connection gets, and the two must agree (accept: answered; reject
# and closed: refused or silent; drop: silent).
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
#                                       2001:db8:1::1      2001:db8:1::2, ::3
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

testbed || exit 1
hello="hello from guardnet"
web() { dk "$H" run -d --name "$1" --network "$2" "${@:3}" gnbox httpd -f -p 80 -h /www >/dev/null; }
gnctl() { "$GN_ROOT/build/guardnetctl" --socket "$GN_TMP/gn-$H/control.sock" "$@"; }

# explain FROM TO PORT: explain's JSON answer.
explain() { gnctl --json explain --from "$1" --to "$2" --port "$3"; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }
verdict_is() { [ "$(explain "$2" "$3" "$4" | field verdict)" = "$1" ]; }

# observe WHERE SRC URL: what a connection gets: open, refused or silent.
# WHERE is "outside", "host" or a container name.
observe() {
	local out rc
	case $1 in
	outside) out=$(in_ns "$O" curl -s -m 2 --interface "$2" "$3" 2>/dev/null); rc=$? ;;
	host) out=$(in_ns "$H" curl -s -m 2 "$3" 2>/dev/null); rc=$? ;;
	*) out=$(fetch "$H" "$1" "$3"); rc=$?; [ "$rc" -ne 0 ] && rc=28 ;;
	esac
	if [ "$out" = "$hello" ]; then echo open
	elif [ "$rc" -eq 7 ]; then echo refused
	else echo silent
	fi
}

# What each verdict allows a real connection to see.
expected_outcomes() {
	case $1 in
	accept | "accept (rate-limited)") echo open ;;
	reject) echo refused ;;
	closed) echo "refused silent" ;;
	*) echo silent ;;
	esac
}

# agree VERDICT WHERE SRC TO PORT URL: explain says VERDICT for SRC -> TO
# port PORT (polled: a UFW change reaches guardnetd within a second), and
# a real connection from WHERE to URL behaves accordingly.
agree() {
	local v=$1 where=$2 src=$3 to=$4 port=$5 url=$6 seen why
	check "explain $src -> $to:$port says $v" wait_until 3 verdict_is "$v" "$src" "$to" "$port"
	why=$(explain "$src" "$to" "$port" | field because)
	seen=$(observe "$where" "$src" "$url")
	check "$src -> $url is $seen, as \"$v\" ($why) says" grep -qw "$seen" <<<"$(expected_outcomes "$v")"
}

# 1. Without UFW (its files are there, it is not enabled).
dk "$H" network create -d "$DRV" --ipv6 --subnet 10.223.1.0/24 --subnet fd00:223:1::/64 n1 >/dev/null
web be n1 -p 8080:80
be=$(ctr_ip "$H" be n1)
agree drop outside 192.0.2.2 192.0.2.1 8080 http://192.0.2.1:8080/
agree accept host 127.0.0.1 127.0.0.1 8080 http://127.0.0.1:8080/
agree accept host 192.0.2.1 192.0.2.1 8080 http://192.0.2.1:8080/
agree drop outside 2001:db8:1::2 2001:db8:1::1 8080 'http://[2001:db8:1::1]:8080/'
agree accept be "$be" 192.0.2.1 8080 http://192.0.2.1:8080/
agree closed outside 192.0.2.2 192.0.2.1 8090 http://192.0.2.1:8090/
check "explain names the default deny" grep -q 'not in guardnet.allow and UFW does not decide' \
	<<<"$(explain 192.0.2.2 192.0.2.1 8080 | field because)"
check "explain finds the container behind the port" test \
	"$(explain 192.0.2.2 192.0.2.1 8080 | python3 -c 'import json,sys; print(json.load(sys.stdin)["container"]["address"])')" = "$be"

dk "$H" network create -d "$DRV" --ipv6 --subnet 10.223.2.0/24 --subnet fd00:223:2::/64 \
	-o guardnet.allow=192.0.2.2/32,2001:db8:1::2/128 n2 >/dev/null
web be2 n2 -p 8081:80
agree accept outside 192.0.2.2 192.0.2.1 8081 http://192.0.2.1:8081/
agree drop outside 192.0.2.3 192.0.2.1 8081 http://192.0.2.1:8081/
agree accept outside 2001:db8:1::2 2001:db8:1::1 8081 'http://[2001:db8:1::1]:8081/'
agree drop outside 2001:db8:1::3 2001:db8:1::1 8081 'http://[2001:db8:1::1]:8081/'
check "explain names the network's guardnet.allow" grep -q 'guardnet.allow 192.0.2.2/32 of network' \
	<<<"$(explain 192.0.2.2 192.0.2.1 8081 | field because)"
# A container of another network reaches the port only as any source would.
agree drop be2 "$(ctr_ip "$H" be2 n2)" 192.0.2.1 8080 http://192.0.2.1:8080/

dk "$H" network create -d "$DRV" --subnet 10.223.3.0/24 n3 >/dev/null
dk "$H" create --name be3 -p 8082:80 gnbox httpd -f -p 80 -h /www >/dev/null
dk "$H" network disconnect bridge be3
dk "$H" network connect --driver-opt guardnet.allow=192.0.2.3/32 n3 be3
dk "$H" start be3 >/dev/null
agree accept outside 192.0.2.3 192.0.2.1 8082 http://192.0.2.1:8082/
agree drop outside 192.0.2.2 192.0.2.1 8082 http://192.0.2.1:8082/
check "explain names the endpoint's guardnet.allow" grep -q 'guardnet.allow 192.0.2.3/32 of endpoint' \
	<<<"$(explain 192.0.2.3 192.0.2.1 8082 | field because)"

dk "$H" network create -d "$DRV" --subnet 10.223.4.0/24 -o guardnet.publish=127.0.0.1 \
	-o guardnet.allow=192.0.2.2/32 n4 >/dev/null
web be4 n4 -p 8083:80
agree closed outside 192.0.2.2 192.0.2.1 8083 http://192.0.2.1:8083/
agree accept host 127.0.0.1 127.0.0.1 8083 http://127.0.0.1:8083/
check "explain says where the port is published instead" grep -q 'published on 127.0.0.1 only' \
	<<<"$(explain 192.0.2.2 192.0.2.1 8083 | field because)"

# Straight to a container address, with a route to it from outside.
ip -n "$O" route add 10.223.1.0/24 via 192.0.2.1
agree drop outside 192.0.2.2 "$be" 80 "http://$be/"
agree accept host 10.223.1.1 "$be" 80 "http://$be/"

# 2. UFW enabled: its rules decide as for a host service.
check "ufw --force enable" ufw --force enable
agree drop outside 192.0.2.2 192.0.2.1 8080 http://192.0.2.1:8080/
check "explain names UFW's default policy" grep -q "UFW's default incoming policy is deny" \
	<<<"$(explain 192.0.2.2 192.0.2.1 8080 | field because)"
check "ufw allow from 192.0.2.2 to any port 8080 proto tcp" ufw allow from 192.0.2.2 to any port 8080 proto tcp
agree accept outside 192.0.2.2 192.0.2.1 8080 http://192.0.2.1:8080/
check "explain quotes the UFW rule and its line" grep -q \
	'UFW rule \[[0-9]*\] "allow from 192.0.2.2 to any port 8080 proto tcp" (user.rules line [0-9]*)' \
	<<<"$(explain 192.0.2.2 192.0.2.1 8080 | field because)"
agree drop outside 192.0.2.3 192.0.2.1 8080 http://192.0.2.1:8080/
agree accept outside 192.0.2.2 192.0.2.1 8081 http://192.0.2.1:8081/
agree accept host 127.0.0.1 127.0.0.1 8080 http://127.0.0.1:8080/

web rj n1 -p 8084:80
check "ufw reject 8084" ufw reject 8084
agree reject outside 192.0.2.2 192.0.2.1 8084 http://192.0.2.1:8084/

web rt n1 -p 8085:8080
dk "$H" exec -d rt httpd -f -p 8080 -h /www
check "ufw route allow proto tcp from any to any port 8080" ufw route allow proto tcp from any to any port 8080
agree accept outside 192.0.2.3 192.0.2.1 8085 http://192.0.2.1:8085/
check "explain says a route rule decided" test "$(explain 192.0.2.3 192.0.2.1 8085 | field step)" = ufw-route

web ifc n1 -p 8086:80
check "ufw allow in on nosuch0 to any port 8086" ufw allow in on nosuch0 to any port 8086
agree drop outside 192.0.2.2 192.0.2.1 8086 http://192.0.2.1:8086/
check "ufw allow in on ${H:0:7}x to any port 8086" ufw allow in on "${H:0:7}x" to any port 8086
agree accept outside 192.0.2.2 192.0.2.1 8086 http://192.0.2.1:8086/
check "explain takes the ingress interface from the route to the source" \
	test "$(explain 192.0.2.2 192.0.2.1 8086 | field in)" = "${H:0:7}x"

web lim n1 -p 8087:80
check "ufw limit 8087/tcp" ufw limit 8087/tcp
agree "accept (rate-limited)" outside 192.0.2.4 192.0.2.1 8087 http://192.0.2.1:8087/

dk "$H" network create -d "$DRV" --subnet 10.223.5.0/24 -o guardnet.ufw=off n5 >/dev/null
web uoff n5 -p 8088:80
check "ufw allow 8088" ufw allow 8088
agree drop outside 192.0.2.2 192.0.2.1 8088 http://192.0.2.1:8088/
check "explain says guardnet.ufw=off" grep -q 'guardnet.ufw=off' <<<"$(explain 192.0.2.2 192.0.2.1 8088 | field because)"

# The table output, and errors that name the bad value.
out=$(gnctl explain --from 192.0.2.2 --to 192.0.2.1 --port 8080/tcp)
check "table output has the verdict line" grep -q '^verdict: *accept$' <<<"$out"
out=$(gnctl explain --from 192.0.2.2 --port 8080)
check "without --to, the host's address towards the source is used" grep -q '192.0.2.2 -> 192.0.2.1 port 8080/tcp' <<<"$out"
out=$(gnctl explain --from 192.0.2.299 --port 8080 2>&1)
check "a bad --from is named: $out" grep -q '192.0.2.299' <<<"$out"
out=$(gnctl explain --from 192.0.2.2 --port 8080/icmp 2>&1)
check "a bad protocol is named: $out" grep -q 'icmp' <<<"$out"
out=$(gnctl explain --from 192.0.2.2 --to 198.51.100.7 --port 80 2>&1)
check "an address guardnet has no say over is named: $out" grep -q '198.51.100.7 is neither' <<<"$out"

[ "$GN_FAILED" -gt 0 ] && { say "--- guardnetd log"; tail -30 "$GN_TMP/gn-$H/guardnetd.log"; }
summary explain
