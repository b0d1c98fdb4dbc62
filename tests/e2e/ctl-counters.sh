#!/bin/bash
# Connection counters per published port and per network: they move by the
# number of connections the test makes, admitted and blocked, IPv4, IPv6
# and UDP.  Each connection is one packet (scapy: a single SYN, a single
# datagram), so no retransmission blurs the count, and each packet's fate
# is seen on the wire too (a SYN-ACK, or nothing).  A rebuild of the table
# keeps the counts.  The same counters in guardnetctl status -v, in
# guardnetctl metrics and at the opt-in /metrics listener, which is linted
# with promtool and reachable from the host only.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
#                                  2001:db8:1::1      2001:db8:1::2, ::3
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT
PY=/usr/bin/python3
$PY -c 'import scapy.all' 2>/dev/null || { echo "ctl-counters: python3-scapy is missing (packaging/deps.sh)"; exit 77; }
command -v promtool >/dev/null || { echo "ctl-counters: promtool is missing (prometheus, packaging/deps.sh)"; exit 77; }

# The metrics listener is off unless configured: this host configures it.
H=${GN_TAG}h
mkdir -p "$GN_TMP/gn-$H"
echo "metrics = 127.0.0.1:9464" >"$GN_TMP/gn-$H/guardnet.conf"
testbed || exit 1
gnctl() { "$GN_ROOT/build/guardnetctl" --socket "$GN_TMP/gn-$H/control.sock" --no-docker "$@"; }

must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.223.1.0/24 --subnet fd00:223:1::/64 \
	-o guardnet.allow=192.0.2.2/32,2001:db8:1::2/128 web
must dk "$H" run -d --name site --network web -p 8080:80 -p 5353:5353/udp gnbox httpd -f -p 80 -h /www
# The server is up (asked inside the container, which counts nothing), then
# exactly one connection from the host.
check "the server in the container answers" wait_until 10 dk "$H" exec site timeout 3 wget -qO- http://127.0.0.1/
check "the host reaches the port (positive control)" quiet in_ns "$H" curl -sf -m 2 http://127.0.0.1:8080/

# knock PROTO SRC DST PORT N: N connections from O, one packet each, each
# from a port of its own; prints how many got an answer (TCP: a SYN-ACK).
knock() {
	in_ns "$O" $PY - "$@" <<'EOF'
import logging, random, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, IPv6, TCP, UDP, conf, sr1, send
conf.verb = 0
proto, src, dst, port, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
ip = IPv6(src=src, dst=dst) if ":" in dst else IP(src=src, dst=dst)
answered = 0
for sport in random.sample(range(20000, 60000), n):
    if proto == "tcp":
        answered += sr1(ip / TCP(sport=sport, dport=port, flags="S", seq=1), timeout=1) is not None
    else:
        send(ip / UDP(sport=sport, dport=port) / b"x")
print(answered)
EOF
}
# port_count DOCKER VERDICT: the counter of a published port in --json status.
port_count() {
	gnctl --json status | $PY -c 'import json, sys
for n in json.load(sys.stdin)["networks"]:
    for e in n["endpoints"]:
        for p in e["published"]:
            if p["docker"] == sys.argv[1]:
                print(p["counters"][sys.argv[2]] if p["counters"] else "none")' "$@"
}
net_count() { gnctl --json status | $PY -c 'import json, sys; print(json.load(sys.stdin)["networks"][0]["counters"][sys.argv[1]])' "$1"; }
counts_are() { [ "$(port_count "$1" admitted) $(port_count "$1" blocked)" = "$2 $3" ]; }

check "before any connection from outside: 0.0.0.0:8080 counted 1 admitted (the control), 0 blocked" \
	counts_are 0.0.0.0:8080-\>80/tcp 1 0
check "... [::]:8080->80/tcp nothing" counts_are '[::]:8080->80/tcp' 0 0
check "... 0.0.0.0:5353->5353/udp nothing" counts_are 0.0.0.0:5353-\>5353/udp 0 0

got=$(knock tcp 192.0.2.2 192.0.2.1 8080 3)
check "3 SYNs from the allowed 192.0.2.2: 3 SYN-ACKs (got $got)" test "$got" = 3
got=$(knock tcp 192.0.2.3 192.0.2.1 8080 2)
check "2 SYNs from 192.0.2.3: no answer to either (got $got)" test "$got" = 0
check "0.0.0.0:8080->80/tcp: 4 admitted (3 + the host's), 2 blocked" counts_are 0.0.0.0:8080-\>80/tcp 4 2
got=$(knock tcp 2001:db8:1::2 2001:db8:1::1 8080 2)
check "2 SYNs from the allowed 2001:db8:1::2: 2 SYN-ACKs (got $got)" test "$got" = 2
got=$(knock tcp 2001:db8:1::3 2001:db8:1::1 8080 3)
check "3 SYNs from 2001:db8:1::3: no answer (got $got)" test "$got" = 0
check "[::]:8080->80/tcp: 2 admitted, 3 blocked" counts_are '[::]:8080->80/tcp' 2 3
knock udp 192.0.2.2 192.0.2.1 5353 2 >/dev/null
knock udp 192.0.2.3 192.0.2.1 5353 1 >/dev/null
check "0.0.0.0:5353->5353/udp: 2 datagrams admitted, 1 blocked" counts_are 0.0.0.0:5353-\>5353/udp 2 1
check "IPv4 unchanged by the others: 4 admitted, 2 blocked" counts_are 0.0.0.0:8080-\>80/tcp 4 2
check "the network: 8 admitted, 6 blocked" test "$(net_count admitted) $(net_count blocked)" = "8 6"

# A rebuild of the whole table (a new network does one) keeps the counts.
must dk "$H" network create -d "$DRV" --subnet 10.223.2.0/24 other
check "after a rebuild of the table: still 4 admitted, 2 blocked" counts_are 0.0.0.0:8080-\>80/tcp 4 2
check "... and [::]:8080 still 2 and 3" counts_are '[::]:8080->80/tcp' 2 3

out=$(gnctl -v status)
check "status -v shows the port's counts" grep -q '^    connections to 0.0.0.0:8080->80/tcp: 4 admitted, 2 blocked$' <<<"$out"
check "status -v shows the network's" grep -q "^  connections to the network's published ports: 8 admitted, 6 blocked$" <<<"$out"

# The exposition: guardnetctl metrics and the listener, linted.
gnctl metrics >"$GN_TMP/ctl.prom"
check "guardnetctl metrics: promtool check metrics finds nothing ($(promtool check metrics <"$GN_TMP/ctl.prom" 2>&1 | head -3))" \
	quiet promtool check metrics <"$GN_TMP/ctl.prom"
check "guardnetctl metrics has the port's blocked count" grep -qE \
	'^guardnet_port_connections_total\{network="[0-9a-f]{64}",.*host_address="0.0.0.0",host_port="8080",proto="tcp",container_address="10.223.1.2",container_port="80",verdict="blocked"\} 2$' \
	"$GN_TMP/ctl.prom"
in_ns "$H" curl -s -m 5 -D "$GN_TMP/headers" http://127.0.0.1:9464/metrics >"$GN_TMP/http.prom"
check "GET /metrics on 127.0.0.1:9464 answers 200 with the text format's content type" \
	grep -qi '^content-type: text/plain; version=0.0.4' "$GN_TMP/headers"
check "/metrics: promtool check metrics finds nothing ($(promtool check metrics <"$GN_TMP/http.prom" 2>&1 | head -3))" \
	quiet promtool check metrics <"$GN_TMP/http.prom"
check "/metrics and guardnetctl metrics say the same" cmp -s "$GN_TMP/ctl.prom" "$GN_TMP/http.prom"
check "/metrics: the network's admitted count" grep -qE '^guardnet_network_connections_total\{.*verdict="admitted"\} 8$' "$GN_TMP/http.prom"
code=$(in_ns "$H" curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:9464/other)
check "another path: 404 (got $code)" test "$code" = 404
code=$(in_ns "$H" curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -d x http://127.0.0.1:9464/metrics)
check "POST: 405 (got $code)" test "$code" = 405
in_ns "$O" curl -s -m 3 http://192.0.2.1:9464/metrics >/dev/null
rc=$?
check "from outside, 192.0.2.1:9464 is refused (curl exit 7, got $rc): the listener is on 127.0.0.1 only" test "$rc" = 7

# Another program removes a counter: guardnetd builds the counting table
# again, the other ports' counts going on from the kernel's.
must in_ns "$H" nft delete element inet guardnet_count conn4 '{ 0.0.0.0 . udp . 5353 }'
check "the removed counter is put back" wait_until 5 sh -c \
	"nsenter --net=/run/netns/$H nft list set inet guardnet_count conn4 | grep -q 'udp . 5353'"
check "... and 0.0.0.0:8080 still has 4 admitted, 2 blocked" counts_are 0.0.0.0:8080-\>80/tcp 4 2

# After all these changes, element by element and whole, both tables are
# what a rebuild would make (check compares them); and when the container
# stops, its counters go with its ports.
out=$(gnctl check)
check "check: the kernel matches ($out)" test "$out" = "kernel matches guardnetd's state"
must dk "$H" stop -t 1 site
check "the stopped container's counters are gone" \
	sh -c "! nsenter --net=/run/netns/$H nft list set inet guardnet_count conn4 | grep -q '8080'"
out=$(gnctl check)
check "check after the stop: the kernel matches ($out)" test "$out" = "kernel matches guardnetd's state"
must dk "$H" rm -f site
must dk "$H" network rm web other
check "no network left: neither table is left" \
	sh -c "! nsenter --net=/run/netns/$H nft list tables | grep -q guardnet"

summary ctl-counters
