#!/bin/bash
# guardnet as a Docker managed plugin on one host, from `make plugin`: what
# the package holds, and that the plugin Docker starts from it protects
# published ports as guardnetd from the .deb does, follows the host's UFW
# through its mounts, logs through dockerd, answers guardnetctl and comes
# back after a crash.
#
#   [ H: dockerd -> plugin gn:latest (guardnetd) ] --- O: 192.0.2.2 (allowed), .3 (not)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-swarm.sh"
scenario plugin-managed
t0=$SECONDS
log_all_netns
P=$GN_PLUGIN_DIR

must plugin_build
cfg() { python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$P/config.json" "$1"; }
check "config.json: a network driver on the socket guardnet.sock" \
	cfg "c['Interface'] == {'Types': ['docker.networkdriver/1.0'], 'Socket': 'guardnet.sock'}"
check "config.json: the host's network" cfg "c['Network']['Type'] == 'host'"
check "config.json: CAP_NET_ADMIN and no other capability" cfg "c['Linux']['Capabilities'] == ['CAP_NET_ADMIN']"
check "config.json: UFW's directories read-only, state read-write, all settable" \
	cfg "{m['Destination']: (m['Options'][-1], m['Settable']) for m in c['Mounts']} == {'/etc/ufw': ('ro', ['source']), '/etc/default': ('ro', ['source']), '/etc/guardnet': ('ro', ['source']), '/var/lib/guardnet': ('rw', ['source'])}"
check "config.json: guardnetd's options settable as args" cfg "c['Args']['Name'] == 'args' and c['Args']['Settable'] == ['value']"
check "rootfs: the very guardnetd that make builds" cmp -s "$P/rootfs/usr/sbin/guardnetd" "$GN_BIN"
check "rootfs: no shell, no distribution" test ! -e "$P/rootfs/bin/sh" -a ! -e "$P/rootfs/usr/bin"
size=$(du -sm "$P/rootfs" | cut -f1)
check "rootfs: small (${size} MB)" test "$size" -lt 20
check "rootfs: guardnetd finds every library it needs" quiet chroot "$P/rootfs" /usr/sbin/guardnetd -V

must plugin_host
plugin_install "$H" "$GNP" args=-v
id=$(dk "$H" plugin inspect -f '{{.Id}}' "$GNP")
check "docker plugin enable starts it" test "$(dk "$H" plugin inspect -f '{{.Enabled}}' "$GNP")" = true
check "dockerd's log has guardnetd's lines, tagged with the plugin" \
	wait_until 5 grep -q "msg=\"guardnetd: guardnetd .* listening on /run/docker/plugins/guardnet.sock.* plugin=$id" \
	"$GN_TMP/docker-$H/dockerd.log"

if ! out=$(dk "$H" network create -d "$GNP" --subnet 10.210.0.0/24 -o guardnet.allow=192.0.2.2 n1 2>&1); then
	die "network create -d $GNP: $out"
fi
ok "network create -d $GNP"
nid=$(dk "$H" network inspect -f '{{.Id}}' n1)
check "the network is in the host's /var/lib/guardnet" test -f "$GN_TMP/node-$H/var-lib/guardnet/networks/$nid.json"
must dk "$H" run -d --name web --network n1 -p 8080:80 gnbox httpd -f -p 80 -h /www >/dev/null
# Polled: docker run returns before httpd listens.
expect_open "the allowed source reaches the published port" "$O" http://192.0.2.1:8080/ 192.0.2.2
check "another source is dropped" dropped "$O" 192.0.2.3 http://192.0.2.1:8080/ 80
check "the host reaches it on 127.0.0.1" reaches "$H" "" http://127.0.0.1:8080/
gnctl() { in_node "$H" "$GN_ROOT/build/guardnetctl" --socket "/run/docker/plugins/$id/control.sock" "$@"; }
status_lists_port() { gnctl status | grep -q 8080; }
check "guardnetctl status through the plugin's control socket" status_lists_port

must in_node "$H" ufw --force enable >/dev/null
must in_node "$H" ufw allow from 192.0.2.3 to any port 8080 proto tcp >/dev/null
check "the host's UFW rule reaches the plugin: 192.0.2.3 gets in" wait_until 5 reaches "$O" 192.0.2.3 http://192.0.2.1:8080/
must in_node "$H" ufw delete allow from 192.0.2.3 to any port 8080 proto tcp >/dev/null
check "and the rule's removal: 192.0.2.3 is dropped again" wait_until 5 dropped "$O" 192.0.2.3 http://192.0.2.1:8080/ 80

pid=$(plugin_pid "$H" "$GNP")
kill -9 "$pid"
restarted() { local p; p=$(plugin_pid "$H" "$GNP"); [ -n "$p" ] && [ "$p" != "$pid" ]; }
check "after kill -9, Docker starts the plugin again" wait_until 30 restarted
check "after the restart: the allowed source still gets in" wait_until 10 reaches "$O" 192.0.2.2 http://192.0.2.1:8080/
check "after the restart: another source is still dropped" dropped "$O" 192.0.2.3 http://192.0.2.1:8080/ 80
out=$(dk "$H" plugin disable "$GNP" 2>&1)
check "docker plugin disable refuses while a network uses it: $out" grep -q 'in use' <<<"$out"

say "# plugin-managed ran in $((SECONDS - t0)) s"
summary
