# shellcheck shell=bash
# Docker's side of the plugin protocol, for tests without dockerd, and
# guardnet's table as tests compare it, for tests/lib.sh (which sources
# this file and lists what it offers).

# Docker's side of the plugin protocol, on $DRV (tests without dockerd).
# drv_id TAG: a 64-hex-digit ID.
drv_id() { printf '%s%0*d' "$1" $((64 - ${#1})) 0; }

# drv_epa 4|6 TAG: the chain and set of endpoint TAG's guardnet.allow
# (names_epallow: 12 characters of its ID).
drv_epa() { local id; id=$(drv_id "$2"); printf 'epa%s-%s' "$1" "${id:0:12}"; }

drv_call() { plugin_call "$DRV" "/NetworkDriver.$1" "$2" >/dev/null; }

drv_ref() { printf '"NetworkID":"%s","EndpointID":"%s"' "$(drv_id "$1")" "$(drv_id "$2")"; }

# drv_net TAG V4POOL V4GW V6POOL V6GW GENERIC (V6POOL "": IPv4 only)
drv_net() {
	local v6='[]' on=false
	[ -n "$4" ] && { v6="[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"$4\",\"Gateway\":\"$5\"}]"; on=true; }
	drv_call CreateNetwork "{\"NetworkID\":\"$(drv_id "$1")\",\"Options\":{\"com.docker.network.enable_ipv6\":$on,
		\"com.docker.network.generic\":$6},\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"$2\",
		\"Gateway\":\"$3\"}],\"IPv6Data\":$v6}"
}

# drv_ep NET EP V4ADDR V6ADDR [ALLOW]: CreateEndpoint and Join.
drv_ep() {
	local opts=
	[ -n "${5:-}" ] && opts="\"guardnet.allow\":\"$5\""
	drv_call CreateEndpoint "{$(drv_ref "$1" "$2"),\"Interface\":{\"Address\":\"$3\",\"AddressIPv6\":\"$4\",
		\"MacAddress\":\"\"},\"Options\":{$opts}}" &&
		drv_call Join "{$(drv_ref "$1" "$2"),\"SandboxKey\":\"/var/run/docker/netns/$2\",\"Options\":{}}"
}

# drv_pm PROTO PORT HOSTIP HOSTPORT [HOSTPORTEND]: one portmap entry.
drv_pm() { printf '{"Proto":%s,"IP":"","Port":%s,"HostIP":"%s","HostPort":%s,"HostPortEnd":%s}' "$1" "$2" "$3" "$4" "${5:-$4}"; }

# drv_pub NET EP ENTRY...: ProgramExternalConnectivity.
drv_pub() {
	local n=$1 e=$2 IFS=,
	shift 2
	drv_call ProgramExternalConnectivity "{$(drv_ref "$n" "$e"),\"Options\":{\"com.docker.network.portmap\":[$*]}}"
}

# drv_try_pub NET EP ENTRY: ProgramExternalConnectivity that may fail; prints the reply.
drv_try_pub() {
	curl -s --unix-socket "$(plugin_sock "$DRV")" -X POST \
		-d "{$(drv_ref "$1" "$2"),\"Options\":{\"com.docker.network.portmap\":[$3]}}" \
		http://plugin/NetworkDriver.ProgramExternalConnectivity
}

drv_revoke() { drv_call RevokeExternalConnectivity "{$(drv_ref "$1" "$2")}"; }

drv_leave() { drv_call Leave "{$(drv_ref "$1" "$2")}"; }

drv_delete() { drv_call DeleteEndpoint "{$(drv_ref "$1" "$2")}"; }

# nft_handle NS: the handle of guardnet's table (a new one after a rebuild).
nft_handle() { in_ns "$1" nft -a list table inet guardnet | sed -n '1s/.*# handle \([0-9]*\).*/\1/p'; }

# nft_has NS KIND NAME TEXT: guardnet's set or map NAME lists TEXT; nft_lacks: it exists without.
nft_has() { in_ns "$1" nft list "$2" inet guardnet "$3" | grep -qF -- "$4"; }

nft_lacks() { in_ns "$1" nft list "$2" inet guardnet "$3" >/dev/null && ! nft_has "$@"; }

# nft_gone NS KIND NAME: table inet guardnet has no such chain or set.
nft_gone() { ! in_ns "$1" nft list "$2" inet guardnet "$3" >/dev/null 2>&1; }

# same_as_rebuild WHAT: guardnet's table on $H, built change by change, is
# the table a restarted guardnetd builds whole from the same state.  (A
# restart leaves a table that is right as it is: the table goes first.)
same_as_rebuild() {
	local inc full
	inc=$(nft_dump "$H")
	guardnetd_stop "$H" && in_ns "$H" nft delete table inet guardnet && guardnetd_start "$H" "$DRV" ||
		{ fail "$1: guardnetd restarts without its table"; return; }
	full=$(nft_dump "$H")
	if [ -n "$inc" ] && [ "$inc" = "$full" ]; then
		ok "$1: incremental table = full rebuild ($(wc -l <<<"$inc") objects)"
	else
		fail "$1: incremental table differs from the full rebuild"
		diff <(echo "$inc") <(echo "$full") | head -20
	fi
}

# nft_dump NS [table|ruleset]: guardnet's table (or the whole ruleset) as
# JSON, one object a line: no handles, counters zeroed, the elements of each
# set sorted (a hash set lists them in no fixed order), objects sorted by
# kind and name with each chain's rules in their order.
nft_dump() {
	local what="table inet guardnet"
	[ "${2:-table}" = ruleset ] && what=ruleset
	# shellcheck disable=SC2086 # two words on purpose
	in_ns "$1" nft -j list $what | python3 -c '
import json, sys
def clean(o):
    if isinstance(o, dict):
        return {k: ({} if k == "counter" else clean(v)) for k, v in o.items() if k != "handle"}
    if isinstance(o, list):
        return [clean(v) for v in o]
    return o
# Objects by kind and name (the kernel lists them in the order they were
# made, which a change by parts and a whole build do not share), a
# chains rules in their order.
order = {"table": 0, "set": 1, "map": 1, "chain": 2, "rule": 3}
def key(o):
    kind = next(iter(o))
    return (order.get(kind, 4), o[kind].get("chain" if kind == "rule" else "name", ""))
out = []
for o in json.load(sys.stdin)["nftables"]:
    o = clean(o)
    for kind in ("set", "map"):
        if kind in o and "elem" in o[kind]:
            o[kind]["elem"] = sorted(o[kind]["elem"], key=lambda e: json.dumps(e, sort_keys=True))
    if "metainfo" not in o:
        out.append(o)
for o in sorted(out, key=key):
    print(json.dumps(o, sort_keys=True))'
}

# expect_same DESCRIPTION FILE COMMAND...: COMMAND prints what FILE holds.
expect_same() {
	local d=$1 file=$2 now=$GN_TMP/same.now
	shift 2
	"$@" >"$now" 2>&1
	if [ -s "$file" ] && cmp -s "$file" "$now"; then
		ok "$d ($(wc -l <"$file") lines)"
	else
		fail "$d"
		diff "$file" "$now" | head -20 | sed 's/^/    /'
	fi
}
