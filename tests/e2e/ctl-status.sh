#!/bin/bash
# guardnetctl status for a fixed scenario, as an operator reads it: the
# text compared line by line with the expected table (To / Action / From
# per published port in Docker's notation, IPv6 in brackets, UFW's rules
# numbered as `ufw status numbered` numbers them, guardnet.allow of the
# network and of a container, names from Docker), and the JSON validated
# against spec/status.schema.json.  Then which iptables the firewall line
# names, on a host with nf_tables, legacy or both filter tables.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
set -u
. "$(dirname "$0")/../lib.sh"
trap gn_cleanup EXIT

PY=/usr/bin/python3
$PY -c 'import jsonschema' 2>/dev/null || { echo "ctl-status: python3-jsonschema is missing (packaging/deps.sh)"; exit 77; }
testbed || exit 1
CTL=$GN_ROOT/build/guardnetctl
gnctl() { "$CTL" --socket "$GN_TMP/gn-$H/control.sock" --docker-socket "$GN_TMP/docker-$H/docker.sock" "$@"; }
# ufw_numbered: `ufw status numbered` in the test host, on its own files.
ufw_numbered() {
	unshare --mount bash -c 'mount --bind "$0/etc/ufw" /etc/ufw && mount --bind "$0/etc/default/ufw" /etc/default/ufw &&
		exec nsenter --net=/run/netns/"$1" ufw status numbered' "$UFW_ROOT" "$UFW_NS"
}
validate() {
	$PY - "$GN_ROOT/spec/status.schema.json" "$1" <<'EOF'
import json, sys, jsonschema
schema, doc = (json.load(open(p)) for p in sys.argv[1:])
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
for e in errors:
    print("  %s: %s" % ("/".join(map(str, e.absolute_path)), e.message))
sys.exit(1 if errors else 0)
EOF
}

must ufw default deny incoming
must ufw allow from 192.0.2.2 to any port 8080 proto tcp
must ufw deny 8443/tcp
must ufw --force enable
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.223.1.0/24 --subnet fd00:223:1::/64 \
	-o guardnet.allow=198.51.100.0/24 web
must dk "$H" network create -d "$DRV" --subnet 10.223.2.0/24 -o guardnet.ufw=off back
must dk "$H" network create -d "$DRV" --internal --subnet 10.223.3.0/24 db
must dk "$H" run -d --name site --network web -p 8080:80 -p 8443:443 gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name admin --network name=web,driver-opt=guardnet.allow=192.0.2.4/32 -p 9100:80 \
	gnbox httpd -f -p 80 -h /www
must dk "$H" run -d --name api --network back -p 127.0.0.1:9000:9000 gnbox httpd -f -p 9000 -h /www
check "guardnetd has read UFW's three rules" wait_until 5 sh -c "'$CTL' --socket '$GN_TMP/gn-$H/control.sock' \
	--no-docker status | grep -q '^UFW: enabled, default incoming deny, IPv6 on, 3 rules$'"

# UFW numbers the rules guardnet shows: [1] the IPv4 allow, [2] and [3] the
# deny of 8443 for IPv4 and IPv6.
numbered=$(ufw_numbered)
check "ufw status numbered: [1] is the allow from 192.0.2.2" grep -qE '^\[ 1\] 8080/tcp +ALLOW IN +192\.0\.2\.2' <<<"$numbered"
check "ufw status numbered: [2] denies 8443/tcp" grep -qE '^\[ 2\] 8443/tcp +DENY IN +Anywhere' <<<"$numbered"
check "ufw status numbered: [3] denies 8443/tcp (v6)" grep -qE '^\[ 3\] 8443/tcp \(v6\) +DENY IN +Anywhere \(v6\)' <<<"$numbered"

# The IDs change from run to run: the text names them by what they are.
ids=()
for n in web back db; do ids+=(-e "s/$(dk "$H" network inspect -f '{{.Id}}' "$n" | cut -c1-12)/NET-$n/g"); done
for c in site admin api; do ids+=(-e "s/$(dk "$H" inspect -f '{{.Id}}' "$c" | cut -c1-12)/CTR-$c/g"); done
gnctl status >"$GN_TMP/status.txt" 2>"$GN_TMP/status.err"
rc=$?
check "status: exit 0, nothing on stderr (got $rc: $(cat "$GN_TMP/status.err"))" test "$rc:$(cat "$GN_TMP/status.err")" = 0:
sed "${ids[@]}" -e "s/^guardnetd $(cat "$GN_ROOT/VERSION");/guardnetd VERSION;/" "$GN_TMP/status.txt" >"$GN_TMP/got.txt"
cat >"$GN_TMP/want.txt" <<'EOF'
guardnetd VERSION; firewall: table inet guardnet, accept rule in iptables-nft (nf_tables), mark 0x4e47
UFW: enabled, default incoming deny, IPv6 on, 3 rules

network back (NET-back), bridge gn-NET-back
  subnets 10.223.2.0/24; UFW not in force (guardnet.ufw=off); icc on; publish on 0.0.0.0, ::

  container api (CTR-api): 10.223.2.2
    To                        Action  From
    --                        ------  ----
    127.0.0.1:9000->9000/tcp  ALLOW   this host
                              ALLOW   containers of back
                              DENY    Anywhere else (guardnet's default: dropped and logged)

network db (NET-db), bridge gn-NET-db
  subnets 10.223.3.0/24; UFW in force (guardnet.ufw=auto); icc on; internal: no egress, nothing published
  no containers

network web (NET-web), bridge gn-NET-web
  subnets 10.223.1.0/24, fd00:223:1::/64; UFW in force (guardnet.ufw=auto); icc on; publish on 0.0.0.0, ::; allow 198.51.100.0/24

  container admin (CTR-admin): 10.223.1.3, fd00:223:1::3; allow 192.0.2.4/32
    To                        Action  From
    --                        ------  ----
    0.0.0.0:9100->80/tcp      ALLOW   this host
                              ALLOW   containers of web
                              ALLOW   198.51.100.0/24 (guardnet.allow)
                              ALLOW   192.0.2.4/32 (guardnet.allow of the container)
                              DENY    Anywhere else (UFW's default incoming policy)
    [::]:9100->80/tcp         ALLOW   this host
                              ALLOW   containers of web
                              DENY    Anywhere else (UFW's default incoming policy)

  container site (CTR-site): 10.223.1.2, fd00:223:1::2
    To                        Action  From
    --                        ------  ----
    0.0.0.0:8080->80/tcp      ALLOW   this host
                              ALLOW   containers of web
                              ALLOW   192.0.2.2 (UFW [1])
                              ALLOW   198.51.100.0/24 (guardnet.allow)
                              DENY    Anywhere else (UFW's default incoming policy)
    [::]:8080->80/tcp         ALLOW   this host
                              ALLOW   containers of web
                              DENY    Anywhere else (UFW's default incoming policy)
    0.0.0.0:8443->443/tcp     ALLOW   this host
                              ALLOW   containers of web
                              DENY    Anywhere (UFW [2])
    [::]:8443->443/tcp        ALLOW   this host
                              ALLOW   containers of web
                              DENY    Anywhere (UFW [3])
EOF
check "status text is the expected table" cmp -s "$GN_TMP/want.txt" "$GN_TMP/got.txt"
cmp -s "$GN_TMP/want.txt" "$GN_TMP/got.txt" || diff -u --label want --label got "$GN_TMP/want.txt" "$GN_TMP/got.txt"
check "no line of status ends in a space" test "$(grep -c ' $' "$GN_TMP/status.txt")" = 0

# JSON: full IDs that join with Docker's, every field as the schema says.
gnctl --json status >"$GN_TMP/status.json"
check "--json status validates against spec/status.schema.json" validate "$GN_TMP/status.json"
web_id=$(dk "$H" network inspect -f '{{.Id}}' web)
site_ep=$(dk "$H" inspect -f '{{.NetworkSettings.Networks.web.EndpointID}}' site)
jq_net() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n=[n for n in d["networks"] if n["id"]==sys.argv[2]]; print(json.dumps(n[0]) if n else "")' "$GN_TMP/status.json" "$1"; }
net_json=$(jq_net "$web_id")
check "--json: network web by its full ID (docker network inspect .Id), named web" \
	python3 -c 'import json,sys; n=json.loads(sys.argv[1]); assert n["name"] == "web"' "$net_json"
check "--json: site's endpoint by Docker's EndpointID, with the container's name and its four ports" \
	python3 -c 'import json,sys
n = json.loads(sys.argv[1])
e = [e for e in n["endpoints"] if e["id"] == sys.argv[2]][0]
assert e["container"]["name"] == "site", e
assert [p["docker"] for p in e["published"]] == ["0.0.0.0:8080->80/tcp", "[::]:8080->80/tcp",
    "0.0.0.0:8443->443/tcp", "[::]:8443->443/tcp"], e["published"]
p = e["published"][0]
assert (p["host_address"], p["host_port"], p["proto"], p["container_address"], p["container_port"]) == \
    ("0.0.0.0", 8080, "tcp", "10.223.1.2", 80), p
assert p["reach"]["ufw_rules"] == [1] and p["reach"]["allow"] == ["198.51.100.0/24"], p
assert p["reach"]["default"] == {"action": "deny", "by": "ufw"}, p
assert e["published"][3]["reach"]["ufw_rules"] == [3] and e["published"][3]["reach"]["default"] is None' \
	"$net_json" "$site_ep"
gnctl --no-docker --json status >"$GN_TMP/nodocker.json"
check "--no-docker --json validates too, and has no names" sh -c "grep -qv '\"name\"' '$GN_TMP/nodocker.json' &&
	! grep -q '\"name\"' '$GN_TMP/nodocker.json'" && validate "$GN_TMP/nodocker.json" >/dev/null
out=$(gnctl --no-docker status 2>&1)
check "--no-docker: networks by their 12-character ID" grep -q "^network ${web_id:0:12}, bridge gn-${web_id:0:12}$" <<<"$out"
out=$("$CTL" --socket "$GN_TMP/gn-$H/control.sock" --docker-socket "$GN_TMP/nowhere.sock" status 2>"$GN_TMP/err"; exit $?)
rc=$?
check "Docker not reachable: status still exit 0, the table without names (rc $rc)" \
	sh -c "[ $rc = 0 ] && grep -q '^network ${web_id:0:12}' <<'X'
$out
X"
check "... and stderr says why there are no names ($(cat "$GN_TMP/err"))" grep -q "no names from Docker (.*nowhere.sock" "$GN_TMP/err"

# Which iptables: a guardnetd of its own in a namespace without Docker,
# whose filter tables the test makes one kind at a time.
F=${GN_TAG}f
netns_add "$F"
must guardnetd_start "$F" "${GN_TAG}fdrv"
fctl() { "$CTL" --socket "$GN_TMP/gn-$F/control.sock" --no-docker status | head -1; }
check "no filter table: \"no iptables filter table\"" grep -q 'accept rule in no iptables filter table' <<<"$(fctl)"
must in_ns "$F" iptables-legacy -w -L FORWARD
check "legacy only: \"legacy iptables\"" grep -q 'accept rule in legacy iptables,' <<<"$(fctl)"
# iptables-nft makes its chains when first changed: the policy Docker sets.
must in_ns "$F" iptables-nft -P FORWARD DROP
check "both: \"both iptables-nft and legacy iptables\" ($(fctl))" grep -q 'accept rule in both iptables-nft and legacy iptables,' <<<"$(fctl)"

summary ctl-status
