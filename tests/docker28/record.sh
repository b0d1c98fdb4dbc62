#!/bin/bash
# Records the requests Docker 28 sends guardnet for what the shared
# recordings do not show: an IPv6-only network (--ipv4=false) with
# published ports, and --driver-opt com.docker.network.endpoint.ifname
# (which guardnet refuses).  Writes spec/fixtures/docker-28.5.2-ipv6only-requests.jsonl,
# one {"path", "request"} object a line, as the other recordings.  Needs root.
set -u
export GUARDNET_DOCKER=28
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT
out=$GN_ROOT/spec/fixtures/docker-28.5.2-ipv6only-requests.jsonl

H=${GN_TAG}h
DRV=${GN_TAG}drv
netns_add "$H"
dockerd_start "$H" || exit 1
mkdir -p "$GN_TMP/gn"
# -v -v: guardnetd logs every request body.
nsenter --net=/run/netns/"$H" "$GN_BIN" -v -v --socket "$GN_PLUGINS/$DRV.sock" --state-dir "$GN_TMP/gn/state" \
	--config /dev/null --control "$GN_TMP/gn/control.sock" 2>"$GN_TMP/gn/log" &
GN_PIDS+=($!)
wait_until 10 plugin_call "$DRV" /Plugin.Activate || exit 1
image_load "$H" || exit 1

dk "$H" network create -d "$DRV" --ipv4=false --ipv6 --subnet fd00:97::/64 n6only >/dev/null || exit 1
dk "$H" run -d --name c6 --network n6only -p 8080:80 -p '[::1]:8443:443' -p 5000 gnbox sleep 1000 >/dev/null || exit 1
dk "$H" network create -d "$DRV" --subnet 10.97.0.0/24 n4 >/dev/null || exit 1
dk "$H" network connect --driver-opt com.docker.network.endpoint.ifname=data0 n4 c6 2>/dev/null &&
	{ echo "record.sh: guardnet accepted the ifname option" >&2; exit 1; }
dk "$H" rm -f c6 >/dev/null
dk "$H" network rm n6only n4 >/dev/null

python3 - "$GN_TMP/gn/log" "$out" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
recs = [{"path": "/" + m.group(1), "request": json.loads(m.group(2))}
        for m in re.finditer(r"debug: ((?:NetworkDriver|Plugin)\.\w+): request (\{.*\})\s*$", text, re.M)
        if not m.group(1).endswith(("Activate", "GetCapabilities"))]
with open(sys.argv[2], "w") as f:
    for r in recs:
        f.write(json.dumps(r) + "\n")
print(f"record.sh: {len(recs)} requests in {sys.argv[2]}")
PY
