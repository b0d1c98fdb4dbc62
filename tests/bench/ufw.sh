#!/bin/bash
# Figure 10, UFW at scale (issue 17): UFW enabled with RULES incoming rules,
# all but two of them `deny from CIDR` (a block list of /24s,
# tools/ufw_rules.py), then `allow from 192.0.2.2 to any port 8080` and the
# same for 8081, so that a new connection to either port is checked
# against every rule first.
# 8080 is a host service (tools/connrate.c's server in the test host),
# 8081 a port published on a guardnet network (the same server in a
# container), where guardnet applies UFW's rules itself.
# 10a: new connections per second from the outside (THREADS clients,
#      connect and reset, SECS seconds), the two ports in alternating
#      order; the figure is published port over host service.
# 10b: the time from a change of UFW's rules (user.rules replaced by one
#      with `allow from 192.0.2.3` on top, then `ufw reload`) until
#      192.0.2.3 gets through: on the published port (guardnet follows the
#      file) and on the host service (UFW's own reload).
#
#   usage: bash tests/bench/ufw.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 5 1)
SECS=$(pick 5 1)
RULES=$(pick 10000 20)
THREADS=4
testbed || exit 1
machine "$H"
gcc -static -O2 -pthread -o "$GN_TMP/connrate" "$BENCH_DIR/tools/connrate.c" 2>/dev/null || exit 1
mkdir -p "$GN_TMP/accroot/tmp" && cp "$GN_TMP/connrate" "$GN_TMP/accroot/connrate" &&
	tar -C "$GN_TMP/accroot" -cf "$GN_TMP/gnacc.tar" . && dk "$H" import "$GN_TMP/gnacc.tar" gnacc >/dev/null || exit 1

R=$UFW_ROOT/etc/ufw/user.rules
python3 "$BENCH_DIR/tools/ufw_rules.py" $((RULES - 2)) "$R" blocklist || exit 1
ufw --force enable && ufw allow from 192.0.2.2 to any port 8080 proto tcp &&
	ufw allow from 192.0.2.2 to any port 8081 proto tcp || exit 1
check "UFW's own chain holds the $RULES rules" test "$(in_ns "$H" iptables -S ufw-user-input | grep -c '^-A')" -eq "$RULES"
cp "$R" "$R.closed"
awk '{ print } /^### RULES ###$/ { print ""; print "### tuple ### allow any any 0.0.0.0/0 any 192.0.2.3 in";
	print "-A ufw-user-input -s 192.0.2.3 -j ACCEPT" }' "$R.closed" >"$R.open"
dk "$H" network create -d "$DRV" --subnet 10.235.1.0/24 unet >/dev/null &&
	dk "$H" run -d --name acc --network unet -p 8081:80 gnacc /connrate serve 80 >/dev/null
check "a server publishes 8081 on a guardnet network" test $? -eq 0
nsenter --net="/run/netns/$H" "$GN_TMP/connrate" serve 8080 &
GN_PIDS+=($!)
check "guardnet's table ip guardnet holds the $RULES rules" \
	test "$(in_ns "$H" nft list table ip guardnet | grep -cE ' (drop|accept|reject)')" -ge "$RULES"
# opens SRC PORT...: SRC gets a connection through to each PORT within 2 s.
opens() { in_ns "$O" "$GN_TMP/connrate" open 2000 "$1" 192.0.2.1 "${@:2}" -- true >/dev/null 2>&1; }
check "192.0.2.2 reaches the host service and the published port" wait_until 20 opens 192.0.2.2 8080 8081
closed() { ! opens 192.0.2.3 "$1"; }
check "192.0.2.3 (no rule) reaches neither" eval "closed 8080 && closed 8081"

# --- 10a
g=() h=() r=()
for i in $(seq "$ROUNDS"); do
	order=(8081 8080)
	[ $((i % 2)) = 0 ] && order=(8080 8081)
	declare -A v=()
	for p in "${order[@]}"; do
		v[$p]=$(in_ns "$O" "$GN_TMP/connrate" rate 192.0.2.2 192.0.2.1 "$p" "$SECS" "$THREADS")
	done
	say "round $i: published port ${v[8081]}; host service ${v[8080]}"
	gp=$(field per_s "${v[8081]}") hp=$(field per_s "${v[8080]}")
	[ -n "$gp" ] && [ -n "$hp" ] && [ "$hp" != 0 ] || continue
	g+=("$gp") h+=("$hp") r+=("$(ratio "$gp" "$hp")")
done
check "$ROUNDS rounds of connection rates" test "${#r[@]}" -eq "$ROUNDS"
result ufw "new connections/s under $RULES UFW rules, published port / host service" ">=1.0" "${r[*]}" \
	"published port conn/s" "${g[*]}" "host service conn/s" "${h[*]}"

# --- 10b
export -f ufw
export UFW_ROOT UFW_NS GN_TMP
# swap open|closed: user.rules replaced (as ufw writes it: a new file
# renamed over the old), then ufw reload.
swap() { echo "cp '$R.$1' '$R.new' && mv '$R.new' '$R' && ufw reload"; }
gm=() um=() rr=()
for i in $(seq "$ROUNDS"); do
	out=$(in_ns "$O" "$GN_TMP/connrate" open 60000 192.0.2.3 192.0.2.1 8081 8080 -- bash -c "$(swap open)")
	say "round $i: $out"
	bash -c "$(swap closed)"
	wait_until 60 eval "closed 8080 && closed 8081" || { say "round $i: 192.0.2.3 was not shut out again"; break; }
	gt=$(field 8081_ms "$out") ut=$(field 8080_ms "$out")
	[ -n "$gt" ] && [ -n "$ut" ] || continue
	gm+=("$gt") um+=("$ut") rr+=("$(ratio "$gt" "$ut")")
done
check "$ROUNDS rounds of rule changes" test "${#gm[@]}" -eq "$ROUNDS"
result ufw "ms from user.rules replaced until the published port admits 192.0.2.3 ($RULES rules)" "<=1000" \
	"${gm[*]}" "host service (after ufw reload) ms" "${um[*]}" "published / host service" "${rr[*]}"
summary bench_ufw
