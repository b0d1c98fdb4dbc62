#!/bin/bash
# Published ports behind the host allowlist (guardnet.publish) and the
# source allowlist (guardnet.allow), without UFW: who gets in, who does not,
# and that it stays so through a guardnetd crash.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
#                                  2001:db8:1::1       2001:db8:1::2, ::3
set -u
. "$(dirname "$0")/../lib.sh"
trap 'gn_cleanup; echo "$old_log_all" >/proc/sys/net/netfilter/nf_log_all_netns' EXIT

# The kernel drops nftables log lines of other namespaces unless told not to
# (design.md section 5); put the old value back at the end.
old_log_all=$(cat /proc/sys/net/netfilter/nf_log_all_netns)
echo 1 >/proc/sys/net/netfilter/nf_log_all_netns
testbed || exit 1

hello="hello from guardnet"
# get NS SRC URL: HTTP from namespace NS with source address SRC ("" for any).
get() { in_ns "$1" curl -s -m 3 ${2:+--interface "$2"} "$3" 2>/dev/null; }
outside() { get "$O" "$1" "$2"; }
host() { get "$H" "" "$1"; }
web() { dk "$H" run -d --name "$1" --network "$2" "${@:3}" gnbox httpd -f -p 80 -h /www >/dev/null; }
epid() { dk "$H" inspect -f "{{(index .NetworkSettings.Networks \"$2\").EndpointID}}" "$1"; }
opinfo() {
	plugin_call "$DRV" /NetworkDriver.EndpointOperInfo \
		"{\"NetworkID\":\"$(dk "$H" network inspect -f '{{.Id}}' "$2")\",\"EndpointID\":\"$(epid "$1" "$2")\"}"
}

# 1. Default network: the host gets in, the outside does not, and it is logged.
dk "$H" network create -d "$DRV" --ipv6 --subnet 10.221.1.0/24 --subnet fd00:221:1::/64 n1 >/dev/null
web be n1 -p 8080:80
# The blocked attempt uses a source port of its own, so its log line can be
# told from older ones without clearing the machine's log (whose ring buffer
# may be full, so line counts do not work either).
lport=$((30000 + RANDOM % 20000))
logged() { dmesg | grep -q "GUARDNET BLOCK\] IN=${H:0:7}x .*DST=10\.221\.1\.2 .*SPT=$lport DPT=80 "; }
check "outside cannot reach 192.0.2.1:8080" test -z "$(in_ns "$O" curl -s -m 3 --local-port "$lport" http://192.0.2.1:8080/)"
check "the kernel log shows [GUARDNET BLOCK]" wait_until 5 logged
check "host gets 200 from 127.0.0.1:8080" test "$(host http://127.0.0.1:8080/)" = "$hello"
check "host gets 200 from 192.0.2.1:8080" test "$(host http://192.0.2.1:8080/)" = "$hello"
check "outside cannot reach [2001:db8:1::1]:8080" test -z "$(outside "" 'http://[2001:db8:1::1]:8080/')"
check "host gets 200 from [2001:db8:1::1]:8080" test "$(host 'http://[2001:db8:1::1]:8080/')" = "$hello"
check "a container reaches its own published port (hairpin)" \
	test "$(fetch "$H" be http://192.0.2.1:8080/)" = "$hello"

# 2. guardnet.allow on the network, and on one endpoint.
dk "$H" network create -d "$DRV" --ipv6 --subnet 10.221.2.0/24 --subnet fd00:221:2::/64 \
	-o guardnet.allow=192.0.2.2/32,2001:db8:1::2/128 n2 >/dev/null
web be2 n2 -p 8081:80
check "allowed 192.0.2.2 gets 200" test "$(outside 192.0.2.2 http://192.0.2.1:8081/)" = "$hello"
check "192.0.2.3 is not allowed" test -z "$(outside 192.0.2.3 http://192.0.2.1:8081/)"
check "allowed 2001:db8:1::2 gets 200" test "$(outside 2001:db8:1::2 'http://[2001:db8:1::1]:8081/')" = "$hello"
check "2001:db8:1::3 is not allowed" test -z "$(outside 2001:db8:1::3 'http://[2001:db8:1::1]:8081/')"
dk "$H" network create -d "$DRV" --subnet 10.221.3.0/24 n3 >/dev/null
dk "$H" create --name be3 -p 8082:80 gnbox httpd -f -p 80 -h /www >/dev/null
dk "$H" network disconnect bridge be3
dk "$H" network connect --driver-opt guardnet.allow=192.0.2.3/32 n3 be3
dk "$H" start be3 >/dev/null
web be4 n3 -p 8083:80
check "endpoint allow: 192.0.2.3 reaches be3" test "$(outside 192.0.2.3 http://192.0.2.1:8082/)" = "$hello"
check "endpoint allow: 192.0.2.2 does not reach be3" test -z "$(outside 192.0.2.2 http://192.0.2.1:8082/)"
check "endpoint allow is for that endpoint only" test -z "$(outside 192.0.2.3 http://192.0.2.1:8083/)"

# 3. guardnet.publish=127.0.0.1: nobody outside, whatever the source allowlist.
dk "$H" network create -d "$DRV" --subnet 10.221.4.0/24 -o guardnet.publish=127.0.0.1 \
	-o guardnet.allow=192.0.2.0/24 n4 >/dev/null
web be5 n4 -p 8085:80
check "publish=127.0.0.1: an allowed outside source cannot connect" test -z "$(outside 192.0.2.2 http://192.0.2.1:8085/)"
check "publish=127.0.0.1: the host can" test "$(host http://127.0.0.1:8085/)" = "$hello"
out=$(dk "$H" run -d --name be6 --network n4 -p 0.0.0.0:8086:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "-p 0.0.0.0:8086:80 refused: $out" grep -qF 'HostIP 0.0.0.0 (port 8086/tcp) is not allowed by guardnet.publish=127.0.0.1' <<<"$out"

# 4. UDP, ranges, HostPort 0, IPv4-only networks, conflicts.
dk "$H" network create -d "$DRV" --subnet 10.221.5.0/24 -o guardnet.allow=192.0.2.2/32 n5 >/dev/null
dk "$H" run -d --name udp1 --network n5 -p 5353:5353/udp gnbox udp serve 5353 >/dev/null
check "UDP from an allowed source" test "$(in_ns "$O" "$GN_TMP/udp" send 192.0.2.1 5353 hi 192.0.2.2)" = "echo:hi"
check "UDP from the host" test "$(in_ns "$H" "$GN_TMP/udp" send 127.0.0.1 5353 hi)" = "echo:hi"
check "UDP from a source not allowed" test -z "$(in_ns "$O" "$GN_TMP/udp" send 192.0.2.1 5353 hi 192.0.2.3)"
web rng n5 -p 8090-8095:80
p=$(opinfo rng n5 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Value"]["com.docker.network.portmap"][0]["HostPort"])')
check "range 8090-8095: port $p chosen and reported" test "$p" -ge 8090 -a "$p" -le 8095
check "range: the chosen port answers" test "$(outside 192.0.2.2 "http://192.0.2.1:$p/")" = "$hello"
web eph n5 -p 80
p=$(opinfo eph n5 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Value"]["com.docker.network.portmap"][0]["HostPort"])')
read -r lo hi < <(in_ns "$H" cat /proc/sys/net/ipv4/ip_local_port_range)
check "HostPort 0: port $p chosen from $lo-$hi and reported" test "$p" -ge "$lo" -a "$p" -le "$hi"
check "HostPort 0: the chosen port answers" test "$(host "http://127.0.0.1:$p/")" = "$hello"
check "IPv4-only network: nothing on IPv6" test -z "$(host 'http://[2001:db8:1::1]:8090/')"
check "IPv4-only network: no IPv6 mapping" bash -c "! nsenter --net=/run/netns/$H nft list map inet guardnet any6 | grep -q 8090"
out=$(dk "$H" run -d --name dup --network n1 -p 8080:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "conflict with another endpoint refused: $out" grep -q 'host port 8080/tcp on 0.0.0.0 is already published by endpoint' <<<"$out"
nsenter --net=/run/netns/"$H" /bin/busybox httpd -f -p 8099 -h "$GN_TMP" &
GN_PIDS+=($!)
wait_until 5 in_ns "$H" curl -s -o /dev/null http://127.0.0.1:8099/
out=$(dk "$H" run -d --name dup2 --network n5 -p 8099:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "conflict with a host process refused: $out" grep -q 'host port 8099/tcp on 0.0.0.0 is in use by a process on the host' <<<"$out"
out=$(dk "$H" network create -d "$DRV" --internal --subnet 10.221.6.0/24 nint >/dev/null;
      dk "$H" run -d --name inpub --network nint -p 8100:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "internal network refuses -p: $out" grep -q 'is internal and publishes no ports' <<<"$out"

# 5. Isolation: no direct routing, no way in from other networks.
ip -n "$O" route add 10.221.1.0/24 via 192.0.2.1
bip=$(ctr_ip "$H" be n1)
check "outside with a route cannot reach $bip directly" test -z "$(outside 192.0.2.2 "http://$bip/")"
check "a container of another guardnet network cannot reach $bip" test -z "$(fetch "$H" be2 "http://$bip/")"
dk "$H" run -d --name dbr --network bridge gnbox sleep 1000 >/dev/null
check "a container on Docker's bridge cannot reach $bip" test -z "$(fetch "$H" dbr "http://$bip/")"
check "a guardnet container cannot reach Docker's bridge" test -z "$(fetch "$H" be "http://$(ctr_ip "$H" dbr bridge)/")"

# 6. guardnetd killed: the blocked stay blocked, the allowed keep working.
pid_var=GUARDNETD_PID_${H//-/_}
kill -9 "${!pid_var}"
wait "${!pid_var}" 2>/dev/null
check "after SIGKILL: 192.0.2.3 still blocked" test -z "$(outside 192.0.2.3 http://192.0.2.1:8081/)"
check "after SIGKILL: 192.0.2.2 still gets 200" test "$(outside 192.0.2.2 http://192.0.2.1:8081/)" = "$hello"
before=$(in_ns "$H" nft list table inet guardnet | grep -v 'counter packets' | sort | md5sum)
guardnetd_start "$H" "$DRV"
check "after restart: 192.0.2.3 still blocked" test -z "$(outside 192.0.2.3 http://192.0.2.1:8081/)"
check "after restart: 192.0.2.2 still gets 200" test "$(outside 192.0.2.2 http://192.0.2.1:8081/)" = "$hello"
check "after restart: the same ruleset" test "$(in_ns "$H" nft list table inet guardnet | grep -v 'counter packets' | sort | md5sum)" = "$before"

# 7. 1,000 allowlist CIDRs and 200 published ports.
# Every other /24, so that none of them merge into a larger range.
cidrs=$(python3 -c 'print(",".join(f"10.{i // 125 + 100}.{i % 125 * 2}.0/24" for i in range(999)) + ",192.0.2.2/32")')
dk "$H" network create -d "$DRV" --subnet 10.221.7.0/24 -o guardnet.allow="$cidrs" n7 >/dev/null
dk "$H" run -d --name many --network n7 -p 9000-9199:9000-9199 gnbox \
	sh -c 'httpd -p 9000 -h /www; httpd -f -p 9199 -h /www' >/dev/null
check "200 ports: all mapped" test "$(in_ns "$H" nft list map inet guardnet any4 | grep -o ' 9[01][0-9][0-9] :' | wc -l)" -eq 200
check "1,000 CIDRs: all in the set" test "$(in_ns "$H" nft list set inet guardnet allow4-gn-$(dk "$H" network inspect -f '{{.Id}}' n7 | cut -c1-12) | grep -o '/24' | wc -l)" -eq 999
check "first of 200 ports answers an allowed source" test "$(outside 192.0.2.2 http://192.0.2.1:9000/)" = "$hello"
check "last of 200 ports answers an allowed source" test "$(outside 192.0.2.2 http://192.0.2.1:9199/)" = "$hello"
check "a source outside the 1,000 CIDRs is blocked" test -z "$(outside 192.0.2.3 http://192.0.2.1:9000/)"

# 8. The kernel refuses a transaction: the ruleset stays as it was and Docker
# gets an error naming the endpoint and the port.  (tests/tools/nfrefuse.c,
# preloaded into guardnetd, makes the kernel refuse any transaction that
# publishes that port.)
kill "${!pid_var}"
wait "${!pid_var}" 2>/dev/null
shim=$(refuse_shim) || fail "the refusing shim builds"
GN_REFUSE_PORT=7777 LD_PRELOAD=$shim guardnetd_start "$H" "$DRV"
before=$(in_ns "$H" nft list ruleset | grep -v 'counter packets' | md5sum)
out=$(dk "$H" run -d --name refused --network n1 -p 7777:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "refused transaction: the error names endpoint and port: $out" \
	grep -qE 'endpoint [0-9a-f]{12}: publishing 7777/tcp failed: nftables refused the transaction' <<<"$out"
check "refused transaction: the ruleset is unchanged" \
	test "$(in_ns "$H" nft list ruleset | grep -v 'counter packets' | md5sum)" = "$before"
check "refused transaction: allowed traffic still flows" test "$(outside 192.0.2.2 http://192.0.2.1:8081/)" = "$hello"

# 9. Healing: whatever removes guardnet's rules, they come back at once.
hook_back() { in_ns "$H" iptables -S DOCKER-USER | grep -q -- '--comment guardnet -j ACCEPT'; }
in_ns "$H" iptables -F DOCKER-USER
check "iptables -F DOCKER-USER: the accept rule is back" wait_until 2 hook_back
check "after the flush: allowed traffic flows" test "$(outside 192.0.2.2 http://192.0.2.1:8081/)" = "$hello"
in_ns "$H" nft delete table inet guardnet
check "nft delete table inet guardnet: the table is back" wait_until 2 in_ns "$H" nft list map inet guardnet any4
check "after the delete: 192.0.2.3 still blocked" test -z "$(outside 192.0.2.3 http://192.0.2.1:8081/)"
check "after the delete: 192.0.2.2 gets 200" test "$(outside 192.0.2.2 http://192.0.2.1:8081/)" = "$hello"
in_ns "$H" nft flush chain inet guardnet forward
check "nft flush chain forward: the rules are back" \
	wait_until 2 bash -c "nsenter --net=/run/netns/$H nft list chain inet guardnet forward | grep -q 'goto pub-'"
check "after the flush: 192.0.2.3 still blocked" test -z "$(outside 192.0.2.3 http://192.0.2.1:8081/)"

[ "$GN_FAILED" -gt 0 ] && { say "--- guardnetd log"; tail -30 "$GN_TMP/gn-$H/guardnetd.log"; }
summary publish
