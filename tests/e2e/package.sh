#!/bin/bash
# The Debian package: it builds, lintian finds no error, it installs on this
# machine, systemd accepts the unit, the unit's own ExecStart line serves a
# real dockerd in a test host, and a purge leaves nothing behind.
#
# Everything that touches the firewall (guardnetd, the purge) runs inside the
# test host's namespace, never in the machine's own.
set -u
. "$(dirname "$0")/../lib.sh"
cleanup() {
	# A failed run must not leave the package installed.
	if dpkg-query -W guardnet >/dev/null 2>&1; then
		nsenter --net=/run/netns/"$H" dpkg --purge guardnet >/dev/null 2>&1
	fi
	gn_cleanup
}
trap cleanup EXIT
testbed || exit 1

cd "$GN_ROOT"
check "make deb" quiet make deb
deb=$(ls build/deb/guardnet_*_*.deb | head -1)
errors=$(lintian "$deb" 2>/dev/null | grep '^E:')
check "lintian reports no error ${errors}" test -z "$errors"
check "dpkg -i" quiet nsenter --net=/run/netns/"$H" dpkg -i "$deb"
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
pid_var=GUARDNETD_PID_${H//-/_}
kill "${!pid_var}"
wait "${!pid_var}" 2>/dev/null
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/guardnet.service)
nsenter --net=/run/netns/"$H" $exec_start >"$GN_TMP/unit.log" 2>&1 &
unit_pid=$!
GN_PIDS+=($unit_pid)
check "ExecStart ($exec_start) listens" wait_until 10 plugin_call guardnet /Plugin.Activate
dk "$H" network create -d guardnet --subnet 10.225.1.0/24 pkgnet >/dev/null
dk "$H" run -d --name pkgweb --network pkgnet -p 8080:80 gnbox httpd -f -p 80 -h /www >/dev/null
check "the packaged guardnetd serves dockerd: the host gets 200" \
	test "$(in_ns "$H" curl -s -m 3 http://127.0.0.1:8080/)" = "hello from guardnet"
check "and the outside is blocked" test -z "$(in_ns "$O" curl -s -m 3 http://192.0.2.1:8080/)"
# guardnetctl, installed with the package, on the default control socket.
status=$(guardnetctl status)
check "guardnetctl status lists the network and the published port" \
	bash -c "grep -q 'bridge gn-' <<<'$status' && grep -q '0.0.0.0:8080/tcp -> 10.225.1.2:80' <<<'$status'"
check "guardnetctl --json status" bash -c "guardnetctl --json status | python3 -c 'import json,sys; json.load(sys.stdin)'"
check "guardnetctl check: no drift" quiet guardnetctl check
dk "$H" network create -d guardnet --subnet 10.225.2.0/24 drift >/dev/null
ip -n "$H" link del "gn-$(dk "$H" network inspect -f '{{.Id}}' drift | cut -c1-12)"
out=$(guardnetctl check)
rc=$?
check "guardnetctl check finds a deleted bridge (exit $rc): $out" bash -c "[ $rc -eq 1 ] && grep -q 'is missing' <<<'$out'"
dk "$H" network rm drift >/dev/null
check "guardnetctl is for root only" bash -c "! setpriv --reuid=nobody --regid=nogroup --clear-groups guardnetctl status 2>/dev/null"
kill "$unit_pid"
wait "$unit_pid" 2>/dev/null
check "stopped: the rules stay (published ports stay closed)" quiet in_ns "$H" nft list table inet guardnet

check "dpkg --purge" quiet nsenter --net=/run/netns/"$H" dpkg --purge guardnet
for f in /usr/sbin/guardnetd /etc/guardnet /var/lib/guardnet /lib/systemd/system/guardnet.service; do
	check "purged: no $f" test ! -e "$f"
done
check "purged: no guardnet table" bash -c "! nsenter --net=/run/netns/$H nft list table inet guardnet 2>/dev/null"
check "purged: no guardnet rule in iptables" bash -c "! nsenter --net=/run/netns/$H iptables-save | grep -q guardnet"
check "purged: no guardnet link" bash -c "! ip -n $H -o link show | grep -q 'alias guardnet:'"

# The same package where systemd is PID 1 (it is not on this machine): in a
# private mount namespace /run/systemd/system exists, systemctl is
# tests/tools/systemctl-standin (it records each call and runs the unit's
# ExecStart, returning once guardnetd says READY=1, as Type=notify does) and
# policy-rc.d allows starts.  dpkg runs in the test host's network namespace.
with_systemd() {
	mkdir -p "$GN_TMP/systemd/system"
	nsenter --net=/run/netns/"$H" unshare --mount bash -c '
		mount --bind "$0" /run/systemd && mount --bind "$1" /usr/bin/systemctl &&
		{ [ ! -e /usr/sbin/policy-rc.d ] || mount --bind /bin/true /usr/sbin/policy-rc.d; } &&
		shift && exec "$@"' "$GN_TMP/systemd" "$GN_ROOT/tests/tools/systemctl-standin" "$@"
}
standin_log() { cat "$GN_TMP/systemd/standin.log" 2>/dev/null; }
sysd_dpkg() { with_systemd dpkg "$@" >>"$GN_TMP/dpkg.out" 2>&1; }
check "with systemd: dpkg -i" sysd_dpkg -i "$deb"
check "with systemd: postinst reloaded systemd and started guardnet.service ($(standin_log | tr '\n' ';'))" \
	bash -c "grep -qx 'daemon-reload ' <<<'$(standin_log)' && grep -qx 'start guardnet.service' <<<'$(standin_log)'"
check "with systemd: the unit was enabled" test -L /etc/systemd/system/multi-user.target.wants/guardnet.service
check "with systemd: guardnetd said READY=1 (Type=notify) before start returned" grep -qx 'ready /usr/sbin/guardnetd' \
	<<<"$(standin_log)"
check "with systemd: the started guardnetd answers Docker" plugin_call guardnet /Plugin.Activate
dk "$H" network create -d guardnet --subnet 10.225.3.0/24 pkgnet2 >/dev/null
dk "$H" run -d --name pkgweb2 --network pkgnet2 -p 8081:80 gnbox httpd -f -p 80 -h /www >/dev/null
check "with systemd: the host gets 200" test "$(in_ns "$H" curl -s -m 3 http://127.0.0.1:8081/)" = "hello from guardnet"
check "with systemd: the outside is blocked" test -z "$(in_ns "$O" curl -s -m 3 http://192.0.2.1:8081/)"
check "with systemd: dpkg -r" sysd_dpkg -r guardnet
check "with systemd: prerm stopped guardnet.service" grep -qx 'stop guardnet.service' <<<"$(standin_log)"
check "with systemd: guardnetd is gone" bash -c "! pgrep -f '^/usr/sbin/guardnetd' >/dev/null"
check "removed: the rules stay" quiet in_ns "$H" nft list table inet guardnet
check "removed: the outside is still blocked" test -z "$(in_ns "$O" curl -s -m 3 http://192.0.2.1:8081/)"
check "removed: the configuration stays until purge" test -e /etc/guardnet/guardnet.conf
check "with systemd: dpkg --purge" sysd_dpkg --purge guardnet
for f in /etc/guardnet /var/lib/guardnet /etc/systemd/system/multi-user.target.wants/guardnet.service; do
	check "purged: no $f" test ! -e "$f"
done
check "purged: no guardnet table" bash -c "! nsenter --net=/run/netns/$H nft list table inet guardnet 2>/dev/null"
check "purged: no guardnet link" bash -c "! ip -n $H -o link show | grep -q 'alias guardnet:'"

[ "$GN_FAILED" -gt 0 ] && { say "--- guardnetd (unit) log"; tail -20 "$GN_TMP/unit.log"; cat "$GN_TMP/dpkg.out"; }
summary package
