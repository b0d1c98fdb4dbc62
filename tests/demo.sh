#!/bin/bash
# The main job: installs what guardnet needs, builds it, and runs dockerd and
# guardnetd in a sandbox of network namespaces to show the protected-backend
# scenario: an API published with -p that the host (NGINX) can call and the
# internet cannot, next to Docker's own bridge driver, where it can.
# Run as root on Debian 12.  Leaves nothing behind.
#
#   [ host: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2 [ "the internet" ]
set -u
cd "$(dirname "$0")/.."
# tests/run-all.sh has done both already.
if [ "${GN_PREPARED:-0}" != 1 ]; then
	bash packaging/deps.sh || exit 1
	make -s WERROR=1 || exit 1
fi
. tests/lib.sh
scenario demo

H=${GN_TAG}host
OUT=${GN_TAG}net
DRV=${GN_TAG}
step() { printf '\n### %s\n' "$*"; }
from_internet() { in_ns "$OUT" curl -s -m 3 "$1" || echo "(no answer: blocked)"; }
from_host() { in_ns "$H" curl -s -m 3 "$1" || echo "(no answer)"; }

step "sandbox: $H is the Docker host (192.0.2.1), $OUT the internet (192.0.2.2)"
must netns_add "$H"
must netns_add "$OUT"
must outside_add "$H" "$OUT"
must ufw_setup "$H"
must dockerd_start "$H"
must guardnetd_start "$H" "$DRV"
must image_load "$H"
say "dockerd and guardnetd run in $H; the driver is called $DRV here (guardnet when installed)"

step "the problem: Docker's own bridge driver publishes to everyone"
must dk "$H" run -d --name api-bridge -p 8081:80 gnbox httpd -f -p 80 -h /www
expect_open "Docker's bridge: the internet reaches the API" "$OUT" http://192.0.2.1:8081/
say "internet -> 192.0.2.1:8081: $(from_internet http://192.0.2.1:8081/)"

step "guardnet: docker network create -d $DRV backend; docker run --network backend -p 8080:80 api"
must dk "$H" network create -d "$DRV" --subnet 10.230.0.0/24 backend
must dk "$H" run -d --name api --network backend -p 8080:80 gnbox httpd -f -p 80 -h /www
expect_open "guardnet: the host gets the API" "$H" http://127.0.0.1:8080/
expect_dropped "guardnet: the internet is blocked" "$OUT" http://192.0.2.1:8080/
say "internet -> 192.0.2.1:8080: $(from_internet http://192.0.2.1:8080/)"
say "host (NGINX) -> 127.0.0.1:8080: $(from_host http://127.0.0.1:8080/)"

step "a partner network that admits one outside address: -o guardnet.allow=192.0.2.2/32"
must dk "$H" network create -d "$DRV" --subnet 10.230.1.0/24 -o guardnet.allow=192.0.2.2/32 partner
must dk "$H" run -d --name partner-api --network partner -p 8082:80 gnbox httpd -f -p 80 -h /www
expect_open "guardnet.allow admits the partner" "$OUT" http://192.0.2.1:8082/
say "192.0.2.2 -> 192.0.2.1:8082: $(from_internet http://192.0.2.1:8082/)"

step "UFW decides too: ufw --force enable; ufw allow from 192.0.2.2 to any port 8080"
must ufw --force enable
must ufw allow from 192.0.2.2 to any port 8080
eventually open "after ufw allow from 192.0.2.2: the internet address 192.0.2.2 reaches the API" "$OUT" http://192.0.2.1:8080/

step "who can reach what"
row() { printf '%-40s %-30s %s\n' "$1" "$2" "$3"; }
verdict() { [ "$1" = "hello from guardnet" ] && echo allowed || echo blocked; }
row "FROM" "TO" "RESULT"
row "internet (192.0.2.2)" "api-bridge (bridge) :8081" "$(verdict "$(in_ns "$OUT" curl -s -m 2 http://192.0.2.1:8081/)")"
row "internet (192.0.2.2)" "partner-api (guardnet) :8082" "$(verdict "$(in_ns "$OUT" curl -s -m 2 http://192.0.2.1:8082/)")"
row "internet (192.0.2.2), after ufw allow" "api (guardnet) :8080" "$(verdict "$(in_ns "$OUT" curl -s -m 2 http://192.0.2.1:8080/)")"
row "host (NGINX)" "api (guardnet) :8080" "$(verdict "$(in_ns "$H" curl -s -m 2 http://127.0.0.1:8080/)")"
must ufw delete allow from 192.0.2.2 to any port 8080
eventually dropped "after ufw delete: blocked again" "$OUT" http://192.0.2.1:8080/
row "internet (192.0.2.2), after ufw delete" "api (guardnet) :8080" "$(verdict "$(in_ns "$OUT" curl -s -m 2 http://192.0.2.1:8080/)")"

step "why: guardnetctl explain --from 192.0.2.2 --port 8080 (and for the host and the partner)"
why=$(gnctl explain --from 192.0.2.2 --port 8080)
say "$why"
check "explain: UFW's default policy blocks the internet" grep -q '^verdict: *drop' <<<"$why"
say "$(gnctl explain --from 127.0.0.1 --to 127.0.0.1 --port 8080 | grep -E '^(verdict|because)')"
say "$(gnctl explain --from 192.0.2.2 --port 8082 | grep -E '^(verdict|because)')"

step "what guardnet put in the kernel (nft list table inet guardnet, excerpt)"
in_ns "$H" nft list table inet guardnet | grep -E 'dnat|allow4|GUARDNET|elements' | head -12

step "a mistyped option is refused with guardnet's message"
say "$(dk "$H" network create -d "$DRV" -o guardnet.publsh=127.0.0.1 typo 2>&1)"

step "clean up: docker rm -f ...; docker network rm backend partner"
must dk "$H" rm -f api api-bridge partner-api
must dk "$H" network rm backend partner
check "nothing of guardnet left in the kernel" bash -c "! nsenter --net=/run/netns/$H nft list table inet guardnet 2>/dev/null"
summary
