#!/usr/bin/env python3
"""Scale probe (design.md section 6): what adding one endpoint with 4
published ports costs when N endpoints already exist, for two values of N
side by side in one run.

Talks to guardnetd's plugin socket as dockerd would: CreateNetwork, then N
endpoints (CreateEndpoint, Join, ProgramExternalConnectivity with 4 ports),
then ROUNDS times one more endpoint added (the three calls, timed together:
kernel programming included) and removed again (Revoke, Leave,
DeleteEndpoint, timed together).  The container ends of the veth pairs stay
in guardnetd's namespace: no sandbox, no traffic.  Each N gets a guardnetd
in a network namespace of its own (unshare --net); the rounds alternate
between them.  Runs as root.

usage: scale_probe.py GUARDNETD [N ...] [--rounds R]      (default N: 10 1000)
Prints p50 and p99 per N, guardnetd's CPU time per add (kernel work in its
system calls included) and the ratios of the largest N to the smallest.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

NET_ID = "5ca1e" + "0" * 59
PORTS_PER_EP = 4
BASE_PORT = 10000


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("plugin", timeout=60)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(self.path)


def call(conn, path, body):
    conn.request("POST", path, body=(json.dumps(body) + "\n").encode())
    resp = conn.getresponse()
    reply = json.loads(resp.read() or b"{}")
    if resp.status != 200 or reply.get("Err"):
        raise RuntimeError(f"{path}: {resp.status} {reply}")
    return reply


def ep_id(i):
    return f"{i:08x}" + "e" * 56


def addr(i):
    # 10.200.0.0/16; .0.1 is the gateway, endpoints from .0.2 on.
    n = i + 2
    return f"10.200.{n // 256}.{n % 256}/16"


def portmap(i):
    return [{"Proto": 6, "IP": "", "Port": 80 + k, "HostIP": "", "HostPort": BASE_PORT + PORTS_PER_EP * i + k,
             "HostPortEnd": BASE_PORT + PORTS_PER_EP * i + k} for k in range(PORTS_PER_EP)]


def add(conn, i):
    ref = {"NetworkID": NET_ID, "EndpointID": ep_id(i)}
    opts = {"com.docker.network.portmap": portmap(i)}
    call(conn, "/NetworkDriver.CreateEndpoint",
         dict(ref, Interface={"Address": addr(i), "AddressIPv6": "", "MacAddress": ""}, Options=opts))
    call(conn, "/NetworkDriver.Join", dict(ref, SandboxKey=f"/var/run/docker/netns/probe{i}", Options=opts))
    call(conn, "/NetworkDriver.ProgramExternalConnectivity", dict(ref, Options=opts))


def remove(conn, i):
    ref = {"NetworkID": NET_ID, "EndpointID": ep_id(i)}
    call(conn, "/NetworkDriver.RevokeExternalConnectivity", ref)
    call(conn, "/NetworkDriver.Leave", ref)
    call(conn, "/NetworkDriver.DeleteEndpoint", ref)


def connectable(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


class Daemon:
    """A guardnetd in a network namespace of its own with n endpoints."""

    def __init__(self, guardnetd, n, tmp):
        self.n = n
        d = os.path.join(tmp, f"n{n}")
        os.makedirs(os.path.join(d, "ufwroot"))
        sock = os.path.join(d, "plugin.sock")
        with open(os.path.join(d, "guardnet.conf"), "w") as f:
            f.write(f"ufw_root = {d}/ufwroot\n")
        self.log = open(os.path.join(d, "guardnetd.log"), "w")
        self.proc = subprocess.Popen(["unshare", "--net", guardnetd, "--socket", sock, "--state-dir",
                                      os.path.join(d, "state"), "--config", os.path.join(d, "guardnet.conf"),
                                      "--control", os.path.join(d, "ctl.sock")], stderr=self.log)
        deadline = time.monotonic() + 10
        while not connectable(sock):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"guardnetd did not start; see {d}/guardnetd.log")
            time.sleep(0.02)
        self.sock = sock
        self.conn = UnixConnection(sock)
        call(self.conn, "/NetworkDriver.CreateNetwork",
             {"NetworkID": NET_ID, "Options": {"com.docker.network.enable_ipv6": False,
                                               "com.docker.network.generic": {}},
              "IPv4Data": [{"AddressSpace": "LocalDefault", "Gateway": "10.200.0.1/16", "Pool": "10.200.0.0/16"}],
              "IPv6Data": []})
        t0 = time.perf_counter()
        for i in range(n):
            add(self.conn, i)
        self.setup = time.perf_counter() - t0
        self.adds, self.removes, self.cpu = [], [], []

    def reconnect(self):
        # guardnetd closes connections idle for long (while another N was
        # being set up).
        self.conn.close()
        self.conn = UnixConnection(self.sock)

    def cpu_ns(self):
        # guardnetd's own CPU time, kernel work in its system calls
        # included: less at the mercy of other load than the wall clock.
        with open(f"/proc/{self.proc.pid}/schedstat") as f:
            return int(f.read().split()[0])

    def round(self):
        c0 = self.cpu_ns()
        t0 = time.perf_counter()
        add(self.conn, self.n)
        t1 = time.perf_counter()
        c1 = self.cpu_ns()
        remove(self.conn, self.n)
        t2 = time.perf_counter()
        self.adds.append((t1 - t0) * 1000)
        self.removes.append((t2 - t1) * 1000)
        self.cpu.append((c1 - c0) / 1e6)

    def stop(self):
        self.conn.close()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("guardnetd")
    ap.add_argument("n", nargs="*", type=int, default=[10, 1000])
    ap.add_argument("--rounds", type=int, default=50)
    a = ap.parse_args()
    # A SIGTERM (a timeout) still stops the daemons.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    tmp = tempfile.mkdtemp(prefix="gn-scale-")
    daemons = []
    try:
        for n in a.n:
            daemons.append(Daemon(os.path.abspath(a.guardnetd), n, tmp))
            print(f"N={n}: {n} endpoints set up in {daemons[-1].setup:.1f} s", flush=True)
        # Rounds alternate between the daemons, so that the load of the
        # machine (shared with other work) weighs on every N alike.
        for d in daemons:
            d.reconnect()
        for _ in range(a.rounds):
            for d in daemons:
                d.round()
    finally:
        for d in daemons:
            d.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    for d in daemons:
        print(f"N={d.n:5d}: add one endpoint (4 ports): p50 {pct(d.adds, 50):7.2f} ms p99 {pct(d.adds, 99):7.2f} ms; "
              f"remove: p50 {pct(d.removes, 50):7.2f} ms p99 {pct(d.removes, 99):7.2f} ms; "
              f"guardnetd CPU per add: p50 {pct(d.cpu, 50):6.2f} ms")
    lo, hi = min(daemons, key=lambda d: d.n), max(daemons, key=lambda d: d.n)
    if lo is not hi:
        for what, k in (("add", "adds"), ("remove", "removes"), ("guardnetd CPU per add", "cpu")):
            a_lo, a_hi = getattr(lo, k), getattr(hi, k)
            print(f"ratio N={hi.n}/N={lo.n} ({what}): p50 {pct(a_hi, 50) / pct(a_lo, 50):.2f}x "
                  f"p99 {pct(a_hi, 99) / pct(a_lo, 99):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
