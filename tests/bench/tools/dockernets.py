#!/usr/bin/env python3
"""Networks through dockerd's API, as `docker network create` and
`docker network rm` make them (one kept-alive connection per dockerd), for
figure 7 (tests/bench/networks.sh).

  dockernets.py fill SOCKET DRIVER BASE FIRST N
      networks FIRST..FIRST+N-1 of DRIVER, named DRIVER-k, network k with
      the subnet 10.(BASE + k / 256).(k % 256).0/24
  dockernets.py cost ROUNDS SAMPLES LABEL:SOCKET:DRIVER:BASE...
      create + rm of one more network (DRIVER-sample, 10.(BASE + 15).255.0/24)
      on every host in rotating order; per round and host:
      round=R host=LABEL p50_ms=A p99_ms=B create_p50_ms=C rm_p50_ms=D
"""
import http.client
import json
import socket
import sys
import time


class Docker(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("docker", timeout=600)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(600)
        self.sock.connect(self.path)

    def api(self, method, url, body=None):
        """One request; (ms, decoded reply).  A refusal stops the run."""
        t = time.monotonic()
        data = json.dumps(body).encode() if body is not None else None
        self.request(method, url, body=data, headers={"Content-Type": "application/json"})
        resp = self.getresponse()
        raw = resp.read()
        ms = (time.monotonic() - t) * 1e3
        if resp.status >= 300:
            sys.exit(f"dockernets.py: {self.path}: {method} {url}: {resp.status} {raw.decode(errors='replace')}")
        return ms, json.loads(raw) if raw.strip() else None


def create(d, driver, name, sub):
    ms, reply = d.api("POST", "/networks/create", {"Name": name, "Driver": driver, "CheckDuplicate": True,
                                                    "IPAM": {"Config": [{"Subnet": sub}]}})
    return ms, reply["Id"]


def subnet(base, k):
    return f"10.{base + k // 256}.{k % 256}.0/24"


def percentile(values, p):
    v = sorted(values)
    return v[max(0, -(-len(v) * p // 100) - 1)]


def main():
    a = sys.argv[1:]
    if len(a) == 6 and a[0] == "fill":
        d, driver, base, first, n = Docker(a[1]), a[2], int(a[3]), int(a[4]), int(a[5])
        t = time.monotonic()
        for k in range(first, first + n):
            create(d, driver, f"{driver}-{k}", subnet(base, k))
        print(f"{n} {driver} networks in {time.monotonic() - t:.1f} s", flush=True)
    elif len(a) >= 4 and a[0] == "cost":
        rounds, samples = int(a[1]), int(a[2])
        hosts = []
        for spec in a[3:]:
            label, sock, driver, base = spec.split(":")
            hosts.append((label, Docker(sock), driver, f"10.{int(base) + 15}.255.0/24"))
        for r in range(1, rounds + 1):
            times = {h[0]: ([], []) for h in hosts}
            for s in range(samples):
                k = s % len(hosts)
                for label, d, driver, sub in hosts[k:] + hosts[:k]:
                    c, nid = create(d, driver, f"{driver}-sample", sub)
                    times[label][0].append(c)
                    times[label][1].append(d.api("DELETE", f"/networks/{nid}")[0])
            for label, _, _, _ in hosts:
                c, x = times[label]
                both = [p + q for p, q in zip(c, x)]
                print(f"round={r} host={label} p50_ms={percentile(both, 50):.2f} p99_ms={percentile(both, 99):.2f} "
                      f"create_p50_ms={percentile(c, 50):.2f} rm_p50_ms={percentile(x, 50):.2f}", flush=True)
    else:
        sys.exit(__doc__)


main()
