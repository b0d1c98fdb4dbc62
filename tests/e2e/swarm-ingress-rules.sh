#!/bin/bash
# guardnet notices the ports Docker's routing mesh publishes (a Swarm
# service in ingress mode), which never cross a guardnet bridge and so
# bypass guardnet and UFW: it warns in its log and in guardnetctl status
# while they are there, in nf_tables (iptables-nft) and in legacy iptables.
# The rules are written here as Docker 20.10 writes them (nat table, chain
# DOCKER-INGRESS, reached from PREROUTING and OUTPUT), because this
# machine's kernel has no IPVS and Docker then makes no routing mesh at all
# (spec/plugin-protocol.md, "Ingress publishing"); swarm-ingress.sh runs a
# real ingress-mode service.
#
#   [ H: guardnetd ]   (no dockerd: nothing else writes H's nat table)
. "$(dirname "$0")/../lib.sh"
scenario swarm-ingress-rules
t0=$SECONDS
H=${GN_TAG}h
DRV=${GN_TAG}drv

ctl() { in_ns "$H" timeout 30 "$GN_ROOT/build/guardnetctl" --socket "$GN_TMP/gn-$H/control.sock" "$@"; }
logged() { grep -q "$1" "$GN_TMP/gn-$H/guardnetd.log"; }
status_has() { ctl status | grep -q "$1"; }
status_lacks() { ! ctl status | grep -q "$1"; }
json_ingress() { [ "$(ctl --json status | python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)["ingress"]))')" = "$1" ]; }
# mesh IPTABLES ARGS...: a rule in H's nat table, as Docker writes it.
mesh() { in_ns "$H" "$@"; }

netns_add "$H"
must guardnetd_start "$H" "$DRV"

check "no routing mesh: status lists no port" json_ingress ""
check "no routing mesh: status warns of nothing" status_lacks WARNING

mesh iptables-nft -t nat -N DOCKER-INGRESS
mesh iptables-nft -t nat -A DOCKER-INGRESS -p tcp --dport 8083 -j DNAT --to-destination 172.18.0.2:8083
mesh iptables-nft -t nat -A DOCKER-INGRESS -p tcp --dport 9090 -j RETURN
mesh iptables-nft -t nat -A DOCKER-INGRESS -j RETURN
mesh iptables-nft -t nat -I PREROUTING -m addrtype --dst-type LOCAL -j DOCKER-INGRESS
mesh iptables-nft -t nat -I OUTPUT -m addrtype --dst-type LOCAL -j DOCKER-INGRESS
check "nf_tables: the log warns of 8083/tcp" \
	wait_until 10 logged "WARNING: port 8083/tcp is published by Docker's routing mesh .*mode=host"
check "nf_tables: guardnetctl status warns of 8083/tcp" status_has "WARNING: 8083/tcp is published by Docker's routing mesh"
check "nf_tables: only DNAT rules count (not 9090's RETURN)" json_ingress "8083/tcp"

mesh iptables-nft -t nat -D DOCKER-INGRESS -p tcp --dport 8083 -j DNAT --to-destination 172.18.0.2:8083
check "rule gone: the log says so" wait_until 10 logged "port 8083/tcp is no longer published by Docker's routing mesh"
check "rule gone: status warns of nothing" status_lacks WARNING

mesh iptables-legacy -t nat -N DOCKER-INGRESS
mesh iptables-legacy -t nat -A DOCKER-INGRESS -p udp --dport 5353 -j DNAT --to-destination 172.18.0.2:5353
mesh iptables-legacy -t nat -A DOCKER-INGRESS -j RETURN
check "legacy iptables: the log warns of 5353/udp" \
	wait_until 10 logged "WARNING: port 5353/udp is published by Docker's routing mesh"
check "legacy iptables: guardnetctl status lists it" json_ingress "5353/udp"

say "# swarm-ingress-rules ran in $((SECONDS - t0)) s"
summary
