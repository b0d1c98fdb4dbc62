#!/bin/bash
# guardnetctl audit on an iptables-nft host: the scenario of audit.bash.
AUDIT_IPT=nft . "$(dirname "$0")/audit.bash"
