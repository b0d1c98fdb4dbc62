#!/bin/bash
# Differential test against UFW itself: for rule lists generated from a
# fixed seed, a port guardnet publishes gives each source the same answer
# as a service on the host under the same UFW rules: the page, a refusal
# (reject) or no answer at all (deny, the default policy).
#
#   [ host H: ufw, a host service on 192.0.2.1:8080, and a container published
#     only on 192.0.2.100:8080 ] --veth-- [ outside O: 192.0.2.2, .3, .4 ]
#
#   GN_UFW_SEED=N replays other lists; GN_UFW_LISTS=N changes how many.
. "$(dirname "$0")/../lib.sh"
scenario ufw-seeded testbed
SEED=${GN_UFW_SEED:-20261125}
LISTS=${GN_UFW_LISTS:-30}
say "ufw differential test: seed $SEED, $LISTS rule lists"
must ip -n "$H" addr add 192.0.2.100/24 dev "${H:0:7}x"
www_make "$GN_TMP/hostwww"
nsenter --net=/run/netns/"$H" /bin/busybox httpd -f -p 192.0.2.1:8080 -h "$GN_TMP/hostwww" &
GN_PIDS+=($!)
must dk "$H" network create -d "$DRV" --subnet 10.223.1.0/24 -o guardnet.publish=192.0.2.100 n1
web be n1 -p 8080:80
must reachable "$H" http://192.0.2.100:8080/
must reachable "$H" http://192.0.2.1:8080/

# answer SRC ADDR: what SRC gets from ADDR:8080: open, refused or timeout.
answer() { probe "$O" "http://$2:8080/" "$1" 1; echo "$PROBE"; }
i=0
while IFS= read -r list; do
	i=$((i + 1))
	must ufw --force reset
	must ufw --force enable
	IFS=';' read -ra cmds <<<"$list"
	for c in "${cmds[@]}"; do
		# shellcheck disable=SC2086 # a ufw command line, split on purpose
		ufw $c >/dev/null || say "  (ufw refused: $c)"
	done
	for src in 192.0.2.2 192.0.2.3 192.0.2.4; do
		want=$(answer "$src" 192.0.2.1)
		# guardnet follows UFW's files within a moment: poll until it agrees or time runs out.
		deadline=$((SECONDS + 3))
		got=$(answer "$src" 192.0.2.100)
		while [ "$got" != "$want" ] && [ $SECONDS -lt $deadline ]; do
			sleep 0.2
			got=$(answer "$src" 192.0.2.100)
		done
		check "list $i [$list] from $src: host service $want, guardnet $got" test "$got" = "$want"
	done
done < <(python3 "$(dirname "$0")/ufw_rules_gen.py" "$SEED" "$LISTS" 8080)
summary
