# guardnetctl audit against real connections (sourced by audit-nft.sh and
# audit-legacy.sh, which set AUDIT_IPT to nft or legacy): a host with
# Docker's bridge (-p 8080:80 and -p 127.0.0.1:8081:80 under ufw deny 8080),
# a bridge network with IPv6, two host-network containers (one port UFW
# allows, one it does not), guardnet networks with and without
# guardnet.allow, and UFW rules that allow one source.  Every port audit
# names gets its verdict checked by a connection from outside (or from a
# neighbour on the link, for 127.0.0.1); audit exits 1.  Then the exposed
# bridge networks move to guardnet as --suggest says, audit exits 0, and the
# same connections agree with it again; and once more with guardnetd killed,
# guardnet's ports read from its table in the kernel.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2-.4 [ outside O ]
#                                       2001:db8:1::1      2001:db8:1::2-::4
. "$(dirname "$0")/../lib.sh"
if [ "$AUDIT_IPT" = legacy ]; then
	scenario audit-legacy testbed legacy
	export UFW_LEGACY=1
else
	scenario audit-nft testbed
fi
require "scapy (python3-scapy)" /usr/bin/python3 -c 'import scapy'
OIF=${O:0:7}y
HMAC=$(mac_of "$H" "${H:0:7}x")
# Docker 28 (the d28 lane) drops a neighbour's frames for 127.0.0.1 in its
# raw table and NATs IPv6 itself; 20.10 does neither (measured: spec/
# firewall-model.md, "What guardnetctl audit reads").
engine=$(dk "$H" version --format '{{.Server.Version}}' | cut -d. -f1)
d28() { [ "${engine:-0}" -ge 28 ]; }
say "engine: dockerd $engine"

# The JSON of guardnetctl audit, and one port's field in it.
audit_json() { gnctl_in_host --json audit >"$GN_TMP/audit.json"; }
field() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
p = [p for p in d["ports"] if p["port"] == sys.argv[2]]
print(p[0][sys.argv[3]] if p else "absent")' "$GN_TMP/audit.json" "$1" "$2"
}
allowed_from() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
p = [p for p in d["ports"] if p["port"] == sys.argv[2]][0]
print(" ".join(s["from"] for s in p["sources"] if s["accepted"]))' "$GN_TMP/audit.json" "$1"
}

host_gets() { [ "$(in_ns "$H" curl -s -m 2 "$1")" = "$GN_HELLO" ]; }

# says PORT REACH EXPOSED: audit's verdict on PORT.
says() {
	check "audit: $1 reach=$2 exposed=$3 ($(field "$1" verdict))" \
		test "$(field "$1" reach) $(field "$1" exposed)" = "$2 $3"
}
# sees SRC URL OUTCOME: a real connection from SRC in O agrees: open (the
# page), timeout (no answer: UFW or Docker dropped it) or dropped (no
# answer, and a drop counter of guardnet's table moved).
sees() { expect "$3" "from $1: $2 is $3" "$O" "$2" "$1"; }
# neighbour DST PORT: a neighbour's SYN from 192.0.2.2 in a frame to H's
# MAC, after the same neighbour's SYN to the host's own address on 9090
# (UFW allows it: the control, which must be answered; it also gives H the
# neighbour's MAC, which it could not learn answering from 127.0.0.1).
neighbour() {
	local ctl
	ctl=$(neighbour_syn "$O" "$OIF" "$HMAC" 192.0.2.2 192.0.2.1 9090)
	[ "$ctl" = synack ] || { echo "control-$ctl"; return; }
	neighbour_syn "$O" "$OIF" "$HMAC" 192.0.2.2 "$1" "$2"
}

must ufw --force enable
must ufw deny 8080
must ufw allow from 192.0.2.3 to any port 8082 proto tcp
must ufw allow from 192.0.2.3 to any port 8083 proto tcp
must ufw allow 9090/tcp
web b1 bridge -p 8080:80 -p 127.0.0.1:8081:80
must dk "$H" network create --ipv6 --subnet 10.77.0.0/24 --subnet fd00:77::/64 b6
web b2 b6 -p 8082:80
must dk "$H" run -d --name h1 --network host gnbox httpd -f -p 9090 -h /www
must dk "$H" run -d --name h2 --network host gnbox httpd -f -p 9091 -h /www
must dk "$H" network create -d "$DRV" --subnet 10.78.0.0/24 g1
web g1c g1 -p 8083:80
must dk "$H" network create -d "$DRV" --subnet 10.79.0.0/24 -o guardnet.allow=192.0.2.4/32 g2
web g2c g2 -p 8084:80
listening() { in_ns "$H" ss -Hltn "sport = :$1" | grep -q .; }
check "host-network httpd listens on 9090" wait_until 10 listening 9090
check "host-network httpd listens on 9091" wait_until 10 listening 9091
for p in 8080 8081 8082 8083 8084 9090 9091; do
	check "the host reaches 127.0.0.1:$p (positive control)" wait_until 10 host_gets "http://127.0.0.1:$p/"
done

# 1. Before: audit names every port and exits 1.
gnctl_in_host audit >"$GN_TMP/audit.txt"
check "audit exits 1: something is exposed that UFW would block" test $? -eq 1
audit_json
check "audit --json exits 1 too" test $? -eq 1
cat "$GN_TMP/audit.txt"
check "the table names 0.0.0.0:8080 on docker as exposed although UFW denies 8080" grep -Eq \
	'^0\.0\.0\.0:8080->80/tcp +docker +b1 +bridge +EXPOSED: open to any source although UFW denies port 8080/tcp \(UFW rule \[1\] ' \
	"$GN_TMP/audit.txt"
check "the table says 127.0.0.1:8081 is for the host only" grep -Eq \
	'^127\.0\.0\.1:8081->80/tcp +docker +b1 +bridge +reachable only from the host' "$GN_TMP/audit.txt"
check "the table says guardnet's 8083 is allowed from 192.0.2.3 by a UFW rule" grep -Eq \
	'^0\.0\.0\.0:8083->80/tcp +guardnet +g1c +g1 +allowed from 192\.0\.2\.3/32 by UFW rule \[[0-9]+\] ' "$GN_TMP/audit.txt"
# Exposed: 8080 and 8082, and on Docker 28, which NATs IPv6 itself, [::]:8082.
exposed=2
d28 && exposed=3
check "the table counts $exposed exposed ports" grep -q "^$exposed of 11 published ports let in sources" "$GN_TMP/audit.txt"


# Docker's DNAT: open to anyone although UFW denies 8080; the same port on
# IPv6 is docker-proxy's socket, which UFW does filter (the control).
says 0.0.0.0:8080-\>80/tcp any True
sees 192.0.2.4 http://192.0.2.1:8080/ open
says '[::]:8080->80/tcp' host False
sees 2001:db8:1::4 'http://[2001:db8:1::1]:8080/' timeout
check "audit names UFW's rule for the IPv6 side" grep -q 'ufw6-user-input' <<<"$(field '[::]:8080->80/tcp' verdict)"
# 127.0.0.1: a neighbour that addresses 127.0.0.1 to the host's MAC would
# get to Docker's DNAT on Docker 20.10, where a host service bound to
# 127.0.0.1 would not answer it; guardnet's raw-prerouting chain drops
# such frames host-wide (Docker 28's raw table too), and audit walks it.
says 127.0.0.1:8081-\>80/tcp host False
# Docker 28's raw rule and guardnet's chain share the priority: either may
# be the one that drops first.
if d28; then lo_drop='chain raw-prerouting rule|iptables(-legacy)? raw PREROUTING rule'; else lo_drop='chain raw-prerouting rule'; fi
check "audit names the raw-priority drop for 127.0.0.1:8081" \
	grep -Eq "neighbours that send to 127\.0\.0\.1: .*($lo_drop)" <<<"$(field 127.0.0.1:8081-\>80/tcp verdict)"
check "a neighbour's SYN to 127.0.0.1:8081 gets nothing" test "$(neighbour 127.0.0.1 8081)" = none
www_make "$GN_TMP/www-$H"
nsenter --net=/run/netns/"$H" /bin/busybox httpd -f -p 127.0.0.1:9981 -h "$GN_TMP/www-$H" &
GN_PIDS+=($!)
check "control: a host service on 127.0.0.1:9981 answers the host" wait_until 10 host_gets http://127.0.0.1:9981/
check "control: the same neighbour gets nothing from it" test "$(neighbour 127.0.0.1 9981)" = none
# The bridge network with IPv6: 8082 open to all on IPv4, though UFW
# allows only 192.0.2.3; on IPv6 docker-proxy's socket, filtered by UFW.
says 0.0.0.0:8082-\>80/tcp any True
sees 192.0.2.4 http://192.0.2.1:8082/ open
if d28; then
	says '[::]:8082->80/tcp' any True
	check "[::]:8082 is Docker 28's DNAT" test "$(field '[::]:8082->80/tcp' published_by)" = docker
	sees 2001:db8:1::3 'http://[2001:db8:1::1]:8082/' open
else
	says '[::]:8082->80/tcp' host False
	sees 2001:db8:1::3 'http://[2001:db8:1::1]:8082/' timeout
fi
# guardnet: UFW's rule for one source, guardnet.allow for another.
says 0.0.0.0:8083-\>80/tcp some False
check "audit: 8083 is allowed from 192.0.2.3/32 only" test "$(allowed_from 0.0.0.0:8083-\>80/tcp)" = 192.0.2.3/32
sees 192.0.2.3 http://192.0.2.1:8083/ open
sees 192.0.2.4 http://192.0.2.1:8083/ dropped
says 0.0.0.0:8084-\>80/tcp some False
check "audit: 8084 is allowed from 192.0.2.4/32 (guardnet.allow)" test "$(allowed_from 0.0.0.0:8084-\>80/tcp)" = 192.0.2.4/32
sees 192.0.2.4 http://192.0.2.1:8084/ open
sees 192.0.2.2 http://192.0.2.1:8084/ dropped
# The host network: UFW covers 9090 with a rule and 9091 with its policy.
says 0.0.0.0:9090/tcp any False
check "audit names UFW's rule for 9090" grep -q 'as UFW allows port 9090/tcp (UFW rule' <<<"$(field 0.0.0.0:9090/tcp verdict)"
sees 192.0.2.2 http://192.0.2.1:9090/ open
says 0.0.0.0:9091/tcp host False
sees 192.0.2.2 http://192.0.2.1:9091/ timeout
check "audit names the host-network containers" test "$(field 0.0.0.0:9091/tcp container) $(field 0.0.0.0:9091/tcp network)" = "h2 host"

# 2. --suggest: the guardnet network for each exposed bridge network.
gnctl_in_host --json audit --suggest >"$GN_TMP/suggest.json"
gnctl_in_host audit --suggest >"$GN_TMP/suggest.txt"
sed -n '/^bridge network/,$p' "$GN_TMP/suggest.txt"
suggestion() {
	python3 -c 'import json,sys
for s in json.load(open(sys.argv[1]))["suggestions"]:
    if s["network"] == sys.argv[2]:
        v = s[sys.argv[3]]
        print(" ".join(v) if isinstance(v, list) else v)' "$GN_TMP/suggest.json" "$1" "$2"
}
check "--suggest carries b6's subnets and IPv6 over" test "$(suggestion b6 command)" = \
	"docker network create -d guardnet --subnet 10.77.0.0/24 --subnet fd00:77::/64 --ipv6 b6"
check "--suggest gives Docker's default bridge a new name and no subnet" test "$(suggestion bridge command)" = \
	"docker network create -d guardnet bridge-guardnet"
check "--suggest says who reaches 8082 afterwards: 192.0.2.3 by UFW's rule" grep -q \
	'after: the host, and from 192.0.2.3/32 (UFW rule' "$GN_TMP/suggest.txt"
check "--suggest prints the compose block" grep -q '^        driver: guardnet$' "$GN_TMP/suggest.txt"
check "--suggest lists no network without an exposed port" test -z "$(suggestion g1 command)"

# 3. Move them as --suggest says.  "-d guardnet" names the driver as the
# package installs it; this test's guardnetd serves $DRV.
for net in bridge b6; do
	new=$(suggestion "$net" guardnet_network)
	cmd=$(suggestion "$net" command)
	cmd=${cmd#docker }
	for c in $(suggestion "$net" containers); do must dk "$H" network disconnect "$net" "$c"; done
	[ "$net" = bridge ] || must dk "$H" network rm "$net"
	must dk "$H" ${cmd/-d guardnet/-d $DRV}
	for c in $(suggestion "$net" containers); do must dk "$H" network connect "$new" "$c"; done
done
for p in 8080 8081 8082; do
	check "after the move: the host reaches 127.0.0.1:$p" wait_until 10 host_gets "http://127.0.0.1:$p/"
done

# 4. After: nothing exposed, and the same connections agree.
gnctl_in_host audit >"$GN_TMP/audit.txt"
check "after the move: audit exits 0" test $? -eq 0
cat "$GN_TMP/audit.txt"
audit_json
check "after the move: audit --json exits 0" test $? -eq 0
says 0.0.0.0:8080-\>80/tcp host False
check "after the move: 8080 is guardnet's" test "$(field 0.0.0.0:8080-\>80/tcp published_by)" = guardnet
sees 192.0.2.4 http://192.0.2.1:8080/ dropped
sees 2001:db8:1::4 'http://[2001:db8:1::1]:8080/' timeout
says 127.0.0.1:8081-\>80/tcp host False
check "after the move: the neighbour's SYN to 127.0.0.1:8081 gets nothing" test "$(neighbour 127.0.0.1 8081)" = none
check "after the move: the host still reaches 127.0.0.1:8081" host_gets http://127.0.0.1:8081/
says 0.0.0.0:8082-\>80/tcp some False
check "after the move: 8082 is allowed from 192.0.2.3/32 only" test "$(allowed_from 0.0.0.0:8082-\>80/tcp)" = 192.0.2.3/32
sees 192.0.2.3 http://192.0.2.1:8082/ open
sees 192.0.2.4 http://192.0.2.1:8082/ dropped
says '[::]:8082->80/tcp' host False
sees 2001:db8:1::3 'http://[2001:db8:1::1]:8082/' dropped
check "after the move: b6 keeps its subnets" test "$(ctr_ip "$H" b2 b6 | cut -d. -f1-3)" = 10.77.0
says 0.0.0.0:8083-\>80/tcp some False
sees 192.0.2.3 http://192.0.2.1:8083/ open
says 0.0.0.0:9091/tcp host False
sees 192.0.2.2 http://192.0.2.1:9091/ timeout

# 5. guardnetd down: its rules stay, and audit reads guardnet's ports from
# its maps in the kernel and judges them by the kernel's rules alone.
must guardnetd_stop "$H" KILL
audit_json
check "guardnetd killed: audit exits 0" test $? -eq 0
check "audit says where guardnet's ports came from" grep -q 'guardnet.s ports come from its table in the kernel' \
	"$GN_TMP/audit.json"
check "8082 read from guardnet's map" grep -q 'map any4' <<<"$(field 0.0.0.0:8082-\>80/tcp where)"
says 0.0.0.0:8082-\>80/tcp some False
check "guardnetd down: 8082 is allowed from 192.0.2.3/32 only (UFW's rule in guardnet's table)" \
	test "$(allowed_from 0.0.0.0:8082-\>80/tcp)" = 192.0.2.3/32
sees 192.0.2.3 http://192.0.2.1:8082/ open
sees 192.0.2.4 http://192.0.2.1:8082/ dropped
says 0.0.0.0:8084-\>80/tcp some False
check "guardnetd down: 8084 is allowed from 192.0.2.4/32 only (guardnet.allow in guardnet's table)" \
	test "$(allowed_from 0.0.0.0:8084-\>80/tcp)" = 192.0.2.4/32
sees 192.0.2.4 http://192.0.2.1:8084/ open
sees 192.0.2.2 http://192.0.2.1:8084/ dropped
says 0.0.0.0:8080-\>80/tcp host False
sees 192.0.2.4 http://192.0.2.1:8080/ dropped
summary
