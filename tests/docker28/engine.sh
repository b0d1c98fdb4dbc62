# shellcheck shell=bash
# The Docker 28 engine of tests/lib.sh (GUARDNET_DOCKER=28): dockerd
# 28.5.2 in a Debian forky root file system (rootfs.sh), with the engine's
# own docker CLI, compose v2, iptables and ufw for everything a test runs
# (engine-run).  lib.sh sources this file last when GUARDNET_DOCKER=28.

GN_FORKY=${GUARDNET_FORKY:-/var/cache/guardnet-tests/forky}
# The engine's programs, ahead of the machine's: docker and docker-compose
# as GN_DOCKER_CLI and GN_COMPOSE (lib.sh's clients), iptables for what
# the tests read of Docker's chains.
mkdir -p "$GN_TMP/bin"
for c in docker docker-compose iptables ip6tables iptables-save ip6tables-save iptables-legacy \
	ip6tables-legacy iptables-legacy-save ip6tables-legacy-save; do
	ln -sf "$GN_ROOT/tests/docker28/engine-run" "$GN_TMP/bin/$c"
done
PATH=$GN_TMP/bin:$PATH
# shellcheck disable=SC2034 # lib.sh's clients
GN_DOCKER_CLI=$GN_TMP/bin/docker
# shellcheck disable=SC2034
GN_COMPOSE=$GN_TMP/bin/docker-compose

# docker_engine_28 NS DIR [legacy]: dockerd 28 in a mount namespace of its
# own made inside NS, whose root is the forky tree under an overlay (its
# writes stay in DIR).  A pivot_root, not a chroot: docker exec enters a
# container's mount namespace at that namespace's root, which under a
# chrooted dockerd is the machine's / (measured: exec saw the machine's
# files).  In it: sysfs mounted from inside NS (with the machine's /sys,
# dockerd 28 fails to read the stp_state of other namespaces' bridge
# ports), the machine's cgroups, a fresh /run with NS's plugin directory at
# /run/docker/plugins, and the test's directory and the repository at their
# own paths, so that sockets and files have one name inside and out.
# dockerd gets the forky tree's PATH alone: with the test's, its own
# iptables runs (dozens at its start, more for every network and port)
# went through the test's engine-run stand-ins, visible there too.
docker_engine_28() {
	local ns=$1 d=$2 plugins=$GN_TMP/plugins-$1 old
	[ -f "$GN_FORKY/.guardnet-stamp" ] || GN_FORKY=$(bash "$GN_ROOT/tests/docker28/rootfs.sh" "$GN_FORKY") ||
		{ say "no forky root file system for Docker 28"; return 1; }
	# dockerd_restart live: the containers the stopped dockerd left running
	# (live-restore) are in its mount namespace, with their shims, the
	# shims' sockets (in its /run) and the containers' root file systems:
	# the new dockerd starts in there (in a new one, its containerd could
	# not reach the shims, and dockerd ended the containers).
	if [ -n "${GN_LIVE_RESTORE:-}" ] && old=$(containerd_of "$ns"); then
		nsenter --net=/run/netns/"$ns" --mount=/proc/"$old"/ns/mnt --wd=/ \
			env PATH=/usr/sbin:/usr/bin:/sbin:/bin dockerd --live-restore --data-root "$d/data" \
			--exec-root "$d/exec" -H "unix://$d/docker.sock" --pidfile "$d/docker.pid" >>"$d/dockerd.log" 2>&1 &
		GN_PIDS+=($!)
		disown $!
		return
	fi
	mkdir -p "$d/root" "$d/upper" "$d/work" "$plugins"
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
		PATH=/usr/sbin:/usr/bin:/sbin:/bin exec "$@"' sh "$GN_FORKY" "$d" "$GN_TMP" "$plugins" "$GN_ROOT" "${3:-}" \
		dockerd ${GN_LIVE_RESTORE:+--live-restore} --data-root "$d/data" --exec-root "$d/exec" \
		-H "unix://$d/docker.sock" --pidfile "$d/docker.pid" >"$d/dockerd.log" 2>&1 &
	GN_PIDS+=($!)
	disown $!
}

# containerd_of NS: the PID of a containerd or containerd shim in NS's
# network namespace that runs outside the machine's mount namespace (a
# dockerd 28's, left running: a dockerd stopped with live-restore stops its
# containerd but not the shims).
containerd_of() {
	local p
	for p in $(pgrep containerd); do
		[ /proc/"$p"/ns/net -ef /run/netns/"$1" ] && ! [ /proc/"$p"/ns/mnt -ef /proc/1/ns/mnt ] &&
			{ echo "$p"; return 0; }
	done
	return 1
}

# ufw ARGS...: on this lane, the forky tree's ufw, in the mount namespace
# of $UFW_NS's dockerd, on the test host's own UFW files, on iptables-legacy
# with UFW_LEGACY=1 and on nf_tables otherwise (whichever that dockerd
# uses): UFW and Docker share iptables 1.8.13, as on a forky host.  It
# uses nothing but UFW_NS, UFW_ROOT, UFW_LEGACY, UFW_PROG (ufw_init's) and
# GN_TMP, so `export -f ufw` lets a child bash run it (with GN_TMP exported).
ufw() {
	local pid out rc
	pid=$(cat "$GN_TMP/docker-$UFW_NS/docker.pid" 2>/dev/null) || { echo "    ufw: no dockerd 28 in $UFW_NS"; return 1; }
	out=$(nsenter --net=/run/netns/"$UFW_NS" --mount=/proc/"$pid"/ns/mnt --wd=/ /usr/bin/unshare --mount /bin/sh -c '
		x=/usr/sbin/xtables-nft-multi
		umount "$x" 2>/dev/null
		{ [ "$1" != 1 ] || mount --bind /usr/sbin/xtables-legacy-multi "$x"; } &&
		mount --bind "$0/etc/ufw" /etc/ufw && mount --bind "$0/etc/default" /etc/default &&
		shift && exec "$@"' "$UFW_ROOT" "${UFW_LEGACY:-0}" "${UFW_PROG:-/usr/sbin/ufw}" "$@" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || printf '    %s %s (exit %s):\n%s\n' "${UFW_PROG:-ufw}" "$*" "$rc" "$(sed 's/^/    | /' <<<"$out")"
	return $rc
}
