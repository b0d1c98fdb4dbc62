#!/bin/bash
# Docker on legacy iptables and UFW on nf_tables: a packet must pass both,
# and guardnetd warns, loudly.
#
#   [ host H: dockerd on iptables-legacy, ufw on iptables-nft, guardnetd ]
. "$(dirname "$0")/../lib.sh"
scenario legacy-ufw-mismatch testbed legacy

must dk "$H" network create -d "$DRV" --subnet 10.224.1.0/24 -o guardnet.allow=192.0.2.2/32 n1
web be n1 -p 8080:80
check "ufw enable (on nf_tables)" ufw --force enable
check "guardnetd warns that Docker and UFW disagree" wait_until 6 grep -q \
	'WARNING: Docker uses legacy iptables and UFW uses nf_tables iptables' "$GN_TMP/gn-$H/guardnetd.log"
check "ufw disable" ufw disable
summary
