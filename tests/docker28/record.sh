#!/bin/bash
# Records the requests Docker 28 sends guardnet for what the shared
# recordings do not show: an IPv6-only network (--ipv4=false) with
# published ports, and --driver-opt com.docker.network.endpoint.ifname
# (which guardnet refuses).  Writes
# spec/fixtures/docker-28.5.2-ipv6only-requests.jsonl, one {"path",
# "request"} object a line, as the other recordings.  Needs root.
export GUARDNET_DOCKER=28
. "$(dirname "$0")/../lib.sh"
scenario record
out=$GN_ROOT/spec/fixtures/docker-28.5.2-ipv6only-requests.jsonl

must docker_host
image_load "$H" || die "image_load"
# -v -v: guardnetd logs every request body.
must guardnetd_stop "$H"
log=$GN_TMP/gn-$H/guardnetd.log
: >"$log"
host_mounts "$H"
"${GN_MOUNTS[@]}" "$GN_BIN" -v -v --socket "$(plugin_sock "$DRV")" --state-dir "$GN_TMP/gn-$H/state" \
	--config "$GN_TMP/gn-$H/guardnet.conf" --control "$GN_TMP/gn-$H/control.sock" >>"$log" 2>&1 &
GN_PIDS+=($!)
must wait_until 10 plugin_call "$DRV" /Plugin.Activate

must dk "$H" network create -d "$DRV" --ipv4=false --ipv6 --subnet fd00:97::/64 n6only
must dk "$H" run -d --name c6 --network n6only -p 8080:80 -p '[::1]:8443:443' -p 5000 gnbox sleep 1000
must dk "$H" network create -d "$DRV" --subnet 10.97.0.0/24 n4
check "guardnet refuses the ifname option" bash -c "! $GN_DOCKER_CLI -H unix://$GN_TMP/docker-$H/docker.sock \
	network connect --driver-opt com.docker.network.endpoint.ifname=data0 n4 c6"
must dk "$H" rm -f c6
must dk "$H" network rm n6only n4

check "the requests written to $out" python3 - "$log" "$out" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
recs = [{"path": "/" + m.group(1), "request": json.loads(m.group(2))}
        for m in re.finditer(r"debug: ((?:NetworkDriver|Plugin)\.\w+): request (\{.*\})\s*$", text, re.M)
        if not m.group(1).endswith(("Activate", "GetCapabilities"))]
with open(sys.argv[2], "w") as f:
    for r in recs:
        f.write(json.dumps(r) + "\n")
print(f"record.sh: {len(recs)} requests", file=sys.stderr)
sys.exit(0 if recs else 1)
PY
summary
