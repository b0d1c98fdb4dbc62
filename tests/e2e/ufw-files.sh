#!/bin/bash
# UFW's files as UFW loads them: the -A lines decide, not the tuple
# comments (a hand edit of a -A line, then ufw reload); lines of
# before.rules and after.rules apply in UFW's order (before, user, after);
# a line guardnet cannot read is listed by guardnetctl status and never
# admits anything.  Each step compares a host service on :8090 with a port
# guardnet publishes on :8080 under the same rules.
#
#   [ host H: ufw, host service :8090, container published :8080 ] 192.0.2.1 --veth-- [ outside O: .2 .3 .4 ]
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

testbed || exit 1
must() { local out; out=$("$@" 2>&1) || { fail "setup: $* ($out)"; summary ufw_files; exit 1; }; }
# ufw_init ARGS: UFW's boot script (what systemctl restart ufw runs), on
# the test host's copy of UFW's files.  It loads the files as they are;
# `ufw reload` loads them too but then rewrites user.rules from its tuples
# (measured), undoing a hand edit of the -A lines on disk.
ufw_init() {
	unshare --mount bash -c 'mount --bind "$0/etc/ufw" /etc/ufw && mount --bind "$0/etc/default/ufw" /etc/default/ufw &&
		exec nsenter --net=/run/netns/"$1" /lib/ufw/ufw-init "${@:2}"' "$UFW_ROOT" "$H" "$@" >/dev/null 2>&1
}
gnctl() { "$GN_ROOT/build/guardnetctl" --socket "$GN_TMP/gn-$H/control.sock" "$@"; }
must ufw --force enable
www_make "$GN_TMP/hostwww"
nsenter --net=/run/netns/"$H" /bin/busybox httpd -f -p 8090 -h "$GN_TMP/hostwww" &
GN_PIDS+=($!)
must dk "$H" network create -d "$DRV" --subnet 10.226.1.0/24 n1
must dk "$H" run -d --name web --network n1 -p 8080:80 gnbox httpd -f -p 80 -h /www

# get SRC PORT: open, refused (curl 7) or timeout (curl 28).
get() {
	local out rc
	out=$(in_ns "$O" curl -s -m 1 --interface "$1" "http://192.0.2.1:$2/" 2>/dev/null); rc=$?
	[ "$out" = "hello from guardnet" ] && echo open && return
	case $rc in 7) echo refused ;; 28) echo timeout ;; *) echo "curl$rc" ;; esac
}
# same SRC WANT: the host service gives WANT, and so does the published port
# (polled: guardnet follows UFW's files within a second).
same() {
	local h g
	h=$(get "$1" 8090)
	wait_until 4 bash -c "[ \"\$(nsenter --net=/run/netns/$O curl -s -m 1 --interface $1 http://192.0.2.1:8080/)\" $([ "$2" = open ] && echo = || echo !=) 'hello from guardnet' ]"
	g=$(get "$1" 8080)
	check "$3: $1 gets $2 from the host service ($h) and from guardnet ($g)" test "$h" = "$2" -a "$g" = "$2"
}
rules=$UFW_ROOT/etc/ufw

must ufw allow from 192.0.2.2 to any port 8080,8090 proto tcp
same 192.0.2.2 open "ufw allow from 192.0.2.2"
same 192.0.2.3 timeout "ufw allow from 192.0.2.2"

# A hand edit of the -A line only, loaded by UFW's boot script: UFW
# enforces the -A line, the tuple is stale.
sed -i 's/^\(-A ufw-user-input .*\)-s 192\.0\.2\.2 /\1-s 192.0.2.3 /' "$rules/user.rules"
check "the hand edit left the tuple saying 192.0.2.2" grep -q '^### tuple ### allow tcp 8080,8090 0.0.0.0/0 any 192.0.2.2 in' "$rules/user.rules"
must ufw_init force-reload
same 192.0.2.3 open "-A line edited to 192.0.2.3, then ufw-init force-reload"
same 192.0.2.2 timeout "-A line edited to 192.0.2.3, then ufw-init force-reload"
check "explain: the -A line decides, the tuple names it" grep -q 'UFW rule \[1\] "allow from 192.0.2.2 to any port 8080,8090 proto tcp" (user.rules line' \
	<<<"$(gnctl explain --from 192.0.2.3 --to 192.0.2.1 --port 8080)"

# before.rules: a block list line comes before the user rules.
sed -i 's/^# don.t delete the .COMMIT. line.*$/-A ufw-before-input -s 192.0.2.3 -j DROP\n&/' "$rules/before.rules"
must ufw_init force-reload
same 192.0.2.3 timeout "before.rules drops 192.0.2.3 ahead of the user rules"
# after.rules: after the user rules, before the default policy.
sed -i 's/^# don.t delete the .COMMIT. line.*$/-A ufw-after-input -s 192.0.2.4 -p tcp -m multiport --dports 8080,8090 -m limit --limit 50\/second -j ACCEPT\n&/' "$rules/after.rules"
must ufw_init force-reload
same 192.0.2.4 open "after.rules accepts 192.0.2.4 (rate-limited)"
same 192.0.2.2 timeout "after.rules: other sources still get the default policy"

# A line guardnet cannot read (connlimit): status lists it; guardnet drops
# what the rest of the line matches (everything here), the host service
# does not (the documented cost of failing closed).
sed -i 's/^\(-A ufw-before-input -s 192.0.2.3 -j DROP\)$/-A ufw-before-input -p tcp -m connlimit --connlimit-above 1000 -j REJECT\n\1/' "$rules/before.rules"
line=$(grep -n 'connlimit' "$rules/before.rules" | cut -d: -f1)
must ufw_init force-reload
check "guardnetctl status lists before.rules line $line" wait_until 3 bash -c \
	"'$GN_ROOT/build/guardnetctl' --socket '$GN_TMP/gn-$H/control.sock' status | grep -q 'before.rules line $line: match \"connlimit\" is not supported'"
check "guardnetd logged it by file and line" grep -q "before.rules:$line: match \"connlimit\" is not supported" "$GN_TMP/gn-$H/guardnetd.log"
check "UFW admits 192.0.2.4 to the host service ($(get 192.0.2.4 8090))" test "$(get 192.0.2.4 8090)" = open
wait_until 3 bash -c "[ \"\$(nsenter --net=/run/netns/$O curl -s -m 1 --interface 192.0.2.4 http://192.0.2.1:8080/)\" != 'hello from guardnet' ]"
check "guardnet: the unreadable line drops, never admits ($(get 192.0.2.4 8080))" test "$(get 192.0.2.4 8080)" = timeout

# UFW's tables are guardnet's own: removed by someone else, they come back.
in_ns "$H" nft delete table ip guardnet
check "nft delete table ip guardnet: guardnetd puts it back" \
	wait_until 3 bash -c "nsenter --net=/run/netns/$H nft list table ip guardnet | grep -q 'jump ufw-input'"

[ "$GN_FAILED" -gt 0 ] && { tail -20 "$GN_TMP/gn-$H/guardnetd.log"; in_ns "$H" nft list table ip guardnet | head -40; }
summary ufw_files
