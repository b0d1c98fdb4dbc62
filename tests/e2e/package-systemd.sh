#!/bin/bash
# The package where systemd is PID 1 (it is not on this machine): in a
# private mount namespace /run/systemd/system exists, systemctl is
# tests/tools/systemctl-standin (it records each call and runs the unit's
# ExecStart, returning once guardnetd says READY=1, as Type=notify does)
# and policy-rc.d allows starts.  dpkg runs in the test host's namespaces.
# The maintainer scripts enable, start and stop the service; removal keeps
# the rules (ports stay closed) and the configuration, purge removes all.
#
#   [ host H: dockerd, guardnetd started by the postinst ] 192.0.2.1 --veth-- [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario package-systemd
exclusive dpkg
at_exit 'dpkg-query -W guardnet >/dev/null 2>&1 && with_systemd dpkg --purge guardnet >/dev/null 2>&1'
must testbed

cd "$GN_ROOT" || exit 1
must deb_build
deb=$(ls build/deb/guardnet_*_*.deb | head -1)
# The packaged guardnetd replaces the test's (one per namespace).
must guardnetd_stop "$H"

with_systemd() {
	mkdir -p "$GN_TMP/systemd/system"
	host_mounts "$H"
	"${GN_MOUNTS[@]}" bash -c '
		mount --bind "$0" /run/systemd && mount --bind "$1" /usr/bin/systemctl &&
		{ [ ! -e /usr/sbin/policy-rc.d ] || mount --bind /bin/true /usr/sbin/policy-rc.d; } &&
		shift && exec "$@"' "$GN_TMP/systemd" "$GN_ROOT/tests/tools/systemctl-standin" "$@"
}
standin_log() { cat "$GN_TMP/systemd/standin.log" 2>/dev/null; }
sysd_dpkg() { with_systemd dpkg "$@" >>"$GN_TMP/dpkg.out" 2>&1; }
# in_host_guardnetd: the packaged guardnetd runs in H's network namespace.
in_host_guardnetd() {
	local p
	for p in $(ip netns pids "$H"); do [ "$(readlink "/proc/$p/exe")" = /usr/sbin/guardnetd ] && return 0; done
	return 1
}

check "with systemd: dpkg -i" sysd_dpkg -i "$deb"
check "with systemd: postinst reloaded systemd and started guardnet.service ($(standin_log | tr '\n' ';'))" \
	bash -c "grep -qx 'daemon-reload ' <<<'$(standin_log)' && grep -qx 'start guardnet.service' <<<'$(standin_log)'"
check "with systemd: the unit was enabled" test -L /etc/systemd/system/multi-user.target.wants/guardnet.service
check "with systemd: guardnetd said READY=1 (Type=notify) before start returned" grep -qx 'ready /usr/sbin/guardnetd' \
	<<<"$(standin_log)"
check "with systemd: the started guardnetd answers Docker" quiet plugin_call guardnet /Plugin.Activate
must dk "$H" network create -d guardnet --subnet 10.225.3.0/24 pkgnet2
web pkgweb2 pkgnet2 -p 8081:80
expect_open "with systemd: the host gets 200" "$H" http://127.0.0.1:8081/
expect_dropped "with systemd: the outside is blocked" "$O" http://192.0.2.1:8081/
check "with systemd: dpkg -r" sysd_dpkg -r guardnet
check "with systemd: prerm stopped guardnet.service" grep -qx 'stop guardnet.service' <<<"$(standin_log)"
check "with systemd: guardnetd is gone" wait_until 10 eval "! in_host_guardnetd"
check "removed: the rules stay" quiet in_ns "$H" nft list table inet guardnet
expect_dropped "removed: the outside is still blocked" "$O" http://192.0.2.1:8081/
check "removed: the configuration stays until purge" test -e /etc/guardnet/guardnet.conf
check "with systemd: dpkg --purge" sysd_dpkg --purge guardnet
for f in /etc/guardnet /var/lib/guardnet /etc/systemd/system/multi-user.target.wants/guardnet.service; do
	check "purged: no $f" test ! -e "$f"
done
check "purged: no guardnet table (guardnet, guardnet_count)" bash -c "! nsenter --net=/run/netns/$H nft list tables | grep -q guardnet"
check "purged: no guardnet link" bash -c "! ip -n $H -o link show | grep -q 'alias guardnet:'"
[ "$GN_FAILED" -eq 0 ] || { say "--- dpkg's output"; cat "$GN_TMP/dpkg.out"; }
summary
