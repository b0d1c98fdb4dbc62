#!/bin/bash
# The kernel refuses a transaction: Docker gets an error naming the endpoint
# and the port, the ruleset stays exactly as it was, what was allowed still
# flows, and the next publish works.  The refusal is made by
# tests/tools/nfrefuse.c, preloaded into guardnetd: it corrupts the batch
# that publishes port 7777, so the kernel answers ENOENT; the installed
# guardnetd has no such hook.
#
#   [ host H: dockerd, guardnetd + nfrefuse.so ] 192.0.2.1 --veth-- 192.0.2.2 [ outside O ]
. "$(dirname "$0")/../lib.sh"
scenario publish-refused testbed
require "gcc to build the LD_PRELOAD shim" command -v gcc

must dk "$H" network create -d "$DRV" --subnet 10.221.2.0/24 -o guardnet.allow=192.0.2.2/32 n2
web be2 n2 -p 8081:80
must guardnetd_stop "$H"
must_read shim refuse_shim
GN_REFUSE_PORT=7777 LD_PRELOAD=$shim must guardnetd_start "$H" "$DRV"
must reachable "$O" http://192.0.2.1:8081/ 192.0.2.2
nft_dump "$H" ruleset >"$GN_TMP/before.nft"
out=$(dk "$H" run -d --name refused --network n2 -p 7777:80 gnbox httpd -f -p 80 -h /www 2>&1)
check "refused transaction: the error names endpoint and port: $out" \
	grep -qE 'endpoint [0-9a-f]{12}: publishing 7777/tcp failed: nftables refused the transaction' <<<"$out"
expect_same "refused transaction: the ruleset is unchanged" "$GN_TMP/before.nft" nft_dump "$H" ruleset
expect_refused "refused transaction: nothing answers on 7777" "$H" http://127.0.0.1:7777/
expect_open "refused transaction: allowed traffic still flows" "$O" http://192.0.2.1:8081/ 192.0.2.2
web after n2 -p 7778:80
expect_open "after the refusal, the next publish (7778) answers" "$O" http://192.0.2.1:7778/ 192.0.2.2
summary
