# shellcheck shell=bash
# The Docker 28 engine for tests/lib.sh (GUARDNET_DOCKER=28): dockerd
# 28.5.2 chrooted in a Debian forky root file system (rootfs.sh), and the
# engine's own docker, compose and iptables for everything a test runs
# (engine-run, first in PATH).  Sourced by lib.sh after GN_TMP is made.

# Docker 28 probes every socket in its plugin directory when compose asks
# for info, and stale ones of other runs cost seconds of retries: the
# test's dockerds get a directory of the test's own.
GN_PLUGINS=$GN_TMP/plugins
mkdir -m 0700 "$GN_PLUGINS" "$GN_TMP/bin"
for c in docker docker-compose iptables ip6tables iptables-save ip6tables-save iptables-legacy \
	ip6tables-legacy iptables-legacy-save ip6tables-legacy-save; do
	ln -s "$GN_ROOT/tests/docker28/engine-run" "$GN_TMP/bin/$c"
done
PATH=$GN_TMP/bin:$PATH

# dockerd28_start NS [legacy]: dockerd 28 in a mount namespace of its own
# made inside NS, whose root is the forky tree under an overlay (writes
# stay in the test's directory).  A pivot_root, not a chroot: docker exec
# enters a container's mount namespace at that namespace's root, which
# under a chrooted dockerd is the machine's / (measured: exec saw the
# machine's files).  In it: sysfs mounted from inside NS (with the
# machine's /sys, dockerd 28 fails to read the stp_state of other
# namespaces' bridge ports), the machine's cgroups, a fresh /run with the
# test's plugin directory at /run/docker/plugins, and the test's directory
# and the repository at their own paths, so that sockets and files have
# one name inside and out.  Adds dockerd's PID to GN_PIDS.
dockerd28_start() {
	local ns=$1 d=$GN_TMP/docker-$1
	GN_FORKY=${GN_FORKY:-$(bash "$GN_ROOT/tests/docker28/rootfs.sh")} || { say "no forky root file system"; return 1; }
	mkdir -p "$d/root" "$d/upper" "$d/work"
	nsenter --net=/run/netns/"$ns" unshare --mount --propagation private sh -ec '
		R=$1 d=$2 t=$3 p=$4 g=$5 legacy=$6 m=$2/root
		shift 6
		mount -t overlay overlay -o "lowerdir=$R,upperdir=$d/upper,workdir=$d/work" "$m"
		mount -t proc proc "$m/proc"
		mount --rbind /dev "$m/dev"
		mount -t sysfs sysfs "$m/sys"
		mount --rbind /sys/fs/cgroup "$m/sys/fs/cgroup"
		[ ! -d /lib/modules ] || mount --bind /lib/modules "$m/usr/lib/modules"
		mount -t tmpfs -o mode=0755 tmpfs "$m/run"
		mkdir -p "$m/run/docker/plugins" "$m$t" "$m$g"
		mount --bind "$p" "$m/run/docker/plugins"
		mount --bind "$t" "$m$t"
		mount --bind -o ro "$g" "$m$g"
		[ "$legacy" != legacy ] || mount --bind "$m/usr/sbin/xtables-legacy-multi" "$m/usr/sbin/xtables-nft-multi"
		mkdir -p "$m/.oldroot"
		cd "$m"
		pivot_root . .oldroot
		umount -l /.oldroot
		exec "$@"' sh "$GN_FORKY" "$d" "$GN_TMP" "$GN_PLUGINS" "$GN_ROOT" "${2:-}" \
		dockerd --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/docker.sock" \
		--pidfile "$d/docker.pid" >"$d/dockerd.log" 2>&1 &
	GN_PIDS+=($!)
}

# ufw28 ARGS...: ufw() on the Docker 28 lane: the forky tree's ufw on the
# test host's copy of UFW's files, in the mount namespace of the host's
# dockerd, on iptables-legacy with UFW_LEGACY=1 and on nf_tables otherwise
# (whichever the dockerd uses).
ufw28() {
	local pid
	pid=$(cat "$GN_TMP/docker-$UFW_NS/docker.pid") || return 1
	nsenter --net=/run/netns/"$UFW_NS" --mount=/proc/"$pid"/ns/mnt --wd=/ /usr/bin/unshare --mount /bin/sh -c '
		x=/usr/sbin/xtables-nft-multi
		umount "$x" 2>/dev/null
		{ [ "$1" != 1 ] || mount --bind /usr/sbin/xtables-legacy-multi "$x"; } &&
		mount --bind "$0/etc/ufw" /etc/ufw && mount --bind "$0/etc/default/ufw" /etc/default/ufw &&
		shift && exec /usr/sbin/ufw "$@"' "$UFW_ROOT" "${UFW_LEGACY:-0}" "$@" >/dev/null 2>&1
}
