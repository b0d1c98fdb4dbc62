#!/bin/bash
# What a user gets with the package besides the programs: README, NEWS and
# the compose example under /usr/share/doc/guardnet, the three man pages
# with the version of the file VERSION, the unit's Documentation= naming
# them, and bash completion for guardnetctl that completes.  Reads the .deb
# (dpkg-deb), installs nothing.
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT
cd "$GN_ROOT"
version=$(cat VERSION)

# deb_build writes build/deb once a run; the other package tests use it too.
exclusive dpkg
check "make deb" logged deb_build
deb=$(ls build/deb/guardnet_"$version"-*_*.deb 2>/dev/null | head -1)
check "the package is named for VERSION ($version): ${deb:-none}" test -n "$deb"
[ -n "$deb" ] || { summary package_docs; exit 1; }
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
has_file() { grep -qxE -- "$1" <<<"$files"; }
for f in /usr/share/doc/guardnet/README.md /usr/share/doc/guardnet/NEWS \
	/usr/share/doc/guardnet/examples/compose/docker-compose.yml /usr/share/doc/guardnet/examples/compose/README.md \
	/usr/share/doc/guardnet/status.schema.json; do
	check "ships $f" has_file "$f(\.gz)?"
done
check "ships the bash completion" has_file /usr/share/bash-completion/completions/guardnetctl
for m in man8/guardnetd.8 man8/guardnetctl.8 man5/guardnet.conf.5; do
	check "ships $m" has_file "/usr/share/man/$m.gz"
done

root=$GN_TMP/deb
dpkg-deb -x "$deb" "$root"
for m in man8/guardnetd.8 man8/guardnetctl.8 man5/guardnet.conf.5; do
	check "$m carries version $version, no placeholder" \
		bash -c "zcat $root/usr/share/man/$m.gz | head -1 | grep -q '\"guardnet $version\"' && ! zgrep -q @VERSION@ $root/usr/share/man/$m.gz"
done
check "NEWS holds the history that left the README" zgrep -q '^0.1.0 (2026-11-25): the first package' \
	"$root/usr/share/doc/guardnet/NEWS"*
check "the README no longer has a Status section" bash -c "! zgrep -q '^## Status' $root/usr/share/doc/guardnet/README.md*"
doc=$(sed -n 's/^Documentation=//p' "$root/lib/systemd/system/guardnet.service")
for m in 'guardnetd(8)' 'guardnetctl(8)' 'guardnet.conf(5)'; do
	check "the unit's Documentation= names $m ($doc)" grep -qF "man:$m" <<<"$doc"
done
check "the packaged compose example has no version: key" \
	bash -c "! grep -q '^version:' $root/usr/share/doc/guardnet/examples/compose/docker-compose.yml"
check "the packaged programs say version $version" \
	test "$("$root/usr/sbin/guardnetctl" --version) $("$root/usr/sbin/guardnetd" --version)" = "guardnetctl $version guardnetd $version"

# The installed completion, driven as bash drives it.
complete_words() {
	bash -c '. /usr/share/bash-completion/bash_completion && . "$0" &&
		COMP_WORDS=("${@}") && COMP_CWORD=$(($# - 1)) && COMP_LINE="$*" && COMP_POINT=${#COMP_LINE} &&
		_guardnetctl && echo "${COMPREPLY[*]}"' "$root/usr/share/bash-completion/completions/guardnetctl" "$@"
}
check "completion: the commands" test "$(complete_words guardnetctl '')" = "status check explain metrics audit"
check "completion: ch -> check" test "$(complete_words guardnetctl ch)" = "check"
check "completion: explain's options" test "$(complete_words guardnetctl explain --p)" = "--port"
check "completion: --port 80 -> protocols" test "$(complete_words guardnetctl explain --port 80)" = "80/tcp 80/udp 80/sctp"
check "completion: no explain options for status" test -z "$(complete_words guardnetctl status --p)"
check "completion: audit's options" test "$(complete_words guardnetctl audit --s)" = "--socket --state-dir --suggest"

summary package_docs
