#!/bin/bash
# Containers on guardnet networks: addresses, egress through masquerade,
# internal networks, IPv6, MTU, ICC, clean removal, a guardnetd crash, a
# compose project, and refused bad input.
#
#   [ host H: dockerd, guardnetd, gn-* bridges ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O: web server ]
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

testbed || exit 1
serve_outside "$O" 8080 || { fail "outside web server"; exit 1; }
STATE=$GN_TMP/gn-$H/state
run() { dk "$H" run -d --name "$1" --network "$2" gnbox "${@:3}" >/dev/null; }
httpd() { run "$1" "$2" httpd -f -p 80 -h /www; }
# guardnet's links: gn-<id> bridges and gnh/gnc<id> veth ends.
gnlinks() { ip -n "$H" -o link show | awk -F': ' '{print $2}' | grep -cE '^(gn-|gn[hc][0-9a-f]{12})'; }
nostate() { [ -z "$(find "$STATE/networks" "$STATE/endpoints" -type f)" ]; }

# IPv4: two containers, egress
dk "$H" network create -d "$DRV" --subnet 10.220.1.0/24 n4 >/dev/null
httpd c1 n4 && run c2 n4 sleep 1000
ip1=$(ctr_ip "$H" c1 n4)
check "IPv4: c2 reaches c1 ($ip1)" test "$(fetch "$H" c2 "http://$ip1/")" = "hello from guardnet"
check "IPv4: c1 reaches c2 by ping" quiet dk "$H" exec c1 ping -q -c1 -W2 "$(ctr_ip "$H" c2 n4)"
# busybox httpd listens on both families and shows IPv4 peers as [::ffff:a.b.c.d].
from_host() { grep -qxE '(\[::ffff:)?192\.0\.2\.1\]?' <<<"$1"; }
seen=$(fetch "$H" c2 http://192.0.2.2:8080/cgi-bin/ip)
check "IPv4 egress: the outside sees the host's address (got '$seen')" from_host "$seen"
br4=$(dk "$H" network inspect -f '{{.Id}}' n4 | cut -c1-12)
check "bridge gn-$br4 exists" quiet ip -n "$H" link show "gn-$br4"
check "accept rule in DOCKER-USER" bash -c "nsenter --net=/run/netns/$H iptables -S DOCKER-USER | grep -q -- '--mark 0x4e47/0x4e47 -m comment --comment guardnet -j ACCEPT'"

# A third container's pair: its host end up on the bridge with its alias,
# its container end with the MAC guardnet gave it.
run c3 n4 sleep 1000
ep3=$(dk "$H" inspect -f '{{(index .NetworkSettings.Networks "n4").EndpointID}}' c3)
ip3=$(ctr_ip "$H" c3 n4)
check "c3's host end: up on the bridge, c3's alias" bash -c "ip -n $H -d -o link show \
	gnh${ep3:0:12} | grep 'master gn-$br4' | grep ',UP' | grep -q 'alias guardnet:$ep3'"
check "c3 reaches c1" quiet dk "$H" exec c3 ping -q -c1 -W2 "$ip1"
check "c3 is reached by c2" quiet dk "$H" exec c2 ping -q -c1 -W2 "$ip3"
check "c3 has the MAC guardnet gave it" \
	test "$(dk "$H" exec c3 cat /sys/class/net/eth0/address)" = "02:42:$(printf '%02x:%02x:%02x:%02x' ${ip3//./ })"
dk "$H" rm -f c3 >/dev/null
check "c3 gone: its pair is gone" bash -c "! ip -n $H link show gnh${ep3:0:12} 2>/dev/null"

# IPv6
dk "$H" network create -d "$DRV" --ipv6 --subnet 10.220.3.0/24 --subnet fd00:220:3::/64 n6 >/dev/null
httpd c5 n6 && run c6 n6 sleep 1000
ip5=$(ctr_ip "$H" c5 n6 6)
check "IPv6: c6 reaches c5 ([$ip5])" test "$(fetch "$H" c6 "http://[$ip5]/")" = "hello from guardnet"
seen=$(fetch "$H" c6 "http://[2001:db8:1::2]:8080/cgi-bin/ip")
check "IPv6 egress: the outside sees the host's address (got '$seen')" grep -q '2001:db8:1::1' <<<"$seen"

# Internal
dk "$H" network create -d "$DRV" --internal --subnet 10.220.2.0/24 nint >/dev/null
httpd c3 nint && run c4 nint sleep 1000
check "internal: containers reach each other" \
	test "$(fetch "$H" c4 "http://$(ctr_ip "$H" c3 nint)/")" = "hello from guardnet"
check "internal: no way out" test -z "$(fetch "$H" c4 http://192.0.2.2:8080/cgi-bin/ip)"

# MTU and ICC
dk "$H" network create -d "$DRV" -o com.docker.network.driver.mtu=1400 -o guardnet.icc=false \
	--subnet 10.220.4.0/24 nmtu >/dev/null
httpd c7 nmtu && run c8 nmtu sleep 1000
brm=gn-$(dk "$H" network inspect -f '{{.Id}}' nmtu | cut -c1-12)
check "MTU 1400 on the bridge" bash -c "ip -n $H link show $brm | grep -q 'mtu 1400'"
check "MTU 1400 in the container" test "$(dk "$H" exec c8 cat /sys/class/net/eth0/mtu)" = 1400
check "icc=false: c8 cannot reach c7" test -z "$(fetch "$H" c8 "http://$(ctr_ip "$H" c7 nmtu)/")"
check "icc=false: egress still works" from_host "$(fetch "$H" c8 http://192.0.2.2:8080/cgi-bin/ip)"

# Networks are kept apart
check "n4 cannot reach nmtu's c7" test -z "$(fetch "$H" c2 "http://$(ctr_ip "$H" c7 nmtu)/")"

# guardnetd killed while containers run; meanwhile the kernel drifts from
# its state both ways, which the restart repairs.
dk "$H" network create -d "$DRV" --subnet 10.220.7.0/24 nrec >/dev/null
brr=gn-$(dk "$H" network inspect -f '{{.Id}}' nrec | cut -c1-12)
pid_var=GUARDNETD_PID_${H//-/_}
kill -9 "${!pid_var}"
wait "${!pid_var}" 2>/dev/null
check "after SIGKILL: c2 still reaches c1" test "$(fetch "$H" c2 "http://$ip1/")" = "hello from guardnet"
check "after SIGKILL: the rules stay" quiet in_ns "$H" nft list table inet guardnet
ip -n "$H" link del "$brr"
ip -n "$H" link add gn-stale type bridge
ip -n "$H" link set gn-stale alias guardnet:0000000000000000000000000000000000000000000000000000000000000000
ip -n "$H" link add gn-notours type bridge
# What a guardnetd killed between creating a link and giving it its alias
# leaves: the MAC made from the name is the only mark (plugin/nl.h).
mark_mac() { python3 -c '
import sys
h = 0xcbf29ce484222325
for c in b"guardnet:" + sys.argv[1].encode():
    h = ((h ^ c) * 0x100000001b3) % 2**64
m = [(h >> (8 * i)) & 255 for i in range(6)]
m[0] = (m[0] & 0xfc) | 2
print(":".join("%02x" % b for b in m))' "$1"; }
ip -n "$H" link add gnh0123456789ab address "$(mark_mac gnh0123456789ab)" type veth peer name gnc0123456789ab
ip -n "$H" link add gnhfedcba987654 type veth peer name gncfedcba987654
ip -n "$H" link add gn-halfmade address "$(mark_mac gn-halfmade)" type bridge
in_ns "$H" nft delete table inet guardnet
guardnetd_start "$H" "$DRV"
check "reconcile: missing bridge $brr recreated" quiet ip -n "$H" link show "$brr"
check "reconcile: its MAC is the one made from its name" \
	bash -c "ip -n $H link show $brr | grep -q 'ether $(mark_mac "$brr") '"
check "reconcile: guardnet-owned leftover removed" bash -c "! ip -n $H link show gn-stale 2>/dev/null"
check "reconcile: half-made veth pair (mark, no alias) removed" bash -c "! ip -n $H link show gnh0123456789ab 2>/dev/null"
check "reconcile: half-made bridge (mark, no alias) removed" bash -c "! ip -n $H link show gn-halfmade 2>/dev/null"
check "reconcile: a link guardnet does not own is left alone" quiet ip -n "$H" link show gn-notours
check "reconcile: a veth with guardnet's name but not its mark is left alone" quiet ip -n "$H" link show gnhfedcba987654
check "reconcile: the table is back" bash -c "nsenter --net=/run/netns/$H nft list table inet guardnet | grep -q $brr"
ip -n "$H" link del gn-notours
ip -n "$H" link del gnhfedcba987654
# Killed again, this time as if between creating nrec's bridge and naming
# it: the network's record adopts the marked bridge and gives it its alias.
kill -9 "${!pid_var}"
wait "${!pid_var}" 2>/dev/null
ip -n "$H" link del "$brr"
ip -n "$H" link add "$brr" address "$(mark_mac "$brr")" type bridge
guardnetd_start "$H" "$DRV"
check "reconcile: a marked bridge without alias is adopted by its network" \
	bash -c "ip -n $H -d link show $brr | grep -q 'alias guardnet:$(dk "$H" network inspect -f '{{.Id}}' nrec)'"
check "reconcile: the adopted bridge is up with its gateway" \
	bash -c "ip -n $H addr show $brr | grep -q 'inet 10.220.7.1/24' && ip -n $H link show $brr | grep -q ',UP'"
dk "$H" network rm nrec >/dev/null
check "after restart: c2 still reaches c1" test "$(fetch "$H" c2 "http://$ip1/")" = "hello from guardnet"
check "after restart: egress works" from_host "$(fetch "$H" c2 http://192.0.2.2:8080/cgi-bin/ip)"
check "after restart: a new container starts" run c9 n4 sleep 1000
check "after restart: the new container is reachable" quiet dk "$H" exec c2 ping -q -c1 -W2 "$(ctr_ip "$H" c9 n4)"

# Removal leaves nothing
dk "$H" rm -f c1 c2 c9 >/dev/null
dk "$H" network rm n4 >/dev/null
check "network rm: bridge gn-$br4 gone" bash -c "! ip -n $H link show gn-$br4 2>/dev/null"
check "network rm: no rule names gn-$br4" bash -c "! nsenter --net=/run/netns/$H nft list ruleset 2>/dev/null | grep -q gn-$br4"
dk "$H" rm -f c3 c4 c5 c6 c7 c8 >/dev/null
dk "$H" network rm n6 nint nmtu >/dev/null
check "no gn link left" test "$(gnlinks)" -eq 0
check "no guardnet table left" bash -c "! nsenter --net=/run/netns/$H nft list table inet guardnet 2>/dev/null"
check "no guardnet rule left in iptables" bash -c "! nsenter --net=/run/netns/$H iptables-save | grep -q guardnet"
check "no state left" nostate

# Compose
mkdir -p "$GN_TMP/proj"
cat >"$GN_TMP/proj/docker-compose.yml" <<YML
version: "2.4"
services:
  web:
    image: gnbox
    command: httpd -f -p 80 -h /www
    networks: [backend]
  client:
    image: gnbox
    command: sleep 1000
    networks: [backend]
networks:
  backend:
    driver: $DRV
    driver_opts: {guardnet.allow: "10.0.0.0/8", com.docker.network.driver.mtu: "1450"}
    ipam: {config: [{subnet: 10.220.5.0/24}]}
YML
compose() { (cd "$GN_TMP/proj" && DOCKER_HOST=unix://$GN_TMP/docker-$H/docker.sock docker-compose -p gnproj "$@"); }
check "compose up" compose up -d
check "compose: client reaches web by name" \
	bash -c "docker -H unix://$GN_TMP/docker-$H/docker.sock exec gnproj_client_1 timeout 3 wget -qO- http://web/ | grep -q hello"
check "compose: MTU from driver_opts" test "$(dk "$H" exec gnproj_client_1 cat /sys/class/net/eth0/mtu)" = 1450
check "compose down" compose down
check "compose down: no gn link left" test "$(gnlinks)" -eq 0
check "compose down: no state left" nostate

# Bad input: clear errors, nothing created
before=$(ip -n "$H" -o link | wc -l)
out=$(dk "$H" network create -d "$DRV" -o guardnet.bridge="${H:0:7}x" --subnet 10.220.6.0/24 bad1 2>&1)
check "existing link name refused: $out" grep -q "exists already and is not this guardnet network's" <<<"$out"
out=$(dk "$H" network create -d "$DRV" -o guardnet.bridge=a-very-long-bridge --subnet 10.220.6.0/24 bad2 2>&1)
check "16+ character name refused: $out" grep -qF 'guardnet.bridge: invalid interface name "a-very-long-bridge" (1-15 characters)' <<<"$out"
out=$(dk "$H" network create -d "$DRV" -o com.docker.network.driver.mtu=0 --subnet 10.220.6.0/24 bad3 2>&1)
check "MTU 0 refused: $out" grep -qF 'com.docker.network.driver.mtu: invalid MTU "0"' <<<"$out"
check "bad input: no link created" test "$(ip -n "$H" -o link | wc -l)" -eq "$before"
check "bad input: no network, no state" test -z "$(dk "$H" network ls -q -f name=bad; ls "$STATE/networks")"

[ "$GN_FAILED" -gt 0 ] && { say "--- guardnetd log"; tail -40 "$GN_TMP/gn-$H/guardnetd.log"; }
summary bridges
