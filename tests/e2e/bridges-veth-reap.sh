#!/bin/bash
# The veth pairs of deleted endpoints go on a thread of guardnetd's own
# (kernel-reap.c), oldest first, so that no request waits for the kernel's
# deletion.  A pair waiting there still holds its name: an endpoint made
# again under the same ID before its old pair went must get a new pair, not
# adopt the one about to be deleted (which would leave it with none).
#
#   [ host H: guardnetd, no dockerd ]
. "$(dirname "$0")/../lib.sh"
scenario bridges-veth-reap bare_host

veth() { local id; id=$(drv_id "$1"); printf 'gnh%s' "${id:0:12}"; }
ifindex() { ip -n "$H" -o link show "$(veth "$1")" 2>/dev/null | cut -d: -f1; }
gone() { ! ip -n "$H" link show "$(veth "$1")" >/dev/null 2>&1; }

must drv_net c1 10.232.0.0/16 10.232.0.1/16 "" "" '{}'
# A queue for the thread: each deletion waits for RCU grace periods, the
# calls that hand them over do not.
for i in $(seq 10 49); do
	must drv_call CreateEndpoint "{$(drv_ref c1 "a$i"),\"Interface\":{\"Address\":\"10.232.1.$i/16\"},\"Options\":{}}"
done
must_read old ifindex a10
for i in $(seq 11 49); do
	must drv_delete c1 "a$i"
done
must drv_delete c1 a10
must drv_call CreateEndpoint "{$(drv_ref c1 a10),\"Interface\":{\"Address\":\"10.232.1.10/16\"},\"Options\":{}}"
must_read new ifindex a10
check "made again at once: a new pair (ifindex $old before, $new now)" test -n "$new" -a "$new" != "$old"
# The thread deletes oldest first: once a pair handed over after all of
# these is gone, so are they.
must drv_call CreateEndpoint "{$(drv_ref c1 a50),\"Interface\":{\"Address\":\"10.232.1.50/16\"},\"Options\":{}}"
must drv_delete c1 a50
check "the thread's queue ran out (a50's pair gone)" wait_until 30 gone a50
others() { ip -n "$H" -o link show type veth | grep 'gnha' | grep -vc "$(veth a10)"; }
check "the other 40 pairs are gone too" test "$(others)" = 0
check "a10's new pair is still there, on its bridge" bash -c "ip -n $H -o link show $(veth a10) | grep -q 'master gn-'"
check "and is the one made last (ifindex $new)" test "$(ifindex a10)" = "$new"
summary
