#!/bin/sh
# build.sh GUARDNETD DIR: the managed (v2) Docker plugin in DIR, for
# `docker plugin create NAME DIR`: config.json and a root file system holding
# only guardnetd and the shared libraries it loads (no distribution).
set -eu
bin=$1
dir=$2
here=$(dirname "$0")

rm -rf "$dir"
root=$dir/rootfs
mkdir -p "$root/usr/sbin"
cp "$here/config.json" "$dir/config.json"
cp "$bin" "$root/usr/sbin/guardnetd"
# Every library at the path the dynamic loader looks for it (ldd prints the
# loader itself as an absolute path without "=>").
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
# Mount points: Docker's plugin socket directory must exist in the rootfs;
# the rest are the config.json mounts.
for d in run/docker/plugins var/lib/guardnet etc/guardnet etc/ufw etc/default proc sys dev tmp; do
	mkdir -p "$root/$d"
done
