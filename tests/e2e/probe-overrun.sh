#!/bin/bash
# The test suite's own probe (tests/lib-traffic.sh), without a testbed: a
# curl that ran out of time long after its -m limit is no verdict on the
# network (it is tried again; two overruns stay "overrun", which no check
# wants), a timeout within the limit is still "timeout", and a source
# address is bound without curl listing the namespace's interfaces (the
# netlink dump that waited seconds for the kernel's RTNL lock in CI).
. "$(dirname "$0")/../lib.sh"
scenario probe-overrun

GN_NEG_SECS=1
# Probes from "X" run the stub curl below here: CURL_SECS how long it
# takes, CURL_RC its exit, CURLS the file that counts its calls.
in_ns() { shift; "$@"; }
CURLS=$GN_TMP/curls
curl() {
	echo >>"$CURLS"
	sleep "${CURL_SECS[$(($(wc -l <"$CURLS") - 1))]}"
	printf 0
	return "${CURL_RC:-28}"
}
# stub SECS...: the stub's durations, call by call; probes once.
stub() {
	: >"$CURLS"
	CURL_SECS=("$@")
	probe X http://192.0.2.1/ 192.0.2.2
	echo "$PROBE $(wc -l <"$CURLS") call(s): $PROBE_INFO"
}

out=$(stub 3.5 3.5)
check "two curls of -m 1 that took 3.5 s: overrun, after 2 calls ($out)" grep -qE '^overrun 2 call\(s\): .*the -m 1 curl took 3[0-9]{3} ms$' <<<"$out"
out=$(stub 0.2)
check "control: a curl of -m 1 that gave up at once: timeout, 1 call ($out)" grep -q '^timeout 1 call(s)' <<<"$out"
out=$(CURL_RC=7 stub 3.5)
check "a refusal after a long stall is a refusal, 1 call ($out)" grep -q '^refused 1 call(s)' <<<"$out"
out=$(stub 3.5 0.2)
check "an overrun then a timeout within the limit: timeout, 2 calls ($out)" grep -q '^timeout 2 call(s)' <<<"$out"
unset -f curl in_ns

# netlink_sockets INTERFACE: the NETLINK sockets curl opens with --interface INTERFACE.
netlink_sockets() {
	strace -f -e trace=socket curl -s -m 1 --interface "$1" http://127.0.0.1:9/ 2>&1 >/dev/null | grep -c AF_NETLINK
}
n=$(netlink_sockets 127.0.0.1)
check "control: curl --interface 127.0.0.1 opens a netlink socket ($n; strace $(command -v strace || echo missing))" test "$n" -gt 0
n=$(netlink_sockets 'host!127.0.0.1')
check "curl --interface host!127.0.0.1 opens none ($n)" test "$n" -eq 0
summary
