#!/usr/bin/env python3
"""Figure 3: the cost of adding one endpoint with 4 published ports while N
endpoints exist, through guardnetd's plugin API on one kept-alive connection
(as Docker's client keeps one).  Run inside the test host's network
namespace, as root.

A sample is CreateEndpoint + Join + ProgramExternalConnectivity, the time of
the three calls (guardnetd's kernel programming included).  Between Join and
Program the container end of the veth pair goes into a sandbox namespace of
its own, named, addressed and brought up, as Docker does; that part is
Docker's and not timed.  Each sample's endpoint is removed again (Revoke,
Leave, DeleteEndpoint) so that N stays N.  The sandboxes are made before the
first round and left for the caller to delete.

usage: scale.py SOCKET NETNS_PREFIX ROUNDS SAMPLES SIZE...

For every round: a network, filled to each SIZE in turn, SAMPLES samples at
each; then the network is deleted.  Prints per round and size:
  round=R endpoints=N p50_ms=A p99_ms=B create_p50_ms=C join_p50_ms=J program_p50_ms=P
"""
import http.client
import json
import socket
import subprocess
import sys
import time

SOCK, PREFIX = sys.argv[1], sys.argv[2]
ROUNDS, SAMPLES = int(sys.argv[3]), int(sys.argv[4])
SIZES = [int(s) for s in sys.argv[5:]]
NET_ID = "5ca1e" + "0" * 59
GATEWAY = "10.240.0.1"


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("plugin", timeout=120)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(120)
        self.sock.connect(self.path)


conn = UnixConnection(SOCK)


def call(method, body):
    """One request; returns its duration in ms.  A refusal stops the run."""
    data = (json.dumps(body) + "\n").encode()
    t = time.monotonic()
    conn.request("POST", "/NetworkDriver." + method, body=data,
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    raw = resp.read()
    ms = (time.monotonic() - t) * 1e3
    if resp.status != 200:
        sys.exit(f"scale.py: {method}: {resp.status} {raw.decode(errors='replace')}")
    return ms


def ip_batch(lines, netns=None):
    args = ["ip"] + (["-n", netns] if netns else []) + ["-batch", "-"]
    subprocess.run(args, input="\n".join(lines) + "\n", text=True, check=True)


def ep_id(i):
    # Unique in the first 12 digits: the veth names are made of them.
    return f"{i:012x}" + "e" * 52


def address(i):
    return f"10.240.{1 + i // 250}.{1 + i % 250}"


def portmap(i):
    return [{"Proto": 6, "IP": "", "Port": 80 + k, "HostIP": "", "HostPort": 20000 + 4 * i + k,
             "HostPortEnd": 20000 + 4 * i + k} for k in range(4)]


def sandbox(i):
    return f"{PREFIX}{i}"


def add_endpoint(i):
    """Docker's calls for a container on the network; returns the times of
    CreateEndpoint, Join and ProgramExternalConnectivity."""
    ref = {"NetworkID": NET_ID, "EndpointID": ep_id(i)}
    opts = {"com.docker.network.endpoint.exposedports": [{"Proto": 6, "Port": 80 + k} for k in range(4)],
            "com.docker.network.portmap": portmap(i)}
    create = call("CreateEndpoint", dict(ref, Interface={"Address": address(i) + "/16", "AddressIPv6": "",
                                                         "MacAddress": ""}, Options=opts))
    join = call("Join", dict(ref, SandboxKey="/run/netns/" + sandbox(i), Options=opts))
    ip_batch([f"link set gnc{ep_id(i)[:12]} netns {sandbox(i)} name eth0"])
    ip_batch(["link set lo up", f"addr add {address(i)}/16 dev eth0", "link set eth0 up",
              f"route add default via {GATEWAY}"], sandbox(i))
    program = call("ProgramExternalConnectivity", dict(ref, Options=opts))
    return create, join, program


def remove_endpoint(i):
    ref = {"NetworkID": NET_ID, "EndpointID": ep_id(i)}
    for method in ("RevokeExternalConnectivity", "Leave", "DeleteEndpoint"):
        call(method, ref)


def percentile(values, p):
    v = sorted(values)
    return v[max(0, -(-len(v) * p // 100) - 1)]


def sandboxes(first, last):
    """Namespaces made once and reused, never deleted while timing: the
    kernel tears a namespace down in the background, slowly."""
    ip_batch([f"netns add {sandbox(i)}" for i in range(first, last)])


def run_round(r):
    call("CreateNetwork", {"NetworkID": NET_ID, "Options": {"com.docker.network.enable_ipv6": False,
                                                             "com.docker.network.generic": {}},
                           "IPv4Data": [{"AddressSpace": "LocalDefault", "Gateway": GATEWAY + "/16",
                                         "Pool": "10.240.0.0/16"}], "IPv6Data": []})
    have = 0
    for size in SIZES:
        t = time.monotonic()
        for i in range(have, size):
            add_endpoint(i)
        print(f"round={r} filled from {have} to {size} endpoints in {time.monotonic() - t:.1f} s",
              file=sys.stderr, flush=True)
        have = size
        parts = []
        for s in range(SAMPLES):
            parts.append(add_endpoint(SAMPLE_BASE + s))
            remove_endpoint(SAMPLE_BASE + s)
        times = [sum(p) for p in parts]
        print(f"round={r} endpoints={size} p50_ms={percentile(times, 50):.2f} "
              f"p99_ms={percentile(times, 99):.2f} create_p50_ms={percentile([p[0] for p in parts], 50):.2f} "
              f"join_p50_ms={percentile([p[1] for p in parts], 50):.2f} "
              f"program_p50_ms={percentile([p[2] for p in parts], 50):.2f}", flush=True)
    # One request removes every endpoint, and with them the veth pairs.
    call("DeleteNetwork", {"NetworkID": NET_ID})


SAMPLE_BASE = 10000
sandboxes(0, max(SIZES))
sandboxes(SAMPLE_BASE, SAMPLE_BASE + SAMPLES)
for r in range(1, ROUNDS + 1):
    run_round(r)
