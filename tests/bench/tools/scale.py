#!/usr/bin/env python3
"""Figure 3: the cost of adding one endpoint with 4 published ports while N
endpoints exist, through guardnetd's plugin API on one kept-alive connection
(Docker's client keeps one).  Runs as root.

Two test hosts, each a network namespace with its own guardnetd, hold SMALL
and LARGE endpoints.  Samples alternate between them, so that whatever else
the machine does falls on both alike.  A sample is CreateEndpoint + Join +
ProgramExternalConnectivity: the time of the three calls, guardnetd's kernel
programming included.  Between Join and Program the container end of the
veth pair goes into a sandbox namespace, named eth0, addressed and brought
up, as Docker does; that part is Docker's and not timed.  The sample's
endpoint is then removed (Revoke, Leave, DeleteEndpoint) so that N stays N.

usage: scale.py PREFIX ROUNDS SAMPLES SMALL NETNS_S SOCKET_S LARGE NETNS_L SOCKET_L

Sandbox namespaces are named PREFIX...; they are made before the first round
and left for the caller to delete (the kernel takes namespaces down in the
background, slowly: not while timing).  Prints per round and host:
  round=R endpoints=N p50_ms=A p99_ms=B create_p50_ms=C join_p50_ms=J program_p50_ms=P
"""
import subprocess
import sys
import time

import fleet

PREFIX, ROUNDS, SAMPLES = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
NET_ID = "5ca1e" + "0" * 59
GATEWAY = "10.240.0.1"
SAMPLE_BASE = 10000


def ip_batch(lines, netns):
    subprocess.run(["ip", "-n", netns, "-batch", "-"], input="\n".join(lines) + "\n", text=True, check=True)


def ep_id(i):
    # Unique in the first 12 digits: the veth names are made of them.
    return f"{i:012x}" + "e" * 52


def address(i):
    return f"10.240.{1 + i // 250}.{1 + i % 250}"


class Host(fleet.Host):
    """fleet.py's host (its call() times one request; a refusal stops the
    run), with a sandbox namespace per endpoint."""

    def __init__(self, size, netns, sock, letter):
        super().__init__(sock, netns, None)
        self.size, self.letter = size, letter

    def sandbox_of(self, i):
        return f"{PREFIX}{self.letter}{i}"

    def sandboxes(self):
        names = [self.sandbox_of(i) for i in range(self.size)] + \
                [self.sandbox_of(SAMPLE_BASE + s) for s in range(SAMPLES)]
        subprocess.run(["ip", "-batch", "-"], input="".join(f"netns add {n}\n" for n in names),
                       text=True, check=True)

    def create_network(self):
        self.call("CreateNetwork", {"NetworkID": NET_ID,
                                    "Options": {"com.docker.network.enable_ipv6": False,
                                                "com.docker.network.generic": {}},
                                    "IPv4Data": [{"AddressSpace": "LocalDefault", "Gateway": GATEWAY + "/16",
                                                  "Pool": "10.240.0.0/16"}], "IPv6Data": []})

    def delete_network(self):
        # One request removes every endpoint, and with them the veth pairs.
        self.call("DeleteNetwork", {"NetworkID": NET_ID})

    def add_endpoint(self, i):
        """Docker's calls for a container on the network; returns the times
        of CreateEndpoint, Join and ProgramExternalConnectivity."""
        ref = {"NetworkID": NET_ID, "EndpointID": ep_id(i)}
        ports = [{"Proto": 6, "IP": "", "Port": 80 + k, "HostIP": "", "HostPort": 20000 + 4 * i + k,
                  "HostPortEnd": 20000 + 4 * i + k} for k in range(4)]
        opts = {"com.docker.network.endpoint.exposedports": [{"Proto": 6, "Port": 80 + k} for k in range(4)],
                "com.docker.network.portmap": ports}
        create = self.call("CreateEndpoint", dict(ref, Interface={"Address": address(i) + "/16",
                                                                  "AddressIPv6": "", "MacAddress": ""},
                                                  Options=opts))
        join = self.call("Join", dict(ref, SandboxKey="/run/netns/" + self.sandbox_of(i), Options=opts))
        ip_batch([f"link set gnc{ep_id(i)[:12]} netns {self.sandbox_of(i)} name eth0"], self.netns)
        ip_batch(["link set lo up", f"addr add {address(i)}/16 dev eth0", "link set eth0 up",
                  f"route add default via {GATEWAY}"], self.sandbox_of(i))
        program = self.call("ProgramExternalConnectivity", dict(ref, Options=opts))
        return create, join, program

    def remove_endpoint(self, i):
        ref = {"NetworkID": NET_ID, "EndpointID": ep_id(i)}
        for method in ("RevokeExternalConnectivity", "Leave", "DeleteEndpoint"):
            self.call(method, ref)

    def fill(self):
        t = time.monotonic()
        for i in range(self.size):
            self.add_endpoint(i)
        print(f"{self.netns}: {self.size} endpoints added in {time.monotonic() - t:.1f} s",
              file=sys.stderr, flush=True)


def percentile(values, p):
    v = sorted(values)
    return v[max(0, -(-len(v) * p // 100) - 1)]


def report(r, host, parts):
    times = [sum(p) for p in parts]
    print(f"round={r} endpoints={host.size} p50_ms={percentile(times, 50):.2f} "
          f"p99_ms={percentile(times, 99):.2f} create_p50_ms={percentile([p[0] for p in parts], 50):.2f} "
          f"join_p50_ms={percentile([p[1] for p in parts], 50):.2f} "
          f"program_p50_ms={percentile([p[2] for p in parts], 50):.2f}", flush=True)


def main():
    a = sys.argv[4:]
    hosts = [Host(int(a[0]), a[1], a[2], "a"), Host(int(a[3]), a[4], a[5], "b")]
    for h in hosts:
        h.sandboxes()
        h.create_network()
        h.fill()
    for r in range(1, ROUNDS + 1):
        parts = {h.letter: [] for h in hosts}
        for s in range(SAMPLES):
            for h in hosts if s % 2 == 0 else reversed(hosts):
                parts[h.letter].append(h.add_endpoint(SAMPLE_BASE + s))
                h.remove_endpoint(SAMPLE_BASE + s)
        for h in hosts:
            report(r, h, parts[h.letter])
    for h in hosts:
        h.delete_network()


main()
