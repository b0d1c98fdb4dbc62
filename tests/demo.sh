#!/bin/bash
# The main job: installs what guardnet needs, builds it, and runs dockerd and
# guardnetd in a sandbox of network namespaces to show guardnet at work.
# Run as root on Debian 12.  Leaves nothing behind.
#
#   [ host namespace: dockerd, guardnetd, bridges ] --veth-- [ outside namespace ]
set -u
cd "$(dirname "$0")/.."
bash packaging/deps.sh || exit 1
make -s WERROR=1 || exit 1
. tests/lib.sh
trap gn_cleanup EXIT

H=${GN_TAG}host
OUT=${GN_TAG}out
DRV=${GN_TAG}
step() { printf '\n### %s\n' "$*"; }

step "sandbox: namespaces $H (the Docker host) and $OUT (the outside world)"
netns_add "$H"
netns_add "$OUT"
ip link add "${GN_TAG}a" netns "$H" type veth peer name "${GN_TAG}b" netns "$OUT"
ip -n "$H" addr add 192.0.2.1/24 dev "${GN_TAG}a"
ip -n "$OUT" addr add 192.0.2.2/24 dev "${GN_TAG}b"
ip -n "$H" link set "${GN_TAG}a" up
ip -n "$OUT" link set "${GN_TAG}b" up
dockerd_start "$H" || exit 1
guardnetd_start "$H" "$DRV" || exit 1
say "dockerd and guardnetd run in $H; the driver is called $DRV here (guardnet when installed)"

step "docker network create -d $DRV -o guardnet.publish=127.0.0.1 backend"
check "backend network created" dk "$H" network create -d "$DRV" --subnet 10.230.0.0/24 \
	-o guardnet.publish=127.0.0.1 backend
dk "$H" network inspect -f 'driver={{.Driver}} subnet={{(index .IPAM.Config 0).Subnet}} options={{.Options}}' backend
say "guardnetd remembers it across restarts:"
sed -n '1,12p' "$GN_TMP/gn-$H/state/networks/"*.json

step "a mistyped option is refused with guardnet's message"
out=$(dk "$H" network create -d "$DRV" -o guardnet.publsh=127.0.0.1 typo 2>&1)
say "$out"
check "typo refused, naming the key" grep -qF 'unknown option guardnet.publsh' <<<"$out"

step "docker network rm backend"
check "backend removed" dk "$H" network rm backend
check "no state left" test -z "$(ls "$GN_TMP/gn-$H/state/networks")"

say ""
say "Published ports behind the host allowlist and UFW arrive with the next milestones (see README)."
summary demo
