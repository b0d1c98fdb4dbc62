#!/bin/bash
# guardnetctl audit on a legacy-iptables host (dockerd and UFW on
# iptables-legacy): the scenario of audit.bash.
AUDIT_IPT=legacy . "$(dirname "$0")/audit.bash"
