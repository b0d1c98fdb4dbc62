#!/bin/bash
# UFW's files as UFW loads them: the -A lines decide, not the tuple
# comments (a hand edit of an -A line, loaded as a boot loads it); after
# `ufw reload` UFW enforces the edit while it writes user.rules again from
# its tuples, and guardnet follows the file (README, "Known limits"), until
# the next reload makes both agree; lines of before.rules and after.rules
# apply in UFW's order (before, user, after); a line guardnet cannot read
# is listed by guardnetctl status and never admits anything.  Each step
# compares a host service on :8090 with a port guardnet publishes on :8080
# under the same rules.
#
#   [ host H: dockerd, guardnetd, ufw; host service :8090, container published :8080 ]
#       192.0.2.1 --veth-- [ outside O: .2 .3 .4 ]
. "$(dirname "$0")/../lib.sh"
scenario ufw-files testbed

must serve "$H" 8090
must dk "$H" network create -d "$DRV" --subnet 10.226.1.0/24 n1
web web n1 -p 8080:80
must reachable "$H" http://127.0.0.1:8080/
must ufw --force enable
rules=$UFW_ROOT/etc/ufw

# same SRC WANT DESCRIPTION [WANT-GUARDNET]: the host service gives WANT
# (open or timeout), and the published port WANT-GUARDNET (WANT unless
# told; a timeout there must be guardnet's drop), polled: guardnet follows
# UFW's files within a second.
same() {
	local h g want=${4:-$2}
	probe "$O" http://192.0.2.1:8090/ "$1"
	h=$PROBE
	[ "$want" = timeout ] && want=dropped
	if until_seen "$want" 4 "$O" http://192.0.2.1:8080/ "$1" >/dev/null; then g=$want; else g=$GN_SEEN; fi
	check "$3: $1: the host service $h (UFW: $2), guardnet $g (wanted $want)" test "$h" = "$2" -a "$g" = "$want"
}
# edit FROM TO: the -A line of user.rules that says "-s FROM" says "-s TO".
edit() { sed -i "s/^\(-A ufw-user-input .*\)-s ${1//./\\.} /\1-s $2 /" "$rules/user.rules"; }
says() { grep -q "^-A ufw-user-input .*-s ${1//./\\.} " "$rules/user.rules"; }

must ufw allow from 192.0.2.2 to any port 8080,8090 proto tcp
same 192.0.2.2 open "ufw allow from 192.0.2.2"
same 192.0.2.3 timeout "ufw allow from 192.0.2.2"

# A hand edit of the -A line only, loaded by UFW's boot script: UFW
# enforces the -A line, the tuple is stale.
edit 192.0.2.2 192.0.2.3
check "the hand edit left the tuple saying 192.0.2.2" \
	grep -q '^### tuple ### allow tcp 8080,8090 0.0.0.0/0 any 192.0.2.2 in' "$rules/user.rules"
must ufw_init force-reload
same 192.0.2.3 open "-A line edited to 192.0.2.3, then ufw-init force-reload"
same 192.0.2.2 timeout "-A line edited to 192.0.2.3, then ufw-init force-reload"
check "explain: the -A line decides, the tuple names it" grep -q \
	'UFW rule \[1\] "allow from 192.0.2.2 to any port 8080,8090 proto tcp" (user.rules line' \
	<<<"$(gnctl explain --from 192.0.2.3 --to 192.0.2.1 --port 8080)"

# The same edit loaded by `ufw reload`: UFW loads the file, then writes
# user.rules again from its tuples.  It enforces 192.0.2.3 and its file
# says 192.0.2.2, which guardnet follows, until UFW's next reload.
must ufw reload
check "ufw reload wrote user.rules again from its tuple: the -A line says 192.0.2.2" says 192.0.2.2
same 192.0.2.3 open "the edit, then ufw reload (the known limit)" timeout
same 192.0.2.2 timeout "the edit, then ufw reload (the known limit)" open
must ufw reload
same 192.0.2.2 open "a second ufw reload: UFW enforces its file again"
same 192.0.2.3 timeout "a second ufw reload: UFW enforces its file again"

# before.rules: a block list line comes before the user rules.
sed -i 's/^# don.t delete the .COMMIT. line.*$/-A ufw-before-input -s 192.0.2.2 -j DROP\n&/' "$rules/before.rules"
must ufw_init force-reload
same 192.0.2.2 timeout "before.rules drops 192.0.2.2 ahead of the user rules"
# after.rules: after the user rules, before the default policy.
sed -i 's/^# don.t delete the .COMMIT. line.*$/-A ufw-after-input -s 192.0.2.4 -p tcp -m multiport --dports 8080,8090 -m limit --limit 50\/second -j ACCEPT\n&/' "$rules/after.rules"
must ufw_init force-reload
same 192.0.2.4 open "after.rules accepts 192.0.2.4 (rate-limited)"
same 192.0.2.3 timeout "after.rules: other sources still get the default policy"

# A line guardnet cannot read (connlimit): status lists it; guardnet drops
# what the rest of the line matches (everything here), the host service
# does not (the documented cost of failing closed).
sed -i 's/^\(-A ufw-before-input -s 192.0.2.2 -j DROP\)$/-A ufw-before-input -p tcp -m connlimit --connlimit-above 1000 -j REJECT\n\1/' \
	"$rules/before.rules"
line=$(grep -n 'connlimit' "$rules/before.rules" | cut -d: -f1)
must ufw_init force-reload
check "guardnetctl status lists before.rules line $line" \
	wait_until 3 eval "gnctl status | grep -q 'before.rules line $line: match \"connlimit\" is not supported'"
check "guardnetd logged it by file and line" \
	grep -q "before.rules:$line: match \"connlimit\" is not supported" "$GN_TMP/gn-$H/guardnetd.log"
same 192.0.2.4 open "an unreadable line drops, never admits" timeout

# UFW's tables are guardnet's own: removed by someone else, they come back.
must in_ns "$H" nft delete table ip guardnet
check "nft delete table ip guardnet: guardnetd puts it back" \
	wait_until 3 eval "in_ns '$H' nft list table ip guardnet | grep -q 'jump ufw-input'"
summary
