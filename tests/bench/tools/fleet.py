#!/usr/bin/env python3
"""A host with many networks and endpoints, driven through guardnetd's
plugin API as Docker drives it (one kept-alive connection), for the scale
benchmarks (networks, endpoints, restart, memory, spares).  Imported by the
other tools; run alone it fills a host:

  fleet.py fill SOCKET NETNS SANDBOX NETS EPS PORTS

makes networks 0..NETS-1 with EPS endpoints each, every endpoint joined and
programmed with PORTS published TCP ports, and prints how long it took.

Objects are named by number, so that a later run knows what an earlier one
made: network i has the NetworkID "5ca1" + i in 8 hex digits + "f"s (its
bridge is gn-5ca1 and those digits), the subnet 10.(128 + i / 256).(i % 256).0/24
and the gateway .1; its endpoint j has the address .(2 + j) (on hosts of
more than 250 endpoints per network, /16s: see address()).  Host ports
are 20000 + 4 * (i * EPS + j) + k; endpoints numbered EPS and above
(added one at a time, to be timed) take theirs from 62000 up.

Docker moves the container's end of a veth pair into the container's
namespace, names it eth0 and brings it up; here every container end goes
into one namespace, SANDBOX, under its own name, and is brought up there
(so that the bridge port gets its carrier, as with a container).  The host
namespace then holds what a Docker host holds: bridges and host ends.  The
fill's container ends have IPv6 off (SANDBOX's default), the one a sample
adds has it on: 10,000 links with IPv6 in one namespace would give the
kernel 10,000 link-local routes of one prefix to walk for every IPv6
packet received there and every link that leaves, on a host where each
container's namespace has one (RESULTS.md, issue 17 tenth phase).

  fleet.py netcost ROUNDS SAMPLES FIRST HOST...
  fleet.py epcost ROUNDS SAMPLES PORTS NET EPS HOST...

time Docker's calls on several hosts (HOST is LABEL:SOCKET:NETNS:SANDBOX,
for epcost optionally :NET), the samples of a round rotating over them:
netcost creates and deletes network FIRST; epcost adds an endpoint with
PORTS ports to network NET (the host's own, if given), which holds EPS
endpoints, and removes it again.  They print one line per
round and host, with p50 and p99 in ms.

  fleet.py startcheck SOCKET NETNS SANDBOX LOG NET

watches a guardnetd being started: whether Activate, and a CreateNetwork of
network NET sent right after it, were answered before LOG said "kernel
state checked" (tests/e2e/incremental-start-serving.sh).  It prints
"watching" first: start guardnetd after that line.

With GN_FLEET_ALLOW=LIST in the environment, every network fill and
netcost create has the option guardnet.allow=LIST (its own chain and set in
guardnet's table, where other networks add set elements only).

With GN_FLEET_CALLS=FILE in the environment, every call is also appended
to FILE as "NETNS METHOD START_MS MS" (START_MS on CLOCK_MONOTONIC, the
clock of bpftrace's nsecs), so that a slow call can be matched with what
guardnetd's threads waited for at that moment (tools/offcpu.bt,
tools/slowcalls.py).
"""
import http.client
import os
import json
import socket
import subprocess
import sys
import time

CALL_LOG = os.environ.get("GN_FLEET_CALLS")
ALLOW = os.environ.get("GN_FLEET_ALLOW")

NET_BASE = 0x5ca10000


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("plugin", timeout=600)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(600)
        self.sock.connect(self.path)


def net_id(i):
    return f"{NET_BASE + i:08x}" + "f" * 56


def bridge(i):
    return "gn-" + net_id(i)[:12]


def subnet(i):
    return f"10.{128 + i // 256}.{i % 256}"


def address(i, j, wide):
    """Endpoint j's address on network i, and the network's pool and
    gateway: /24s, or for networks of more than 250 endpoints (wide) /16s
    from 10.32.0.0 (networks 0 to 63)."""
    if wide:
        return f"10.{32 + i}.{j // 250}.{2 + j % 250}", f"10.{32 + i}.0.0/16", f"10.{32 + i}.0.1"
    return f"{subnet(i)}.{2 + j}", f"{subnet(i)}.0/24", f"{subnet(i)}.1"


def ep_id(i, j):
    # The veth names are made of the first 12 digits: unique there.
    return f"{i:06x}{j:06x}" + "e" * 52


def veth(i, j):
    return "gnh" + ep_id(i, j)[:12], "gnc" + ep_id(i, j)[:12]


def ip_batch(lines, netns):
    if lines:
        subprocess.run(["ip", "-n", netns, "-batch", "-"], input="\n".join(lines) + "\n", text=True,
                       check=True)


class Host:
    """One guardnetd, its namespace, and the namespace that stands for the
    containers.  call() returns a request's duration in ms."""

    def __init__(self, sock, netns, sandbox, eps_per_net=10):
        self.sock, self.netns, self.sandbox = sock, netns, sandbox
        self.stride = eps_per_net
        self.wide = eps_per_net > 250
        self.conn = UnixConnection(sock)

    def call(self, method, body):
        data = (json.dumps(body) + "\n").encode()
        try:
            return self.request(method, data)
        except (BrokenPipeError, ConnectionResetError, ConnectionRefusedError, http.client.RemoteDisconnected):
            # guardnetd closes idle connections, or was restarted; Docker dials again.
            self.conn.close()
            self.conn = UnixConnection(self.sock)
            return self.request(method, data)

    def request(self, method, data):
        t = time.monotonic()
        self.conn.request("POST", "/NetworkDriver." + method, body=data,
                          headers={"Content-Type": "application/json"})
        resp = self.conn.getresponse()
        raw = resp.read()
        ms = (time.monotonic() - t) * 1e3
        if CALL_LOG:
            with open(CALL_LOG, "a") as f:
                f.write(f"{self.netns} {method} {t * 1e3:.3f} {ms:.3f}\n")
        if resp.status != 200 or b'"Err"' in raw and json.loads(raw).get("Err"):
            sys.exit(f"fleet.py: {self.netns}: {method}: {resp.status} {raw.decode(errors='replace')}")
        return ms

    def create_network(self, i):
        _, pool, gateway = address(i, 0, self.wide)
        return self.call("CreateNetwork", {
            "NetworkID": net_id(i),
            "Options": {"com.docker.network.enable_ipv6": False,
                        "com.docker.network.generic": {"guardnet.allow": ALLOW} if ALLOW else {}},
            "IPv4Data": [{"AddressSpace": "LocalDefault", "Gateway": gateway + pool[pool.index("/"):],
                          "Pool": pool}],
            "IPv6Data": []})

    def delete_network(self, i):
        return self.call("DeleteNetwork", {"NetworkID": net_id(i)})

    def opts(self, i, j, ports):
        # Endpoints past the fill's (samples, one at a time) share a range.
        base = 20000 + 4 * (i * self.stride + j) if j < self.stride else 62000 + 4 * (j - self.stride) % 3000
        pm = [{"Proto": 6, "IP": "", "Port": 80 + k, "HostIP": "", "HostPort": base + k, "HostPortEnd": base + k}
              for k in range(ports)]
        return {"com.docker.network.endpoint.exposedports": [{"Proto": 6, "Port": 80 + k} for k in range(ports)],
                "com.docker.network.portmap": pm}

    def create_endpoint(self, i, j, ports):
        ref = {"NetworkID": net_id(i), "EndpointID": ep_id(i, j)}
        addr, pool, _ = address(i, j, self.wide)
        return self.call("CreateEndpoint", dict(ref, Options=self.opts(i, j, ports), Interface={
            "Address": addr + pool[pool.index("/"):], "AddressIPv6": "", "MacAddress": ""}))

    def join(self, i, j, ports):
        ref = {"NetworkID": net_id(i), "EndpointID": ep_id(i, j)}
        return self.call("Join", dict(ref, SandboxKey="/run/netns/" + self.sandbox, Options=self.opts(i, j, ports)))

    def program(self, i, j, ports):
        ref = {"NetworkID": net_id(i), "EndpointID": ep_id(i, j)}
        return self.call("ProgramExternalConnectivity", dict(ref, Options=self.opts(i, j, ports)))

    def move_peers(self, pairs):
        """The container ends of (i, j) into the sandbox namespace, up."""
        ip_batch([f"link set {veth(i, j)[1]} netns {self.sandbox}" for i, j in pairs], self.netns)
        ip_batch([f"link set {veth(i, j)[1]} up" for i, j in pairs], self.sandbox)

    def sandbox_sysctl(self, name, value):
        subprocess.run(["ip", "netns", "exec", self.sandbox, "sysctl", "-qw",
                        f"net.ipv6.conf.{name}.disable_ipv6={value}"], check=True)

    def add_endpoint(self, i, j, ports):
        """Docker's calls for one container; {method: ms}."""
        t = {"CreateEndpoint": self.create_endpoint(i, j, ports), "Join": self.join(i, j, ports)}
        self.move_peers([(i, j)])
        # A container's eth0 has IPv6, as the fill's do not (see above).
        self.sandbox_sysctl(veth(i, j)[1], 0)
        t["ProgramExternalConnectivity"] = self.program(i, j, ports)
        return t

    def remove_endpoint(self, i, j):
        """Docker's calls when the container goes; {method: ms}.  After
        Leave, Docker moves the container's end back to the host, and
        DeleteEndpoint removes the pair."""
        ref = {"NetworkID": net_id(i), "EndpointID": ep_id(i, j)}
        t = {"RevokeExternalConnectivity": self.call("RevokeExternalConnectivity", ref)}
        t["Leave"] = self.call("Leave", ref)
        ip_batch([f"link set {veth(i, j)[1]} netns {self.netns}"], self.sandbox)
        t["DeleteEndpoint"] = self.call("DeleteEndpoint", ref)
        return t

    def fill(self, nets, eps, ports, first_net=0, batch=50):
        """Networks first_net..nets-1, eps endpoints on each; seconds taken."""
        t = time.monotonic()
        self.sandbox_sysctl("default", 1)
        for i in range(first_net, nets):
            self.create_network(i)
        pending = []
        for i in range(first_net, nets):
            for j in range(eps):
                self.create_endpoint(i, j, ports)
                self.join(i, j, ports)
                pending.append((i, j))
                if len(pending) == batch:
                    self.flush(pending, ports)
        self.flush(pending, ports)
        return time.monotonic() - t

    def flush(self, pending, ports):
        self.move_peers(pending)
        for i, j in pending:
            self.program(i, j, ports)
        pending.clear()


def percentile(values, p):
    v = sorted(values)
    return v[max(0, -(-len(v) * p // 100) - 1)]


def hosts(specs, eps, net=0):
    """LABEL:SOCKET:NETNS:SANDBOX[:NET] arguments (NET: the network epcost
    uses on that host, else net)."""
    out = []
    for spec in specs:
        label, sock, netns, sandbox, *n = spec.split(":")
        h = Host(sock, netns, sandbox, eps)
        h.label, h.net = label, int(n[0]) if n else net
        out.append(h)
    return out


def rotate(hs, s):
    """The order of the hosts for sample s: each goes first in turn, so
    that load that comes and goes falls on all of them alike."""
    k = s % len(hs)
    return hs[k:] + hs[:k]


def netcost(rounds, samples, first, hs):
    """create + delete of network number first (free on every host)."""
    for r in range(1, rounds + 1):
        times = {h.label: ([], []) for h in hs}
        for s in range(samples):
            for h in rotate(hs, s):
                times[h.label][0].append(h.create_network(first))
                times[h.label][1].append(h.delete_network(first))
        for h in hs:
            c, d = times[h.label]
            both = [a + b for a, b in zip(c, d)]
            print(f"round={r} host={h.label} p50_ms={percentile(both, 50):.2f} p99_ms={percentile(both, 99):.2f} "
                  f"create_p50_ms={percentile(c, 50):.2f} delete_p50_ms={percentile(d, 50):.2f}", flush=True)


CALLS = ("CreateEndpoint", "Join", "ProgramExternalConnectivity", "RevokeExternalConnectivity", "Leave",
         "DeleteEndpoint")


def epcost(rounds, samples, ports, eps, hs):
    """An endpoint added to a network of each host (which holds eps) and
    removed again: every call of a container's life."""
    for r in range(1, rounds + 1):
        times = {h.label: {c: [] for c in CALLS + ("add",)} for h in hs}
        for s in range(samples):
            for h in rotate(hs, s):
                t = h.add_endpoint(h.net, eps + s, ports)
                t.update(h.remove_endpoint(h.net, eps + s))
                t["add"] = t["CreateEndpoint"] + t["Join"] + t["ProgramExternalConnectivity"]
                for c, ms in t.items():
                    times[h.label][c].append(ms)
        for h in hs:
            v = times[h.label]
            print(f"round={r} host={h.label} " + " ".join(
                f"{c}_p50_ms={percentile(v[c], 50):.2f} {c}_p99_ms={percentile(v[c], 99):.2f}" for c in v),
                flush=True)


def startcheck(h, log, i, timeout=120):
    """Watches a guardnetd start on h's socket: asks Activate every 2 ms
    until it answers, then at once CreateNetwork of network i, and says
    for each whether LOG already had "kernel state checked" (from where
    the log ended when this began)."""
    offset = os.path.getsize(log) if os.path.exists(log) else 0

    def checked():
        with open(log, "rb") as f:
            f.seek(offset)
            return b"kernel state checked" in f.read()

    req = b"POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nContent-Length: 0\r\n\r\n"
    # The caller starts guardnetd once this is printed: a start-up check
    # can be over before Python has started.
    print("watching", flush=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(timeout)
                s.connect(h.sock)
                s.sendall(req)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    break
        except OSError:
            time.sleep(0.002)
    else:
        sys.exit("fleet.py: startcheck: no answer to Activate")
    activate = checked()
    sent = checked()
    h.conn = UnixConnection(h.sock)
    ms = h.create_network(i)
    print(f"activate_after_check={int(activate)} create_sent_after_check={int(sent)} "
          f"create_answered_after_check={int(checked())} create_ms={ms:.1f}", flush=True)


USAGE = """usage: fleet.py fill SOCKET NETNS SANDBOX NETS EPS PORTS
       fleet.py startcheck SOCKET NETNS SANDBOX LOG NET
       fleet.py netcost ROUNDS SAMPLES FIRST LABEL:SOCKET:NETNS:SANDBOX...
       fleet.py epcost ROUNDS SAMPLES PORTS NET EPS LABEL:SOCKET:NETNS:SANDBOX[:NET]..."""


def main():
    a = sys.argv[1:]
    if len(a) == 7 and a[0] == "fill":
        nets, eps, ports = (int(v) for v in a[4:7])
        h = Host(a[1], a[2], a[3], max(eps, 1))
        print(f"filled: {nets} networks x {eps} endpoints x {ports} ports in {h.fill(nets, eps, ports):.1f} s",
              flush=True)
    elif len(a) == 6 and a[0] == "startcheck":
        startcheck(Host(a[1], a[2], a[3]), a[4], int(a[5]))
    elif len(a) >= 5 and a[0] == "netcost":
        netcost(int(a[1]), int(a[2]), int(a[3]), hosts(a[4:], 1))
    elif len(a) >= 7 and a[0] == "epcost":
        eps = int(a[5])
        epcost(int(a[1]), int(a[2]), int(a[3]), eps, hosts(a[6:], max(eps, 1), int(a[4])))
    else:
        sys.exit(USAGE)


if __name__ == "__main__":
    main()
