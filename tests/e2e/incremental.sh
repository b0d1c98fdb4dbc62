#!/bin/bash
# The incremental firewall path against the reference.  Publishes, revokes
# and endpoint changes reach `table inet guardnet` as element deltas, one
# small transaction each (spec/firewall-model.md, "One endpoint at a time");
# a restarted guardnetd rebuilds the table whole from the same state.  The
# two must be the same table.  Talks to guardnetd's socket as dockerd would,
# in a test host namespace without dockerd.
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

H=${GN_TAG}h
DRV=${GN_TAG}drv
netns_add "$H"
guardnetd_start "$H" "$DRV" || exit 1

# id TAG: a 64-hex-digit ID.
id() { printf '%s%0*d' "$1" $((64 - ${#1})) 0; }
call() { plugin_call "$DRV" "/NetworkDriver.$1" "$2" >/dev/null; }
ref() { printf '"NetworkID":"%s","EndpointID":"%s"' "$(id "$1")" "$(id "$2")"; }
# mknet TAG V4POOL V4GW V6POOL V6GW GENERIC (V6POOL "": IPv4 only)
mknet() {
	local v6='[]' on=false
	[ -n "$4" ] && { v6="[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"$4\",\"Gateway\":\"$5\"}]"; on=true; }
	call CreateNetwork "{\"NetworkID\":\"$(id "$1")\",\"Options\":{\"com.docker.network.enable_ipv6\":$on,
		\"com.docker.network.generic\":$6},\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"$2\",
		\"Gateway\":\"$3\"}],\"IPv6Data\":$v6}"
}
# mkep NET EP V4ADDR V6ADDR [ALLOW]: CreateEndpoint and Join.
mkep() {
	local opts=
	[ -n "${5:-}" ] && opts="\"guardnet.allow\":\"$5\""
	call CreateEndpoint "{$(ref "$1" "$2"),\"Interface\":{\"Address\":\"$3\",\"AddressIPv6\":\"$4\",
		\"MacAddress\":\"\"},\"Options\":{$opts}}" &&
		call Join "{$(ref "$1" "$2"),\"SandboxKey\":\"/var/run/docker/netns/$2\",\"Options\":{}}"
}
# pm PROTO PORT HOSTIP HOSTPORT [HOSTPORTEND]: one portmap entry.
pm() { printf '{"Proto":%s,"IP":"","Port":%s,"HostIP":"%s","HostPort":%s,"HostPortEnd":%s}' "$1" "$2" "$3" "$4" "${5:-$4}"; }
# pub NET EP ENTRY...: ProgramExternalConnectivity.
pub() {
	local n=$1 e=$2 IFS=,
	shift 2
	call ProgramExternalConnectivity "{$(ref "$n" "$e"),\"Options\":{\"com.docker.network.portmap\":[$*]}}"
}
# try_pub NET EP ENTRY: ProgramExternalConnectivity that may fail; prints the reply.
try_pub() {
	curl -s --unix-socket "/run/docker/plugins/$DRV.sock" -X POST \
		-d "{$(ref "$1" "$2"),\"Options\":{\"com.docker.network.portmap\":[$3]}}" \
		http://plugin/NetworkDriver.ProgramExternalConnectivity
}
revoke() { call RevokeExternalConnectivity "{$(ref "$1" "$2")}"; }
leave() { call Leave "{$(ref "$1" "$2")}"; }
delete() { call DeleteEndpoint "{$(ref "$1" "$2")}"; }

# The table as JSON, one object a line: no handles, counters zeroed, the
# elements of each set sorted (a hash set lists them in no fixed order).
dump() {
	in_ns "$H" nft -j list table inet guardnet | python3 -c '
import json, sys
def clean(o):
    if isinstance(o, dict):
        return {k: ({} if k == "counter" else clean(v)) for k, v in o.items() if k != "handle"}
    if isinstance(o, list):
        return [clean(v) for v in o]
    return o
for o in json.load(sys.stdin)["nftables"]:
    o = clean(o)
    for kind in ("set", "map"):
        if kind in o and "elem" in o[kind]:
            o[kind]["elem"] = sorted(o[kind]["elem"], key=lambda e: json.dumps(e, sort_keys=True))
    if "metainfo" not in o:
        print(json.dumps(o, sort_keys=True))'
}
handle() { in_ns "$H" nft -a list table inet guardnet | sed -n '1s/.*# handle \([0-9]*\).*/\1/p'; }
has() { in_ns "$H" nft list "$1" inet guardnet "$2" | grep -qF -- "$3"; }
lacks() { in_ns "$H" nft list "$1" inet guardnet "$2" >/dev/null && ! has "$@"; }
restart() {
	local v=GUARDNETD_PID_${H//-/_}
	kill "${!v}"
	wait_until 20 pid_gone "${!v}"
	guardnetd_start "$H" "$DRV"
}
# same WHAT: the table now equals what a restarted guardnetd rebuilds.
same() {
	local inc full
	inc=$(dump)
	restart || { fail "$1: guardnetd restarts"; return; }
	full=$(dump)
	if [ -n "$inc" ] && [ "$inc" = "$full" ]; then
		ok "$1: incremental table = full rebuild ($(wc -l <<<"$inc") objects)"
	else
		fail "$1: incremental table differs from the full rebuild"
		diff <(echo "$inc") <(echo "$full") | head -20
	fi
}

# 1. Networks (full rebuilds), then endpoints one at a time.
mknet a1 10.231.1.0/24 10.231.1.1/24 fd00:231:1::/64 fd00:231:1::1/64 '{"guardnet.allow":"192.0.2.0/28,2001:db8:1::/64"}'
mknet b2 10.231.2.0/24 10.231.2.1/24 "" "" '{"guardnet.publish":"127.0.0.1,192.0.2.1","guardnet.icc":"false"}'
h0=$(handle)
mkep a1 e1 10.231.1.11/24 fd00:231:1::11/64
pub a1 e1 "$(pm 6 80 "" 8001)" "$(pm 17 53 "" 8053)" "$(pm 6 443 "" 8443)"
mkep a1 e2 10.231.1.12/24 fd00:231:1::12/64 192.0.2.5/32,192.0.2.4/30,2001:db8:1::5/128
pub a1 e2 "$(pm 6 80 "" 9000 9005)" "$(pm 6 81 "" 0)"
mkep b2 e3 10.231.2.13/24 ""
pub b2 e3 "$(pm 6 80 "" 7001)" "$(pm 17 5000 127.0.0.1 7002)"
mkep a1 e4 10.231.1.14/24 fd00:231:1::14/64
pub a1 e4 "$(pm 6 80 "" 8100)"
revoke a1 e4
pub a1 e4 "$(pm 6 80 "" 8101)"
mkep b2 e5 10.231.2.15/24 "" 198.51.100.0/24
pub b2 e5 "$(pm 6 80 "" 8200)"
revoke b2 e5 && leave b2 e5 && delete b2 e5
mkep a1 e6 10.231.1.16/24 fd00:231:1::16/64 203.0.113.7/32
mkep a1 e7 10.231.1.17/24 ""
pub a1 e7 "$(pm 6 80 "" 8300)"
pub a1 e7 "$(pm 6 80 "" 8301)"
mkep b2 e8 10.231.2.18/24 ""
pub b2 e8 "$(pm 6 80 "" 8400)"
leave b2 e8 && delete b2 e8

check "no rebuild since the networks: the table kept its handle $h0" test "$(handle)" = "$h0"
check "any4 and any6 hold e1's ports" has map any4 ". 8443 : 10.231.1.11 . 443"
check "any6 holds e1's ports" has map any6 ". 8053 : fd00:231:1::11 . 53"
check "pub4 holds e3's port on 192.0.2.1" has map pub4 "192.0.2.1 . tcp . 7001"
check "pub4 holds e3's port on 127.0.0.1" has map pub4 "127.0.0.1 . tcp . 7001"
check "e2's overlapping allow prefixes are one element" has set epallow4 "10.231.1.12 . 192.0.2.4/30"
check "e6 (joined, not published) has its guardnet.allow" has set epallow4 "10.231.1.16 . 203.0.113.7"
check "revoked then republished: 8101" has map any4 8101
check "revoked then republished: not 8100" lacks map any4 8100
check "programmed twice: 8301" has map any4 8301
check "programmed twice: not 8300" lacks map any4 8300
check "deleted e5 left no port" lacks map any4 8200
check "deleted e5 left no guardnet.allow" lacks set epallow4 198.51.100
check "left without a revoke: e8's 8400 is gone" lacks map any4 8400
same "after 8 endpoints"
check "the restart rebuilt the table (new handle)" test "$(handle)" != "$h0"

# 2. From a rebuilt table: deletes without a revoke, more publishes.
h1=$(handle)
revoke a1 e1
delete a1 e2
pub a1 e6 "$(pm 6 80 "" 8600)" "$(pm 132 90 "" 8601)"
mkep a1 e9 10.231.1.19/24 fd00:231:1::19/64 192.0.2.9/32
pub a1 e9 "$(pm 6 80 "" 8900)"
check "still no rebuild" test "$(handle)" = "$h1"
check "e2's guardnet.allow went with it" lacks set epallow4 10.231.1.12
same "after deletes"

# 3. The kernel refuses a delta: the table stays, the endpoint does not
# publish, the next publish works, and the table is still the reference.
kill "$(eval echo "\$GUARDNETD_PID_${H//-/_}")"
wait_until 20 pid_gone "$(eval echo "\$GUARDNETD_PID_${H//-/_}")"
shim=$(refuse_shim) || fail "the refusing shim builds"
GN_REFUSE_PORT=7777 LD_PRELOAD=$shim guardnetd_start "$H" "$DRV"
before=$(dump)
h2=$(handle)
mkep a1 e10 10.231.1.20/24 ""
out=$(try_pub a1 e10 "$(pm 6 80 "" 7777)")
check "refused: the error names endpoint and port: $out" \
	grep -qE "endpoint $(id e10 | cut -c1-12): publishing 7777/tcp failed: nftables refused the transaction" <<<"$out"
check "refused: the table is unchanged" test "$(dump)" = "$before"
check "refused: no rebuild either" test "$(handle)" = "$h2"
pub a1 e10 "$(pm 6 80 "" 7778)"
check "after the refusal e10 publishes 7778" has map any4 7778
same "after a refused delta"

# 4. Another program deleted the table: the next change (or the heal that
# races it) rebuilds it whole, and nothing is lost.
in_ns "$H" nft delete table inet guardnet
pub a1 e9 "$(pm 6 80 "" 8901)"
check "the table is back with the new publish" wait_until 5 has map any4 8901
check "and with what was there before" has map any4 7778
same "after the table was deleted"

# 5. Host sockets holding a port (asked of the kernel per port, not read
# from /proc/net): a publish that collides is refused and names the socket.
in_ns "$H" python3 -c '
import socket, sys, time
t = socket.socket(socket.AF_INET6)
t.bind(("::", 8701))
t.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 8702))
print("ready", flush=True)
time.sleep(120)' >"$GN_TMP/sockets" &
GN_PIDS+=($!)
wait_until 10 grep -q ready "$GN_TMP/sockets"
mkep a1 e11 10.231.1.21/24 ""
out=$(try_pub a1 e11 "$(pm 6 80 "" 8701)")
check "a TCP listener on [::] holds the IPv4 port: $out" \
	grep -qF 'host port 8701/tcp on 0.0.0.0 is in use by a process on the host (listening on [::]:8701)' <<<"$out"
out=$(try_pub a1 e11 "$(pm 17 53 127.0.0.1 8702)")
check "a UDP socket on 127.0.0.1 holds 127.0.0.1: $out" \
	grep -qF 'host port 8702/udp on 127.0.0.1 is in use by a process on the host (bound on 127.0.0.1:8702)' <<<"$out"
mkep b2 e12 10.231.2.22/24 ""
check "the same UDP port on another address is free" pub b2 e12 "$(pm 17 53 192.0.2.1 8702)"
check "refused publishes left no trace" lacks map any4 8701
same "after host-socket conflicts"

summary incremental
