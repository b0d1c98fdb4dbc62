#!/bin/bash
# The host reaches guardnet's published ports at [::1]:P (and so at
# localhost:P, which resolves to ::1 first) as Docker's bridge serves them:
# for IPv4-only and dual-stack networks, for bindings without a host
# address and on ::1, not for bindings on 127.0.0.1 or 0.0.0.0.  The relay
# follows containers that stop and start.  Across a guardnetd restart:
# without systemd the port is refused while guardnetd is down; with
# systemd's file descriptor store (played by tests/tools/fdstore.py) a
# connection made while it is down waits and is answered once it is back.
#
#   [ host H: dockerd, guardnetd ]  curl [::1]:P -> relay -> container
. "$(dirname "$0")/../lib.sh"
scenario publish-loopback6 testbed
hello=$GN_HELLO
gets() { test "$(in_ns "$H" curl -s -m 2 "$1")" = "$hello"; }
# refused URL: curl says the connection was refused (exit 7), not a timeout.
refused() { in_ns "$H" curl -s -m 2 "$1" >/dev/null 2>&1; test $? -eq 7; }
# localhost PORT: "ADDRESS BODY" of http://localhost:PORT/ for a client
# that takes getaddrinfo's first answer, as NGINX's proxy_pass does, with
# Debian's /etc/hosts (localhost is ::1 and 127.0.0.1; ::1 sorts first),
# whatever this machine's says.
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$GN_TMP/hosts"
localhost() {
	unshare --mount sh -c 'mount --bind "$0" /etc/hosts && exec nsenter --net=/run/netns/"$1" /usr/bin/python3 -c "
import socket, sys
a = socket.getaddrinfo(\"localhost\", int(sys.argv[1]), type=socket.SOCK_STREAM)[0]
s = socket.socket(a[0], a[1]); s.settimeout(2); s.connect(a[4])
s.sendall(b\"GET / HTTP/1.0\r\n\r\n\")
body = b\"\".join(iter(lambda: s.recv(4096), b\"\")).split(b\"\r\n\r\n\", 1)[-1]
print(a[4][0], body.decode().strip())" "$2"' "$GN_TMP/hosts" "$H" "$1" 2>&1
}

must dk "$H" network create -d "$DRV" --subnet 10.231.1.0/24 g4
must dk "$H" network create -d "$DRV" --ipv6 --subnet 10.231.2.0/24 --subnet fd00:231:2::/64 g6
web c4 g4 -p 8080:80
web c6 g6 -p 8081:80
web c7 g4 -p 127.0.0.1:8082:80
web c8 g4 -p '[::1]:8083:80'
web c9 g4 -p 0.0.0.0:8084:80

check "IPv4-only network: the host gets [::1]:8080" wait_until 10 gets 'http://[::1]:8080/'
check "IPv4-only network: curl http://localhost:8080/ answers" gets http://localhost:8080/
check "IPv4-only network: localhost:8080 answers over ::1 (getaddrinfo's first)" test "$(localhost 8080)" = "::1 $hello"
check "IPv4-only network: the container sees the bridge's address, as behind docker-proxy" test \
	"$(in_ns "$H" curl -s -m 2 'http://[::1]:8080/cgi-bin/ip')" = '[::ffff:10.231.1.1]'
check "dual-stack network: the host gets [::1]:8081" wait_until 10 gets 'http://[::1]:8081/'
check "dual-stack network: relayed over IPv6 (the container sees the bridge's IPv6 address)" test \
	"$(in_ns "$H" curl -s -m 2 'http://[::1]:8081/cgi-bin/ip')" = '[fd00:231:2::1]'
check "dual-stack network: localhost:8081 answers over ::1 (getaddrinfo's first)" test "$(localhost 8081)" = "::1 $hello"
check "-p [::1]:8083:80 on an IPv4-only network: [::1]:8083 answers" wait_until 10 gets 'http://[::1]:8083/'
check "control: 127.0.0.1:8082 answers" gets http://127.0.0.1:8082/
check "-p 127.0.0.1:8082:80: [::1]:8082 is refused, as Docker's bridge does" refused 'http://[::1]:8082/'
check "control: 127.0.0.1:8084 answers" gets http://127.0.0.1:8084/
check "-p 0.0.0.0:8084:80: [::1]:8084 is refused, as Docker's bridge does" refused 'http://[::1]:8084/'
check "explain: the host reaches [::1]:8080 through the relay" grep -q "through guardnet's relay, to 10.231.1.2:80" \
	<<<"$(gnctl_in_host explain --from ::1 --to ::1 --port 8080)"

# The relay follows the container.
must dk "$H" stop -t 1 c4
check "c4 stopped: [::1]:8080 is refused" wait_until 10 refused 'http://[::1]:8080/'
must dk "$H" start c4
check "c4 started again: [::1]:8080 answers" wait_until 10 gets 'http://[::1]:8080/'

# A guardnetd restart without systemd: the kernel's 127.0.0.1:P stays,
# [::1]:P is refused until guardnetd is back.
must guardnetd_stop "$H" KILL
check "guardnetd killed: 127.0.0.1:8080 still answers (kernel rules stay)" gets http://127.0.0.1:8080/
check "guardnetd killed, no systemd: [::1]:8080 is refused" refused 'http://[::1]:8080/'
must guardnetd_start "$H" "$DRV"
check "guardnetd back: [::1]:8080 answers" wait_until 10 gets 'http://[::1]:8080/'

# The same under systemd's file descriptor store.
must guardnetd_stop "$H"
S=$GN_TMP/fdstore
mkdir -p "$S"
host_mounts "$H"
"${GN_MOUNTS[@]}" /usr/bin/python3 "$GN_ROOT/tests/tools/fdstore.py" "$S" -- "$GN_BIN" -v \
	--socket "$GN_TMP/plugins-$H/$DRV.sock" --state-dir "$GN_TMP/gn-$H/state" --config "$GN_TMP/gn-$H/guardnet.conf" \
	--control "$GN_TMP/gn-$H/control.sock" &
standin=$!
GN_PIDS+=($standin)
check "guardnetd under the store stand-in says READY=1" wait_until 20 test -e "$S/ready"
check "its [::1] sockets are in the store (relay-tcp-8080, -8081, -8083)" wait_until 10 bash -c \
	"grep -qx relay-tcp-8080 $S/store && grep -qx relay-tcp-8081 $S/store && grep -qx relay-tcp-8083 $S/store"
check "[::1]:8080 answers" wait_until 10 gets 'http://[::1]:8080/'
kill -USR1 "$standin"
check "guardnetd crashed (the stand-in killed it)" wait_until 10 test -e "$S/down"
in_ns "$H" curl -s -m 20 'http://[::1]:8080/' >"$GN_TMP/during.out" 2>&1 &
curl_pid=$!
sleep 1 # not a synchronisation: the connection must still be waiting a second later
check "a connection to [::1]:8080 while guardnetd is down waits (not refused)" kill -0 "$curl_pid"
touch "$S/go"
wait "$curl_pid"
check "it is answered once guardnetd is back with the stored socket" test "$(cat "$GN_TMP/during.out")" = "$hello"
check "guardnetd took the socket back from the store" grep -q 'kept across the restart' "$S/child.log"
must dk "$H" rm -f c8
check "a port no longer published leaves the store (FDSTOREREMOVE)" wait_until 10 bash -c "! grep -qx relay-tcp-8083 $S/store"
summary
