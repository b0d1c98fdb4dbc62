#!/bin/bash
# Figure 4, data path: TCP throughput of one iperf3 stream from the outside
# namespace through a published port to an iperf3 server in a container,
# on three networks of one dockerd, measured in rotating order each round:
#   gplain  guardnet, guardnet.allow=192.0.2.2/32, guardnet.ufw=off
#   gheavy  guardnet, guardnet.allow of 10,000 CIDRs (192.0.2.2/32 among
#           them), UFW enabled with 1,000 rules (none of them matches)
#   bnet    Docker's bridge driver
# Figures: gplain over bnet, and gheavy over gplain.
#
#   usage: bash tests/bench/datapath.sh [--quick]
set -u
. "$(dirname "$0")/lib.sh"
trap gn_cleanup EXIT

ROUNDS=$(pick 7 1)
SECS=$(pick 5 1)
CIDRS=$(pick 10000 100)
RULES=$(pick 1000 10)
testbed || exit 1
machine "$H"
perf_image_load "$H" || exit 1

python3 "$BENCH_DIR/tools/ufw_rules.py" "$RULES" "$UFW_ROOT/etc/ufw/user.rules" || exit 1
ufw --force enable || exit 1
dk "$H" network create -d "$DRV" --subnet 10.233.1.0/24 -o guardnet.allow=192.0.2.2/32 -o guardnet.ufw=off \
	gplain >/dev/null
# Every other /24, so that none merge; the value is too long for one
# command-line argument, so it goes through dockerd's API.
python3 - "$DRV" "$CIDRS" >"$GN_TMP/gheavy.json" <<'EOF'
import json, sys
drv, n = sys.argv[1], int(sys.argv[2])
cidrs = [f"10.{100 + i // 128}.{i % 128 * 2}.0/24" for i in range(n - 1)] + ["192.0.2.2/32"]
print(json.dumps({"Name": "gheavy", "Driver": drv, "IPAM": {"Config": [{"Subnet": "10.233.2.0/24"}]},
                  "Options": {"guardnet.allow": ",".join(cidrs)}}))
EOF
docker_api "$H" /networks/create "$GN_TMP/gheavy.json" >/dev/null || exit 1
dk "$H" network create -d bridge --subnet 10.233.3.0/24 bnet >/dev/null
declare -A port=([gplain]=5301 [gheavy]=5302 [bnet]=5303)
for n in gplain gheavy bnet; do
	dk "$H" run -d --name "p-$n" --network "$n" -p "${port[$n]}:5201" gnperf iperf3 -s >/dev/null
done

# iperf NETWORK [ARGS]: iperf3 from 192.0.2.2 to NETWORK's published port.
iperf() { in_ns "$O" timeout $((SECS + 10)) iperf3 -c 192.0.2.1 -p "${port[$1]}" "${@:2}"; }
ready() { iperf "$1" -B 192.0.2.2 -n 1K; }
for n in gplain gheavy bnet; do check "$n: iperf3 answers" wait_until 20 ready "$n"; done
nid=$(dk "$H" network inspect -f '{{.Id}}' gheavy | cut -c1-12)
# The /24s are ranges of its interval set, the one /32 an element of the
# hash set of single addresses.
check "gheavy: $CIDRS CIDRs in its allow sets" \
	test "$(in_ns "$H" nft list set inet guardnet "allow4-gn-$nid" | grep -oE '([0-9]+\.){3}[0-9]+' | wc -l)" -eq \
	"$((CIDRS - 1))" -a "$(in_ns "$H" nft list set inet guardnet allowh4 | grep -c "gn-$nid\" . 192.0.2.2")" -eq 1
check "UFW's $RULES rules are in guardnet's table ip guardnet" \
	test "$(in_ns "$H" nft list table ip guardnet | grep -c 'proto-dst 1[0-9]\{4\} ')" -ge "$RULES"
check "gheavy: 192.0.2.3 is not admitted" bash -c "! timeout 5 nsenter --net=/run/netns/$O iperf3 -c 192.0.2.1 -p ${port[gheavy]} -B 192.0.2.3 -n 1K"

# gbits NETWORK: Gbit/s received over SECS seconds.
gbits() {
	iperf "$1" -B 192.0.2.2 -t "$SECS" -J | python3 -c \
		'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}
order=(gplain gheavy bnet)
declare -A v
rb=() rh=() gp=() gh=() bb=()
for i in $(seq "$ROUNDS"); do
	for n in "${order[@]}"; do v[$n]=$(gbits "$n"); done
	order=("${order[@]:1}" "${order[0]}")
	say "round $i: gplain ${v[gplain]} Gbit/s, gheavy ${v[gheavy]} Gbit/s, bnet ${v[bnet]} Gbit/s"
	[ -n "${v[gplain]}" ] && [ -n "${v[gheavy]}" ] && [ -n "${v[bnet]}" ] || continue
	gp+=("${v[gplain]}") gh+=("${v[gheavy]}") bb+=("${v[bnet]}")
	rb+=("$(ratio "${v[gplain]}" "${v[bnet]}")") rh+=("$(ratio "${v[gheavy]}" "${v[gplain]}")")
done
check "$ROUNDS rounds measured" test "${#rb[@]}" -eq "$ROUNDS"
result datapath "TCP throughput, guardnet/bridge" ">=0.97" "${rb[*]}" "guardnet Gbit/s" "${gp[*]}" \
	"bridge Gbit/s" "${bb[*]}"
result datapath "TCP throughput, guardnet with $CIDRS CIDRs and $RULES UFW rules / guardnet with none" ">=0.97" \
	"${rh[*]}" "guardnet heavy Gbit/s" "${gh[*]}" "guardnet plain Gbit/s" "${gp[*]}"
summary bench_datapath
