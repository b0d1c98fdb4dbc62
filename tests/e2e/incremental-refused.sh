#!/bin/bash
# The kernel refuses a delta (tests/tools/nfrefuse.c preloaded into
# guardnetd refuses every batch publishing port 7777): the table stays as
# it was, without a rebuild, the endpoint does not publish and its error
# names it and the port, the next publish works, and the table is still
# what a rebuild makes.
#
#   [ host H: guardnetd + nfrefuse.so, no dockerd ]
. "$(dirname "$0")/../lib.sh"
scenario incremental-refused
require "gcc to build the LD_PRELOAD shim" command -v gcc
must_read shim refuse_shim
GN_REFUSE_PORT=7777 LD_PRELOAD=$shim must bare_host

must drv_net a1 10.231.1.0/24 10.231.1.1/24 fd00:231:1::/64 fd00:231:1::1/64 '{"guardnet.allow":"192.0.2.0/28"}'
must drv_ep a1 e9 10.231.1.19/24 fd00:231:1::19/64 192.0.2.9/32
must drv_pub a1 e9 "$(drv_pm 6 80 "" 8900)"
nft_dump "$H" >"$GN_TMP/before.nft"
must_read h2 nft_handle "$H"
must drv_ep a1 e10 10.231.1.20/24 ""
out=$(drv_try_pub a1 e10 "$(drv_pm 6 80 "" 7777)")
check "refused: the error names endpoint and port: $out" \
	grep -qE "endpoint $(drv_id e10 | cut -c1-12): publishing 7777/tcp failed: nftables refused the transaction" <<<"$out"
expect_same "refused: the table is unchanged" "$GN_TMP/before.nft" nft_dump "$H"
check "refused: no rebuild either" test "$(nft_handle "$H")" = "$h2"
must drv_pub a1 e10 "$(drv_pm 6 80 "" 7778)"
check "after the refusal e10 publishes 7778" nft_has "$H" map any4 7778
same_as_rebuild "after a refused delta"
summary
