#!/bin/bash
# 1,000 allowlist CIDRs and 200 published ports on one endpoint: all in
# guardnet's sets and maps, the first and last port answer an allowed
# source, and a source outside the CIDRs is dropped.
#
#   [ host H: dockerd, guardnetd ] 192.0.2.1 --veth-- 192.0.2.2, .3 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario publish-scale testbed

# Every other /24, so that none of them merge into a larger range.
cidrs=$(python3 -c 'print(",".join(f"10.{i // 125 + 100}.{i % 125 * 2}.0/24" for i in range(999)) + ",192.0.2.2/32")')
must dk "$H" network create -d "$DRV" --subnet 10.221.7.0/24 -o guardnet.allow="$cidrs" n7
must dk "$H" run -d --name many --network n7 -p 9000-9199:9000-9199 gnbox \
	sh -c 'httpd -p 9000 -h /www; httpd -f -p 9199 -h /www'
must_read id dk "$H" network inspect -f '{{.Id}}' n7
check "200 ports: all mapped" test "$(in_ns "$H" nft list map inet guardnet any4 | grep -o ' 9[01][0-9][0-9] :' | wc -l)" -eq 200
check "1,000 CIDRs: all in the set" test "$(in_ns "$H" nft list set inet guardnet "allow4-gn-${id:0:12}" | grep -o '/24' | wc -l)" -eq 999
expect_open "first of 200 ports answers an allowed source" "$O" http://192.0.2.1:9000/ 192.0.2.2
expect_open "last of 200 ports answers an allowed source" "$O" http://192.0.2.1:9199/ 192.0.2.2
expect_dropped "a source outside the 1,000 CIDRs is blocked" "$O" http://192.0.2.1:9000/ 192.0.2.3
summary
