#!/bin/bash
# Host sockets holding a port (asked of the kernel per port, not read from
# /proc/net): a publish that collides is refused and names the socket, the
# same port on another address is free, and refused publishes leave no
# trace.
#
#   [ host H: guardnetd, a python process listening on [::]:8701/tcp and 127.0.0.1:8702/udp ]
. "$(dirname "$0")/../lib.sh"
scenario incremental-host-sockets bare_host

must drv_net a1 10.231.1.0/24 10.231.1.1/24 fd00:231:1::/64 fd00:231:1::1/64 '{}'
must drv_net b2 10.231.2.0/24 10.231.2.1/24 "" "" '{"guardnet.publish":"127.0.0.1,192.0.2.1"}'
# nsenter itself, not in_ns: a function in the background is a subshell,
# and killing that at the end left python holding the ports for 2 minutes.
nsenter --net=/run/netns/"$H" python3 -c '
import socket, sys, time
t = socket.socket(socket.AF_INET6)
t.bind(("::", 8701))
t.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 8702))
print("ready", flush=True)
time.sleep(120)' >"$GN_TMP/sockets" &
GN_PIDS+=($!)
must wait_until 10 grep -q ready "$GN_TMP/sockets"
must drv_ep a1 e11 10.231.1.21/24 ""
out=$(drv_try_pub a1 e11 "$(drv_pm 6 80 "" 8701)")
check "a TCP listener on [::] holds the IPv4 port: $out" \
	grep -qF 'host port 8701/tcp on 0.0.0.0 is in use by a process on the host (listening on [::]:8701)' <<<"$out"
out=$(drv_try_pub a1 e11 "$(drv_pm 17 53 127.0.0.1 8702)")
check "a UDP socket on 127.0.0.1 holds 127.0.0.1: $out" \
	grep -qF 'host port 8702/udp on 127.0.0.1 is in use by a process on the host (bound on 127.0.0.1:8702)' <<<"$out"
must drv_ep b2 e12 10.231.2.22/24 ""
check "the same UDP port on another address is free" drv_pub b2 e12 "$(drv_pm 17 53 192.0.2.1 8702)"
check "refused publishes left no trace" nft_lacks "$H" map any4 8701
same_as_rebuild "after host-socket conflicts"
summary
