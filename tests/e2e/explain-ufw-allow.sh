#!/bin/bash
# explain with UFW enabled: UFW's default policy, then an allow rule that
# explain quotes with its line in user.rules; guardnet.allow and the host
# keep their access; real traffic agrees with each verdict.
#
#   [ host H: dockerd, guardnetd, ufw ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario explain-ufw-allow testbed

must dk "$H" network create -d "$DRV" --subnet 10.223.1.0/24 n1
web be n1 -p 8080:80
must dk "$H" network create -d "$DRV" --subnet 10.223.2.0/24 -o guardnet.allow=192.0.2.2/32 n2
web be2 n2 -p 8081:80
must reachable "$H" http://127.0.0.1:8080/
must reachable "$H" http://127.0.0.1:8081/
check "ufw --force enable" ufw --force enable
agree drop outside 192.0.2.2 192.0.2.1 8080 http://192.0.2.1:8080/
check "explain names UFW's default policy" grep -q "UFW's default incoming policy is deny" \
	<<<"$(explain 192.0.2.2 192.0.2.1 8080 | json_field because)"
check "ufw allow from 192.0.2.2 to any port 8080 proto tcp" ufw allow from 192.0.2.2 to any port 8080 proto tcp
agree accept outside 192.0.2.2 192.0.2.1 8080 http://192.0.2.1:8080/
check "explain quotes the UFW rule and its line" grep -q \
	'UFW rule "allow from 192.0.2.2 to any port 8080 proto tcp" (user.rules line [0-9]*)' \
	<<<"$(explain 192.0.2.2 192.0.2.1 8080 | json_field because)"
agree drop outside 192.0.2.3 192.0.2.1 8080 http://192.0.2.1:8080/
agree accept outside 192.0.2.2 192.0.2.1 8081 http://192.0.2.1:8081/
agree accept host 127.0.0.1 127.0.0.1 8080 http://127.0.0.1:8080/
summary
