#!/bin/bash
# Builds the root file system the Docker 28 test lane runs dockerd in:
# Debian forky (docker.io 28.5.2, containerd, runc, iptables 1.8.13,
# docker-compose 2.40.3, nftables, ufw, mount) from Debian's archive with
# mmdebstrap, outside the repository.  Forky's binaries need forky's glibc,
# so they run chrooted in it, not installed on the test machine.
#
# usage: rootfs.sh [--report] [DIR]   (default $GUARDNET_FORKY, else
#                                       /var/cache/guardnet-tests/forky)
# Prints DIR, or with --report (tests/run-all.sh) a result line.  A DIR whose stamp matches this script's package list is
# reused as it is; otherwise it is built again (about 2 minutes, 500 MB).
# Concurrent callers wait for one build (flock on DIR.lock).
set -eu

report=0
[ "${1:-}" = --report ] && { report=1; shift; }
dir=${1:-${GUARDNET_FORKY:-/var/cache/guardnet-tests/forky}}
suite=forky
packages=docker.io,docker-cli,containerd,runc,iptables,nftables,ufw,mount,ca-certificates,iproute2,procps,kmod,docker-compose
# The stamp names what the tree was built from: a change to the list or the
# suite builds it again.
stamp="$suite $packages"

# The archive the machine itself uses (Debian 12's deb822 or one-line
# sources), unless GUARDNET_DEBIAN_MIRROR names one.
mirror() {
	local m=${GUARDNET_DEBIAN_MIRROR:-}
	[ -n "$m" ] && { echo "$m"; return; }
	m=$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\/debian\)\/\{0,1\}$/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
	[ -z "$m" ] && m=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\{0,1\}\(http[^[:space:]]*\/debian\)\/\{0,1\}[[:space:]].*/\2/p' \
		/etc/apt/sources.list 2>/dev/null | head -1)
	echo "${m:-http://deb.debian.org/debian}"
}

fresh() { [ -f "$dir/.guardnet-stamp" ] && [ "$(cat "$dir/.guardnet-stamp")" = "$stamp" ]; }

mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if ! fresh; then
	command -v mmdebstrap >/dev/null || { echo "rootfs.sh: mmdebstrap is missing (packaging/deps.sh installs it)" >&2; exit 1; }
	rm -rf "$dir.new"
	start=$SECONDS
	# The archive here is a dated snapshot whose forky Release file has
	# expired: apt refuses it unless told not to check Valid-Until.
	mmdebstrap --quiet --variant=apt --aptopt='Acquire::Check-Valid-Until "false"' \
		--include="$packages" "$suite" "$dir.new" "$(mirror)" >&2
	echo "$stamp" >"$dir.new/.guardnet-stamp"
	rm -rf "$dir"
	mv "$dir.new" "$dir"
	echo "rootfs.sh: built $dir in $((SECONDS - start)) s ($(du -sm "$dir" | cut -f1) MB)" >&2
fi
if [ $report = 1 ]; then
	echo "rootfs: $dir ready: $(chroot "$dir" dpkg-query -W -f '${Package} ${Version}, ' docker.io docker-compose iptables)"
	echo "rootfs: 1 passed, 0 failed"
else
	echo "$dir"
fi
