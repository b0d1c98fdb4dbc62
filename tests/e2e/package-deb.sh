#!/bin/bash
# The Debian package: it builds, lintian finds no error, it installs on this
# machine, systemd accepts the unit, the unit's own ExecStart line serves a
# real dockerd in a test host, guardnetctl works on its default socket, and
# a purge leaves nothing behind.  Everything that touches the firewall
# (guardnetd, the purge) runs in the test host's namespaces, never in the
# machine's own.
#
#   [ host H: dockerd, the packaged guardnetd (driver "guardnet") ] 192.0.2.1 --veth-- [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario package-deb
exclusive dpkg
# A failed run must not leave the package installed.
at_exit 'dpkg-query -W guardnet >/dev/null 2>&1 && in_ns "$H" dpkg --purge guardnet >/dev/null 2>&1'
must testbed

cd "$GN_ROOT" || exit 1
check "make deb" logged deb_build
deb=$(ls build/deb/guardnet_*_*.deb | head -1)
errors=$(lintian "$deb" 2>/dev/null | grep '^E:')
check "lintian reports no error ${errors}" test -z "$errors"
check "dpkg -i" quiet in_ns "$H" dpkg -i "$deb"
for f in /usr/sbin/guardnetd /usr/sbin/guardnetctl /etc/guardnet/guardnet.conf /lib/systemd/system/guardnet.service \
	/usr/share/man/man8/guardnetd.8.gz /usr/share/man/man5/guardnet.conf.5.gz; do
	check "installed $f" test -e "$f"
done
check "the configuration is a conffile" grep -q /etc/guardnet/guardnet.conf /var/lib/dpkg/info/guardnet.conffiles
check "systemd-analyze verify accepts the unit" quiet systemd-analyze verify /lib/systemd/system/guardnet.service
check "the unit starts before docker.service" grep -qx 'Before=docker.service' /lib/systemd/system/guardnet.service

# The unit's own command line, in the test host, as the driver "guardnet",
# in place of the test's guardnetd (one per namespace: a second one refuses).
check "a second guardnetd in the namespace refuses to start" bash -c \
	"! nsenter --net=/run/netns/$H /usr/sbin/guardnetd --socket $GN_TMP/second.sock --state-dir $GN_TMP/second"
must guardnetd_stop "$H"
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/guardnet.service)
host_mounts "$H"
# shellcheck disable=SC2086 # the unit's command line, split as systemd does
"${GN_MOUNTS[@]}" $exec_start >"$GN_TMP/unit.log" 2>&1 &
unit_pid=$!
GN_PIDS+=($unit_pid)
# Whether the unit's command line works, not how fast it starts (that is
# bench/restart.sh's): 30 s, and on failure what was there.
t0=$SECONDS
if wait_until 30 plugin_call guardnet /Plugin.Activate; then
	ok "ExecStart ($exec_start) listens (Plugin.Activate answered after $((SECONDS - t0)) s)"
else
	fail "ExecStart ($exec_start) listens: no answer to Plugin.Activate in 30 s; the process $(pid_gone "$unit_pid" && echo "is gone" || echo "runs"); socket $(plugin_sock guardnet); curl: $(curl -sS -m 5 --unix-socket "$(plugin_sock guardnet)" -X POST http://plugin/Plugin.Activate 2>&1 | head -c 200)"
fi
must dk "$H" network create -d guardnet --subnet 10.225.1.0/24 pkgnet
web pkgweb pkgnet -p 8080:80
expect_open "the packaged guardnetd serves dockerd: the host gets 200" "$H" http://127.0.0.1:8080/
expect_dropped "and the outside is blocked" "$O" http://192.0.2.1:8080/
# guardnetctl, installed with the package, on the default control socket.
status=$(guardnetctl --no-docker status)
check "guardnetctl status lists the network" grep -q ', bridge gn-' <<<"$status"
check "guardnetctl status lists the published port" grep -q '^    0.0.0.0:8080->80/tcp ' <<<"$status"
check "guardnetctl --json status" bash -c "guardnetctl --json status | python3 -c 'import json,sys; json.load(sys.stdin)'"
check "guardnetctl check: no drift" quiet guardnetctl check
must dk "$H" network create -d guardnet --subnet 10.225.2.0/24 drift
must_read id dk "$H" network inspect -f '{{.Id}}' drift
must ip -n "$H" link del "gn-${id:0:12}"
out=$(guardnetctl check)
rc=$?
check "guardnetctl check finds a deleted bridge (exit $rc): $out" bash -c "[ $rc -eq 1 ] && grep -q 'is missing' <<<'$out'"
must dk "$H" network rm drift
check "guardnetctl is for root only" bash -c "! setpriv --reuid=nobody --regid=nogroup --clear-groups guardnetctl status 2>/dev/null"
kill "$unit_pid"
must wait_until 20 pid_gone "$unit_pid"
check "stopped: the rules stay (published ports stay closed)" quiet in_ns "$H" nft list table inet guardnet

check "dpkg --purge" quiet in_ns "$H" dpkg --purge guardnet
for f in /usr/sbin/guardnetd /etc/guardnet /var/lib/guardnet /lib/systemd/system/guardnet.service; do
	check "purged: no $f" test ! -e "$f"
done
check "purged: no guardnet table (guardnet, guardnet_count)" bash -c "! nsenter --net=/run/netns/$H nft list tables | grep -q guardnet"
check "purged: no guardnet rule in iptables" bash -c "! nsenter --net=/run/netns/$H iptables-save | grep -q guardnet"
check "purged: no guardnet link" bash -c "! ip -n $H -o link show | grep -q 'alias guardnet:'"
[ "$GN_FAILED" -eq 0 ] || { say "--- the packaged guardnetd's log"; tail -20 "$GN_TMP/unit.log"; }
summary
