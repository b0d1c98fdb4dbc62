#!/bin/bash
# Both sockets are root's alone: the plugin and control sockets are 0600
# root:root, nobody is refused by the file system, and the control socket
# refuses a non-root peer even when its file lets it in.
#
#   [ host H: dockerd, guardnetd ]
. "$(dirname "$0")/../lib.sh"
scenario hostile-sockets testbed
SOCK=$(plugin_sock "$DRV")
CTL=$GN_TMP/gn-$H/control.sock
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

check "plugin socket is 0600 root:root" test "$(stat -c '%a %U %G' "$SOCK")" = "600 root root"
check "control socket is 0600 root:root" test "$(stat -c '%a %U %G' "$CTL")" = "600 root root"
cp "$GN_CTL" "$GN_TMP/guardnetctl"
chmod 0711 "$GN_TMP" "$GN_TMP/gn-$H" "$GN_TMP/plugins-$H"
out=$(as_nobody curl -sS -v --unix-socket "$SOCK" -X POST http://plugin/Plugin.Activate 2>&1)
check "nobody cannot use the plugin socket: $(grep -m1 'connect fail' <<<"$out")" grep -q 'Permission denied' <<<"$out"
out=$(as_nobody "$GN_TMP/guardnetctl" --socket "$CTL" status 2>&1)
check "nobody cannot open the control socket: $out" grep -q 'Permission denied' <<<"$out"
chmod 0666 "$CTL"
out=$(as_nobody "$GN_TMP/guardnetctl" --socket "$CTL" status 2>&1)
rc=$?
check "with its file opened up, guardnetd still refuses nobody: $out" \
	test $rc -ne 0 -a "$out" = "guardnetctl: guardnetctl needs root"
chmod 0600 "$CTL"
check "root is served" quiet "$GN_TMP/guardnetctl" --socket "$CTL" status
summary
