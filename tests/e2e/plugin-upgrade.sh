#!/bin/bash
# The managed plugin installed from a registry (a local docker-registry in
# the test host), then upgraded the way Docker's documentation says
# (docker plugin disable -f, docker plugin upgrade, docker plugin set,
# docker plugin enable): the network and the container survive, and the
# port stays closed to the source that is not allowed, during the upgrade
# too.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-swarm.sh"
scenario plugin-upgrade
t0=$SECONDS
log_all_netns
R=localhost:5000/guardnet

command -v docker-registry >/dev/null || skip "docker-registry (packaging/deps.sh installs it)"
must plugin_build
must plugin_host

mkdir -p "$GN_TMP/registry"
cat >"$GN_TMP/registry.yml" <<EOF2
version: 0.1
storage: {filesystem: {rootdirectory: $GN_TMP/registry}}
http: {addr: 127.0.0.1:5000}
EOF2
in_node "$H" docker-registry serve "$GN_TMP/registry.yml" >"$GN_TMP/registry.log" 2>&1 &
GN_PIDS+=($!)
must wait_until 10 in_ns "$H" curl -sf http://127.0.0.1:5000/v2/
# Version 2 is version 1 with another description (and the same guardnetd).
cp -a "$GN_PLUGIN_DIR" "$GN_TMP/plugin2"
sed -i 's/"Description": "/"Description": "version 2 of /' "$GN_TMP/plugin2/config.json"
for v in 1 2; do
	dir=$GN_PLUGIN_DIR
	[ $v = 1 ] || dir=$GN_TMP/plugin2
	must dk "$H" plugin create "$R:$v" "$dir" >/dev/null
	must dk "$H" plugin push "$R:$v" >/dev/null
	must dk "$H" plugin rm "$R:$v" >/dev/null
done

out=$(dk "$H" plugin install --grant-all-permissions "$R:1" args=-v 2>&1)
check "docker plugin install from the registry: $(tail -1 <<<"$out")" test "$(dk "$H" plugin inspect -f '{{.Enabled}}' "$R:1" 2>/dev/null)" = true
if ! out=$(dk "$H" network create -d "$R:1" --subnet 10.210.0.0/24 -o guardnet.allow=192.0.2.2 n1 2>&1); then
	die "network create -d $R:1: $out"
fi
nid=$(dk "$H" network inspect -f '{{.Id}}' n1)
must dk "$H" run -d --name web --network n1 -p 8080:80 gnbox httpd -f -p 80 -h /www >/dev/null
# Polled: docker run returns before httpd listens.
expect_open "before: the allowed source gets in" "$O" http://192.0.2.1:8080/ 192.0.2.2
check "before: another source is dropped" dropped "$O" 192.0.2.3 http://192.0.2.1:8080/ 80

must dk "$H" plugin disable -f "$R:1" >/dev/null
check "disabled: another source is still dropped" dropped "$O" 192.0.2.3 http://192.0.2.1:8080/ 80
out=$(dk "$H" plugin upgrade --grant-all-permissions --skip-remote-check "$R:1" "$R:2" 2>&1)
check "docker plugin upgrade: $(tail -1 <<<"$out")" \
	test "$(dk "$H" plugin inspect -f '{{.PluginReference}}' "$R:1")" = "$R:2"
must dk "$H" plugin set "$R:1" args="-v -v"
must dk "$H" plugin enable "$R:1" >/dev/null
check "the upgraded plugin runs version 2" grep -q '^version 2 of' <<<"$(dk "$H" plugin inspect -f '{{.Config.Description}}' "$R:1")"
check "the driver keeps its name: the network is still there" test "$(dk "$H" network inspect -f '{{.Driver}}' n1)" = "$R:1"
check "guardnet kept the network's state" test -f "$GN_TMP/node-$H/var-lib/guardnet/networks/$nid.json"
check "after: the allowed source gets in" wait_until 10 reaches "$O" 192.0.2.2 http://192.0.2.1:8080/
check "after: another source is dropped" dropped "$O" 192.0.2.3 http://192.0.2.1:8080/ 80
must dk "$H" run -d --name web2 --network n1 -p 8081:80 gnbox httpd -f -p 80 -h /www >/dev/null
check "after: a new container publishes on the network" wait_until 10 reaches "$O" 192.0.2.2 http://192.0.2.1:8081/

say "# plugin-upgrade ran in $((SECONDS - t0)) s"
summary
