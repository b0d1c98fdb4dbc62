#!/bin/bash
# guardnetctl check when guardnetd does not answer (stopped, then killed):
# it reads the kernel itself, says that this is the degraded answer and what
# it could not check, exits 3 while guardnet's protection is all there, and
# exits 1 naming each piece that is removed by hand: the iptables accept
# rule, a bridge's element in set bridges, an endpoint's interface, a bridge,
# the whole table.  guardnetd stays down throughout, so nothing heals.
. "$(dirname "$0")/../lib.sh"
scenario ctl-check-down testbed
CTL=$GN_ROOT/build/guardnetctl
ST=$GN_TMP/gn-$H/state
ctl() { in_ns "$H" timeout 30 "$CTL" --socket "$GN_TMP/gn-$H/control.sock" --state-dir "$ST" --timeout 2 "$@" \
	>"$GN_TMP/out" 2>"$GN_TMP/err"; rc=$?; out=$(cat "$GN_TMP/out"); err=$(cat "$GN_TMP/err"); }
# has TEXT REGEX
has() { grep -qE -- "$2" <<<"$1"; }

must dk "$H" network create -d "$DRV" --subnet 10.226.1.0/24 down1
must dk "$H" run -d --name down1web --network down1 -p 8080:80 gnbox httpd -f -p 80 -h /www
net=$(dk "$H" network inspect -f '{{.Id}}' down1)
br=gn-${net:0:12}
ep=$(dk "$H" inspect -f '{{(index .NetworkSettings.Networks "down1").EndpointID}}' down1web)

ctl check
check "guardnetd up: check answers itself, exit 0 (got $rc: $out $err)" \
	bash -c "[ $rc -eq 0 ] && grep -q \"kernel matches guardnetd's state\" \"$GN_TMP/out\""

pid_var=GUARDNETD_PID_${H//-/_}
kill -STOP "${!pid_var}"
ctl check
check "stopped guardnetd: exit 3 (got $rc)" test "$rc" -eq 3
check "stopped guardnetd: stderr says it did not answer" has "$err" 'did not answer within 2 s: it is stopped or wedged'
check "the answer says it is the degraded check" has "$out" '^degraded check: guardnetd does not answer, so guardnetctl read the kernel itself'
check "the answer says what it could not check" has "$out" '^not checked: the rules inside the chains'
check "ok: the table and its hooked chains" has "$out" '^ok: table inet guardnet: chains forward, prerouting, raw-prerouting, output and postrouting on their hooks'
check "ok: the network's bridge and its set element" has "$out" "^ok: network ${net:0:12}: bridge $br, in set bridges\$"
check "ok: the chains every network's ports and sources go through" has "$out" "^ok: table inet guardnet: .*, chains pub and src, "
check "ok: the endpoint's interface" has "$out" '^ok: 1 endpoint of the state directory has its interface'
check "ok: the counting table's chains and sets" has "$out" '^ok: table inet guardnet_count: chains prerouting, output and postrouting on their hooks, and sets conn4, adm4, conn6 and adm6'
check "ok: the iptables accept rule and drops" has "$out" "^ok: iptables \(nf_tables\): guardnet's accept rule is in filter DOCKER-USER, and its device group drops"
# Docker 20.10 makes no ip6 filter table: guardnet makes FORWARD for its rules.
check "ok: the ip6tables accept rule and drops" has "$out" "^ok: ip6tables \(nf_tables\): guardnet's accept rule is in filter FORWARD, and its device group drops"
check "verdict: the kernel still holds the protection" has "$out" "still holds guardnet's protection for 1 network"
check "no drift line" bash -c "! grep -q '^drift' \"$GN_TMP/out\""
# What the degraded check says is true: the host gets the page, the outside
# times out (dropped, not refused) on the same port.
check "and it is true: the host reaches the published port" \
	test "$(in_ns "$H" curl -s -m 3 http://127.0.0.1:8080/)" = "hello from guardnet"
in_ns "$O" curl -s -m 2 -o /dev/null http://192.0.2.1:8080/
c=$?
check "and the outside is dropped (curl exit $c, 28 = timeout)" test "$c" -eq 28

# guardnetd_stop polls until the pid is gone: a bare wait returns at once
# for a disowned job, and a half-dead daemon would still hold its socket.
kill -CONT "${!pid_var}"
guardnetd_stop "$H" KILL
ctl --json check
check "killed guardnetd: --json check, exit 3, degraded and no drift (got $rc)" bash -c "[ $rc -eq 3 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"degraded\"] is True and d[\"drift\"] == [] and len(d[\"ok\"]) == 6 and d[\"not_checked\"], d
' \"$GN_TMP/out\""
check "killed guardnetd: stderr says it is not running" has "$err" 'guardnetd is not running: nothing listens on'

# breaks DESCRIPTION DRIFT-REGEX COMMAND...: after COMMAND, check exits 1
# with a drift line matching DRIFT-REGEX.
breaks() {
	local d=$1 want=$2
	shift 2
	if ! "$@" >"$GN_TMP/break.out" 2>&1; then
		fail "$d: could not make the difference: $(cat "$GN_TMP/break.out")"
		return
	fi
	ctl check
	check "$d: exit 1 (got $rc)" test "$rc" -eq 1
	check "$d: reported ($(grep '^drift' "$GN_TMP/out" | tr '\n' ' '))" has "$out" "^drift: $want"
	check "$d: the verdict says the protection is not complete" has "$out" "^guardnet's protection is NOT complete"
}
rule="-m mark --mark 0x4e47/0x4e47 -m comment --comment guardnet -j ACCEPT"
breaks "iptables accept rule deleted" "iptables \(nf_tables\): guardnet's accept rule is not in filter DOCKER-USER" \
	in_ns "$H" iptables -D DOCKER-USER $rule
in_ns "$H" iptables -I DOCKER-USER $rule
ctl check
check "the rule put back by hand: exit 3 again (got $rc)" test "$rc" -eq 3
drop="-m devgroup --dst-group 0x4e47 -m comment --comment guardnet -j DROP"
breaks "device group drop into the bridges deleted" \
	"iptables \(nf_tables\): guardnet's accept rule is in filter DOCKER-USER, but not both of its device group drops" \
	in_ns "$H" iptables -D DOCKER-USER $drop
in_ns "$H" iptables -I DOCKER-USER 2 $drop
ctl check
check "the drop put back by hand: exit 3 again (got $rc)" test "$rc" -eq 3
breaks "table inet guardnet_count deleted" "table inet guardnet_count is missing: connections to published ports are not counted" \
	in_ns "$H" nft delete table inet guardnet_count
breaks "bridge taken out of set bridges" "network ${net:0:12}: bridge $br is not in set bridges" \
	in_ns "$H" nft delete element inet guardnet bridges "{ \"$br\" }"
in_ns "$H" nft add element inet guardnet bridges "{ \"$br\" }"
host_end=$(ip -n "$H" -o link show | awk -F': ' '/alias guardnet:'"$ep"'/ {print $2}' | cut -d@ -f1)
breaks "endpoint interface $host_end deleted" "endpoint ${ep:0:12}: its interface is missing" ip -n "$H" link del "$host_end"
breaks "bridge $br deleted" "network ${net:0:12}: its bridge is missing" ip -n "$H" link del "$br"
breaks "table deleted" "table inet guardnet is missing" in_ns "$H" nft delete table inet guardnet

as_nobody() { in_ns "$H" setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_nobody "$CTL" --socket "$GN_TMP/gn-$H/control.sock" --state-dir "$ST" check >/dev/null 2>"$GN_TMP/err"
rc=$?
check "not root: exit 2, says it needs root (got $rc: $(cat "$GN_TMP/err"))" \
	bash -c "[ $rc -eq 2 ] && grep -q 'needs root' \"$GN_TMP/err\""

# The reader on its own, in a bare namespace: a bridge with guardnet's alias,
# the accept rule typed by hand (iptables-nft writes that comment as an xt
# match, guardnetd as rule userdata) and legacy iptables in both families.
B=${GN_TAG}b
netns_add "$B"
ip -n "$B" link add "${GN_TAG}br" type bridge
ip -n "$B" link set "${GN_TAG}br" alias "guardnet:$(printf 'b%.0s' {1..64})"
in_ns "$B" iptables-nft -N DOCKER-USER
in_ns "$B" iptables-nft -I DOCKER-USER $rule
in_ns "$B" iptables-legacy -N DOCKER-USER
in_ns "$B" iptables-legacy -A DOCKER-USER -j RETURN
in_ns "$B" iptables-legacy -I DOCKER-USER $rule
in_ns "$B" ip6tables-legacy -A FORWARD -m comment --comment "not guardnet" -j ACCEPT
in_ns "$B" timeout 30 "$CTL" --socket "$GN_TMP/none.sock" --state-dir "$GN_TMP/none" check >"$GN_TMP/out" 2>&1
rc=$?
out=$(cat "$GN_TMP/out")
check "bare namespace: exit 1 (got $rc)" test "$rc" -eq 1
check "the hand-typed rule is found in iptables-nft, without the drops" has "$out" "^drift: iptables \(nf_tables\): guardnet's accept rule is in filter DOCKER-USER, but not both of its device group drops"
check "the legacy rule is found in a user chain, without the drops" has "$out" "^drift: iptables-legacy: guardnet's accept rule is in filter DOCKER-USER, but not both"
check "legacy ip6 FORWARD without it is reported" has "$out" "^drift: ip6tables-legacy: guardnet's accept rule is not in filter FORWARD"
check "the bridge without a table is reported" has "$out" "^drift: table inet guardnet is missing"

summary
