#!/bin/bash
# Differential test against UFW itself: for rule lists generated from a fixed
# seed, a port guardnet publishes is reachable from exactly the sources that
# reach a service on the host under the same UFW rules.
#
#   [ host H: ufw, a host service on 192.0.2.1:8080, and a container published
#     only on 192.0.2.100:8080 ] --veth-- [ outside O: 192.0.2.2, .3, .4 ]
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

SEED=${GN_UFW_SEED:-20261125}
LISTS=${GN_UFW_LISTS:-30}
say "ufw differential test: seed $SEED, $LISTS rule lists"
testbed || exit 1
ip -n "$H" addr add 192.0.2.100/24 dev "${H:0:7}x"
www_make "$GN_TMP/hostwww"
nsenter --net=/run/netns/"$H" /bin/busybox httpd -f -p 192.0.2.1:8080 -h "$GN_TMP/hostwww" &
GN_PIDS+=($!)
dk "$H" network create -d "$DRV" --subnet 10.223.1.0/24 -o guardnet.publish=192.0.2.100 n1 >/dev/null
dk "$H" run -d --name be --network n1 -p 8080:80 gnbox httpd -f -p 80 -h /www >/dev/null
wait_until 5 in_ns "$H" curl -sf -m 1 http://192.0.2.100:8080/ || { fail "setup"; summary ufw_diff; exit 1; }

# reach SRC ADDR: 1 when SRC gets the page from ADDR:8080, else 0.
reach() { [ "$(in_ns "$O" curl -s -m 0.5 --interface "$1" "http://$2:8080/" 2>/dev/null)" = "hello from guardnet" ] && echo 1 || echo 0; }
i=0
while IFS= read -r list; do
	i=$((i + 1))
	ufw --force reset
	ufw --force enable
	IFS=';' read -ra cmds <<<"$list"
	for c in "${cmds[@]}"; do
		# shellcheck disable=SC2086 # a ufw command line, split on purpose
		ufw $c || say "  (ufw refused: $c)"
	done
	for src in 192.0.2.2 192.0.2.3 192.0.2.4; do
		want=$(reach "$src" 192.0.2.1)
		# guardnet follows UFW's files within a moment: poll until it agrees or time runs out.
		deadline=$((SECONDS + 3))
		got=$(reach "$src" 192.0.2.100)
		while [ "$got" != "$want" ] && [ $SECONDS -lt $deadline ]; do
			sleep 0.2
			got=$(reach "$src" 192.0.2.100)
		done
		check "list $i [$list] from $src: host service $want, guardnet $got" test "$got" = "$want"
	done
done < <(python3 "$(dirname "$0")/ufw_rules_gen.py" "$SEED" "$LISTS" 8080)

[ "$GN_FAILED" -gt 0 ] && { say "--- guardnetd log"; tail -30 "$GN_TMP/gn-$H/guardnetd.log"; }
summary ufw_diff
