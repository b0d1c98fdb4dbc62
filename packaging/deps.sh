#!/bin/bash
# Installs what guardnet needs to build and to run its tests and demo, from
# Debian's archive.  Idempotent: does nothing when everything is present.
set -eu

PACKAGES=(
	# build
	build-essential pkg-config libmicrohttpd-dev libjansson-dev libmnl-dev libnftnl-dev
	libiptc-dev check
	# the Debian package
	debhelper dpkg-dev lintian man-db
	# tests and demo: a real dockerd, images from busybox, namespaces, firewall tools
	docker.io docker-compose busybox-static iproute2 util-linux nftables iptables ufw curl
	# the package test sources the bash completion it installs
	bash-completion
	python3
	# the attack suite (tests/e2e/attack-*.sh): raw frames from containers and
	# neighbours; guardnetctl's JSON checked against spec/status.schema.json;
	# counters counted with single packets (scapy); the metrics linted (promtool)
	python3-scapy python3-jsonschema prometheus
	# hardening: libFuzzer and sanitizers (clang 14), valgrind
	clang libclang-rt-14-dev valgrind
	# benchmarks (tests/bench): TCP throughput through published ports
	iperf3
	# the Docker 28 lane (tests/docker28/rootfs.sh): a Debian forky root file system
	mmdebstrap
	# the managed plugin's tests: a local registry for docker plugin push,
	# install and upgrade
	docker-registry
	# tests: what UFW's and guardnet's rejections put on the wire (tests/e2e/ufw-reject.sh)
	tcpdump
	# the differential test against UFW starts every rule set with no connection
	# tracked (tests/e2e/ufw_diff_lib.bash)
	conntrack
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
# Installing docker.io or ufw must not start services in the host's root
# network namespace (they would change its firewall): forbid service starts
# for the duration of the install.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	own_policy=1
fi
trap '[ $own_policy = 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
