#!/bin/bash
# Crash and restart under churn: cycles of `docker run -p ...` (TCP and UDP,
# fixed host ports and HostPort 0, IPv4 and IPv6) and `docker rm -f` on two
# guardnet networks, while guardnetd is killed with SIGKILL at points drawn
# from a seed and started again, at once or only after Docker has given up
# on it.  Docker may fail a request while guardnetd is down; afterwards, at
# checkpoints and at the end, guardnetd must agree with Docker, every
# published port must answer the host and give the outside no answer, and nothing
# of a removed endpoint may be left (tests/e2e/consistency.py).
#
#   CHURN_SEED=N replays a run's choices; CHURN_CYCLES=N changes its length.
. "$(dirname "$0")/../lib.sh"
scenario churn-sigkill
# CHURN_LOGS=DIR keeps guardnetd's and dockerd's logs there.
keep_logs() {
	[ -n "${CHURN_LOGS:-}" ] || return 0
	mkdir -p "$CHURN_LOGS" && cp "$GN_TMP"/gn-*/guardnetd.log "$GN_TMP"/docker-*/dockerd.log "$CHURN_LOGS"
}
at_exit keep_logs

SEED=${CHURN_SEED:-7310}
CYCLES=${CHURN_CYCLES:-50}
say "churn: seed $SEED, $CYCLES cycles (CHURN_SEED=$SEED bash $0 replays the same choices)"
RANDOM=$SEED
must testbed
STATE=$GN_TMP/gn-$H/state
# checkpoint WHAT: guardnetd drops what Docker abandoned while it was down
# within a grace period of its own, so wait for agreement, then look closely.
checkpoint() {
	wait_until 120 consistent
	check "$1: guardnetd agrees with Docker, published ports answer the host only, nothing leaked" \
		consistent --reach
}

for n in 1 2; do
	must dkt network create -d "$DRV" --ipv6 --subnet 10.222.$n.0/24 --subnet fd00:222:$n::/64 n$n
done

declare -A live=()      # container -> the fixed host ports it holds, "tcp:20001 udp:20007"
kills=0 refused=0
# A fixed host port no live container holds.
free_port() {
	local proto=$1 p
	while :; do
		p=$((20000 + RANDOM % 20))
		grep -qw "$proto:$p" <<<"${live[*]:-}" || grep -qw "$proto:$p" <<<"$held" || break
	done
	held+=" $proto:$p"
	port=$p
}
# step KILL DELAY LATE COMMAND...: runs a Docker command; with KILL=1,
# guardnetd gets SIGKILL DELAY ms into it (the command may have finished by
# then: the kill lands between steps) and is started again at once, or with
# LATE=1 only once the command has returned.  Sets rc and out.
step() {
	local k=$1 delay=$2 late=$3 cpid
	shift 3
	if [ "$k" = 0 ]; then
		out=$("$@" 2>&1)
		rc=$?
		return
	fi
	kills=$((kills + 1))
	say "  cycle $i: SIGKILL ${delay} ms into: ${*:2:3}, restart $([ "$late" = 1 ] && echo "after Docker gave up" || echo "at once")"
	"$@" >"$GN_TMP/step.out" 2>&1 &
	cpid=$!
	# Not a synchronisation: the delay is the randomly chosen kill point.
	sleep "$(printf '0.%03d' "$delay")"
	guardnetd_stop "$H" KILL
	[ "$late" = 1 ] || guardnetd_start "$H" "$DRV" || fail "guardnetd restart"
	wait "$cpid"
	rc=$?
	[ "$late" = 1 ] && { guardnetd_start "$H" "$DRV" || fail "guardnetd restart"; }
	out=$(cat "$GN_TMP/step.out")
}

for ((i = 1; i <= CYCLES; i++)); do
	# Every choice of the cycle is drawn here, in a fixed order.
	net=n$((RANDOM % 2 + 1))
	# Some endpoints admit one outside source of their own (guardnet.allow).
	[ $((RANDOM % 4)) = 0 ] && net="name=$net,driver-opt=guardnet.allow=192.0.2.4/32"
	nports=$((RANDOM % 3 + 1))
	held="" pargs=() fixed=""
	for ((j = 0; j < nports; j++)); do
		case $((RANDOM % 4)) in
		0) free_port tcp; pargs+=(-p "$port:80"); fixed+=" tcp:$port" ;;
		1) pargs+=(-p 80) ;;
		2) free_port udp; pargs+=(-p "$port:5353/udp"); fixed+=" udp:$port" ;;
		3) pargs+=(-p 5353/udp) ;;
		esac
	done
	kill_at=$((RANDOM % 10))      # 0-2: during run, 3-5: during rm, else no kill
	delay=$((RANDOM % 400))       # ms; Docker calls guardnetd about 100-300 ms into a run
	late=$((RANDOM % 6 == 0 ? 1 : 0))
	names=("${!live[@]}")
	victim=""
	if [ ${#names[@]} -ge 4 ] || { [ ${#names[@]} -gt 0 ] && [ $((RANDOM % 2)) = 0 ]; }; then
		victim=${names[$((RANDOM % ${#names[@]}))]}
	fi

	c=ch$i
	step $((kill_at < 3)) "$delay" "$late" dkt run -d --name "$c" --network "$net" "${pargs[@]}" gnbox \
		sh -c 'udp serve 5353 & exec httpd -f -p 80 -h /www'
	if [ "$rc" = 0 ]; then
		live[$c]=$fixed
	elif [ "$kill_at" -lt 3 ]; then
		refused=$((refused + 1))
		say "  cycle $i: docker run failed while guardnetd was down (tolerated): ${out//$'\n'/ }"
		dkt rm -f "$c" >/dev/null 2>&1
	else
		fail "cycle $i: docker run ${pargs[*]} on $net failed: $out"
	fi
	if [ -n "$victim" ]; then
		k=$((kill_at >= 3 && kill_at < 6))
		step "$k" "$delay" "$late" dkt rm -f "$victim"
		if [ "$rc" != 0 ] && [ "$k" = 1 ]; then
			refused=$((refused + 1))
			say "  cycle $i: docker rm failed while guardnetd was down (tolerated): ${out//$'\n'/ }"
			step 0 0 0 dkt rm -f "$victim"
		fi
		if [ "$rc" = 0 ]; then unset "live[$victim]"; else fail "cycle $i: docker rm -f $victim: $out"; fi
	fi
	[ $((i % 10)) = 0 ] && checkpoint "cycle $i ($kills kills so far)"
done
[ $((CYCLES % 10)) = 0 ] || checkpoint "after cycle $CYCLES ($kills kills)"
say "churn: $kills kills, $refused Docker requests failed while guardnetd was down"

# The end: everything removed, nothing left.
for c in $(dkt ps -aq); do must dkt rm -f "$c"; done
check "network rm n1 n2 after the churn" quiet dkt network rm n1 n2
check "at the end: nothing left (state, links, nftables, sysctls)" consistent
check "at the end: no guardnet link" test "$(gn_links "$H")" -eq 0
check "at the end: no state file" no_state "$H"
check "at the end: no guardnet table (guardnet, guardnet_count)" bash -c "! nsenter --net=/run/netns/$H nft list tables | grep -q guardnet"
summary
