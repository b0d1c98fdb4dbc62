#!/usr/bin/env python3
"""Figure 11 (tests/bench/allowlist.sh): the cost of a guardnet.allow of N
CIDRs, through guardnetd's plugin API (tools/fleet.py's host).  Per round,
with a list of N CIDRs and with none (the baseline), in alternating order:

  create   CreateNetwork of a network with the list
  change   Docker cannot change a network's options: the network is
           removed and created again with a list that differs in 1% of
           its CIDRs (DeleteNetwork + CreateNetwork)
  remove   DeleteNetwork
  ep_add   CreateEndpoint of an endpoint with the list (an endpoint's
           guardnet.allow, `docker network connect --driver-opt`) on a
           network without one
  ep_del   its DeleteEndpoint

Prints per round: round=R cidrs=N create_ms=.. change_ms=.. remove_ms=..
ep_add_ms=.. ep_del_ms=.. rss_kb=.. hwm_kb=.. (guardnetd's resident set
after create, and its peak so far), and once how many elements the
kernel's set held after the first create.  Before that, it makes NETS
other networks (numbers 2 and up), so that the host is not empty.

usage: allowcost.py ROUNDS N NETS PID LABEL:SOCKET:NETNS:SANDBOX
"""
import subprocess
import sys

import fleet

ROUNDS, N, NETS, PID = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
host = fleet.hosts(sys.argv[5:6], 1)[0]


def cidrs(n, shift=0):
    """n /28s of 100.64.0.0/10, every other one (none merge); shift moves
    1% of them elsewhere."""
    out = []
    for k in range(n):
        a = 2 * k * 16 if k % 100 or not shift else (2 * k + 1) * 16
        out.append(f"100.{64 + a // 65536}.{a // 256 % 256}.{a % 256}/28")
    return ",".join(out)


def mem():
    with open(f"/proc/{PID}/status") as f:
        v = dict(line.split(":", 1) for line in f)
    return int(v["VmRSS"].split()[0]), int(v["VmHWM"].split()[0])


def network(i, allow):
    body_opts = {"guardnet.allow": allow} if allow else {}
    _, pool, gw = fleet.address(i, 0, False)
    return host.call("CreateNetwork", {
        "NetworkID": fleet.net_id(i),
        "Options": {"com.docker.network.enable_ipv6": False, "com.docker.network.generic": body_opts},
        "IPv4Data": [{"AddressSpace": "LocalDefault", "Gateway": gw + "/24", "Pool": pool}], "IPv6Data": []})


def endpoint(i, j, allow):
    addr, _, _ = fleet.address(i, j, False)
    opts = {"guardnet.allow": allow} if allow else {}
    return host.call("CreateEndpoint", {"NetworkID": fleet.net_id(i), "EndpointID": fleet.ep_id(i, j),
                                        "Options": opts, "Interface": {"Address": addr + "/24", "AddressIPv6": "",
                                                                       "MacAddress": ""}})


def in_set():
    """The elements of network 1's allow4 set in the kernel."""
    out = subprocess.run(["nsenter", f"--net=/run/netns/{host.netns}", "nft", "list", "set", "inet", "guardnet",
                          "allow4-" + fleet.bridge(1)], capture_output=True, text=True).stdout
    return out.count("/28")


def one(r, n):
    lists = (cidrs(n), cidrs(n, 1)) if n else ("", "")
    t = {"create": network(1, lists[0])}
    rss, hwm = mem()
    if r == 1 and n:
        print(f"elements={in_set()}", flush=True)
    t["change"] = host.delete_network(1) + network(1, lists[1])
    t["remove"] = host.delete_network(1)
    t["ep_add"] = endpoint(0, 1, lists[0])
    t["ep_del"] = host.call("DeleteEndpoint", {"NetworkID": fleet.net_id(0), "EndpointID": fleet.ep_id(0, 1)})
    print(f"round={r} cidrs={n} " + " ".join(f"{k}_ms={v:.1f}" for k, v in t.items()) +
          f" rss_kb={rss} hwm_kb={hwm}", flush=True)


for i in range(2, NETS + 2):
    host.create_network(i)
network(0, "")
for r in range(1, ROUNDS + 1):
    for n in ((N, 0) if r % 2 else (0, N)):
        one(r, n)
host.delete_network(0)
