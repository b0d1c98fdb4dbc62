#!/bin/bash
# Containers started with docker run on a guardnet network find each other
# by name and alias through Docker's embedded DNS (127.0.0.11), on an
# internal guardnet network too, and do not find a container of another
# network.  libnetwork gives a container the embedded DNS for any network
# it did not make itself, whatever the driver (spec/plugin-protocol.md,
# "Name resolution").  docker exec must see the container's own files: under
# a dockerd chrooted into another tree it saw the machine's, whose
# resolv.conf names the machine's nameserver (the Docker 28 lane once did).
#
#   [ host H: dockerd, guardnetd; networks g1, g2, gi (internal) ]
. "$(dirname "$0")/../lib.sh"
scenario driver-dns docker_host
image_load "$H"
say "# dockerd $(dk "$H" version -f '{{.Server.Version}}')"

must dk "$H" network create -d "$DRV" --subnet 10.227.1.0/24 g1
must dk "$H" network create -d "$DRV" --subnet 10.227.2.0/24 g2
must dk "$H" network create -d "$DRV" --internal --subnet 10.227.3.0/24 gi
web a1 g1
web a2 g1 --network-alias api
web b1 g2
web b2 g2
web i1 gi
web i2 gi

# resolves CTR NAME [ADDR]: CTR's embedded DNS answers NAME (with ADDR).
resolves() { dk "$H" exec "$1" nslookup "$2" 127.0.0.11 2>&1 | grep -qx "Address: *${3:-[0-9.]*}"; }
# lookup CTR NAME: sets ANSWER to what CTR's embedded DNS says of NAME.
lookup() {
	ANSWER=$(dk "$H" exec "$1" timeout 20 nslookup "$2" 127.0.0.11 2>&1 |
		grep -E 'Address:|NXDOMAIN|SERVFAIL|no servers could be reached' | grep -v '127.0.0.11:53' | tr -s '\n\t' '  ')
}
# no_record ANSWER ADDR: the embedded DNS had no record and asked the
# machine's nameserver, which this test host cannot reach: Docker 28 answers
# SERVFAIL, 20.10 does not answer ("no servers could be reached"); an
# NXDOMAIN would do as well.  Never ADDR.
no_record() { [[ $1 != *"Address: $2"* ]] && [[ $1 =~ NXDOMAIN|SERVFAIL|no\ servers\ could\ be\ reached ]]; }

check "docker exec runs in the container's own files (/etc/hostname is its short ID)" \
	test "$(dk "$H" exec a1 cat /etc/hostname)" = "$(dk "$H" inspect -f '{{.Id}}' a1 | cut -c1-12)"
must_read resolv dk "$H" exec a1 cat /etc/resolv.conf
check "a1's resolv.conf names the embedded DNS and no other nameserver: $(grep nameserver <<<"$resolv" | xargs)" \
	test "$(grep '^nameserver' <<<"$resolv")" = "nameserver 127.0.0.11"
must_read a2ip ctr_ip "$H" a2 g1
check "a1 finds a2 at $a2ip" resolves a1 a2 "$a2ip"
check "a1 finds a2's alias api at $a2ip" resolves a1 api "$a2ip"
check "a1 reaches a2 by name" test "$(fetch "$H" a1 http://a2/)" = "$GN_HELLO"
check "a1 reaches a2 by its alias" test "$(fetch "$H" a1 http://api/)" = "$GN_HELLO"
check "positive control: b1 finds b2 on g2" resolves b1 b2
lookup b1 a2
check "b1 does not find a2, which is on g1 only ($ANSWER)" no_record "$ANSWER" "$a2ip"
lookup b1 api
check "nor a2's alias ($ANSWER)" no_record "$ANSWER" "$a2ip"
check "on the internal network gi, i1 finds i2 and reaches it by name" \
	eval 'resolves i1 i2 && test "$(fetch "$H" i1 http://i2/)" = "$GN_HELLO"'
summary
