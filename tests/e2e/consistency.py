#!/usr/bin/env python3
"""Whether guardnetd agrees with Docker, and the kernel with both, on one
test host (a helper of churn-sigkill.sh and concurrency-*.sh, not a suite itself).

Docker's view (its guardnet networks, their endpoints, the running
containers and the ports they asked for) is the truth.  guardnetd's state
directory, `guardnetctl status` and `check`, the links carrying a
"guardnet:<id>" alias, the sysctl directories of its bridges and
`nft -j list table inet guardnet` must all match it: nothing missing,
nothing left over from removed endpoints or networks.  With --reach, every
published port answers from the host and an outside source gets no answer.

Prints one line per problem and exits 1 if there is any.

usage: consistency.py --ns H --outside O --docker SOCK --driver DRV --state DIR
                      --ctl GUARDNETCTL --control SOCK --udp UDP [--reach]
"""
import argparse
import concurrent.futures
import ipaddress
import json
import os
import re
import shlex
import subprocess
import sys

HELLO = "hello from guardnet"
HOST4, HOST6 = "192.0.2.1", "2001:db8:1::1"
OUT4, OUT6 = "192.0.2.2", "2001:db8:1::2"
ALLOWED4 = "192.0.2.4"          # what churn-sigkill.sh puts in some endpoints' guardnet.allow
PROTO = {6: "tcp", 17: "udp", "tcp": "tcp", "udp": "udp"}

problems = []


def problem(msg):
    problems.append(msg)
    print("  problem:", msg, flush=True)


def run(cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def in_ns(ns, *cmd):
    return ["nsenter", f"--net=/run/netns/{ns}", *cmd]


class Docker:
    def __init__(self, sock):
        # GN_DOCKER_CLI: the engine's own client (tests/lib.sh).
        self.base = shlex.split(os.environ.get("GN_DOCKER_CLI", "docker")) + ["-H", sock]

    def __call__(self, *args):
        return run(self.base + list(args)).stdout

    def inspect(self, kind, ids):
        return json.loads(self(kind, "inspect", *ids)) if ids else []


def docker_view(dk, driver):
    """Networks {id: inspect}, endpoints {id: (network id, container id or None)},
    running containers [inspect]."""
    ids = dk("network", "ls", "--no-trunc", "-q", "--filter", f"driver={driver}").split()
    nets = {n["Id"]: n for n in dk.inspect("network", ids)}
    eps = {}
    for nid, n in nets.items():
        for key, c in (n.get("Containers") or {}).items():
            # Docker lists an endpoint whose container is gone as "ep-<id>".
            eps[c["EndpointID"]] = (nid, None if key.startswith("ep-") else key)
    running = [c for c in dk.inspect("container", dk("ps", "-q", "--no-trunc").split())
               if c["State"]["Running"] and any(v.get("NetworkID") in nets
                                                for v in c["NetworkSettings"]["Networks"].values())]
    return nets, eps, running


def state_files(state, sub):
    d = os.path.join(state, sub)
    names = sorted(os.listdir(d))
    for n in names:
        if not re.fullmatch(r"[0-9a-f]{64}\.json", n):
            problem(f"state: unexpected file {sub}/{n}")
    return {n[:-5] for n in names if n.endswith(".json")}


def parse_pub(p):
    """A published port of guardnetctl's JSON -> (host, port, proto, ctr, ctr_port)."""
    try:
        return (p["host_address"], p["host_port"], p["proto"], p["container_address"], p["container_port"])
    except (KeyError, TypeError):
        problem(f"status: unreadable published entry {p!r}")
        return None


def links(ns):
    out = json.loads(run(["ip", "-n", ns, "-d", "-j", "link", "show"]).stdout)
    return {l["ifname"]: l for l in out}


def nft_table(ns):
    r = run(in_ns(ns, "nft", "-j", "list", "table", "inet", "guardnet"), check=False)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)["nftables"]


def walk_strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from walk_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk_strings(v)


def nft_mappings(table):
    """Every element of guardnet's DNAT maps as
    (host address or "any4"/"any6", port, proto, container address, port)."""
    found = set()
    for item in table:
        m = item.get("map")
        if not m or not m["name"] in ("any4", "any6", "pub4", "pub6"):
            continue
        for key, val in m.get("elem", []):
            k = key["concat"]
            host, proto, port = (m["name"], k[0], k[1]) if len(k) == 2 else k
            addr, cport = val["concat"]
            found.add((host, int(port), proto, addr, int(cport)))
    return found


def check_all(a):
    dk = Docker(a.docker)
    # guardnetctl check first: it returns once guardnetd has deleted the
    # veth pairs of removed endpoints, which it does on a thread after
    # answering Docker (plugin/kernel-reap.c), so the links read below are
    # the settled ones.
    ctl = run([a.ctl, "--socket", a.control, "check"], check=False)
    nets, eps, running = docker_view(dk, a.driver)
    status = json.loads(run([a.ctl, "--socket", a.control, "--no-docker", "--json", "status"]).stdout)
    st_nets = state_files(a.state, "networks")
    st_eps = state_files(a.state, "endpoints")
    bridges = {nid: "gn-" + nid[:12] for nid in nets}

    # Networks: Docker, the state directory and guardnetctl status.
    if st_nets != set(nets):
        problem(f"networks: Docker has {sorted(x[:12] for x in nets)}, state dir {sorted(x[:12] for x in st_nets)}")
    g_nets = {n["id"]: n for n in status["networks"]}
    if set(g_nets) != set(nets):
        problem(f"networks: guardnetctl status shows {sorted(g_nets)}, Docker has {sorted(nets)}")
    g_eps = {e["id"]: e for n in status["networks"] for e in n["endpoints"]}

    # Endpoints: every endpoint of a container is known; guardnetd knows no
    # endpoint Docker has forgotten.  Docker may keep endpoints whose
    # DeleteEndpoint failed (shown as ep-<id>); guardnetd may have dropped them.
    attached = {e for e, (_, c) in eps.items() if c}
    for e in sorted(attached - st_eps):
        problem(f"endpoint {e[:12]} of container {eps[e][1][:12]}: no state file")
    for e in sorted(st_eps - set(eps)):
        problem(f"endpoint {e[:12]}: state file for an endpoint Docker does not have")
    if set(g_eps) != set(st_eps):
        problem(f"endpoints: guardnetctl status shows {sorted(g_eps)}, state dir {sorted(st_eps)}")
    for e in sorted(set(eps) - attached):
        print(f"  note: Docker keeps endpoint {e[:12]} without a container (its DeleteEndpoint failed); "
              f"guardnetd {'knows it' if e in st_eps else 'has dropped it'}")

    # Links: guardnet's own, by alias, exactly the networks and endpoints.
    ls = links(a.ns)
    for name, l in ls.items():
        alias = l.get("ifalias", "")
        if not alias.startswith("guardnet:"):
            # A container end back in the host: Docker left, guardnetd must
            # still know the endpoint (or remove the pair with it).
            if re.fullmatch(r"gnc[0-9a-f]{12}", name) and not any(e.startswith(name[3:]) for e in st_eps):
                problem(f"link {name}: container end of an endpoint guardnetd does not have")
            elif re.fullmatch(r"gn-[0-9a-f]{12}|gnh[0-9a-f]{12}", name):
                problem(f"link {name}: guardnet's name without guardnet's alias")
            continue
        oid = alias[len("guardnet:"):]
        kind = l.get("linkinfo", {}).get("info_kind")
        if kind == "bridge" and oid not in nets:
            problem(f"link {name}: bridge of network {oid[:12]}, which Docker does not have")
        if kind == "veth" and oid not in st_eps:
            problem(f"link {name}: veth of endpoint {oid[:12]}, which guardnetd does not have")
    for nid, br in bridges.items():
        if br not in ls:
            problem(f"network {nid[:12]}: bridge {br} missing")
    for e in sorted(attached):
        host = "gnh" + e[:12]
        if host not in ls:
            problem(f"endpoint {e[:12]}: interface {host} missing")
        elif ls[host].get("master") != bridges[eps[e][0]]:
            problem(f"endpoint {e[:12]}: {host} is not on bridge {bridges[eps[e][0]]}")
        if "gnc" + e[:12] in ls:
            problem(f"endpoint {e[:12]}: container end gnc{e[:12]} is in the host namespace")

    # Sysctls live under the bridges' names.
    for fam in ("ipv4", "ipv6"):
        r = run(in_ns(a.ns, "ls", f"/proc/sys/net/{fam}/conf"))
        for name in r.stdout.split():
            if name.startswith("gn-") and name not in bridges.values():
                problem(f"sysctl: net/{fam}/conf/{name} left for a removed bridge")

    # Published ports: what the running containers asked Docker for, what
    # guardnetd reports, what the nftables maps hold.
    want_maps = set()
    for c in running:
        for nname, ns_ in c["NetworkSettings"]["Networks"].items():
            e = ns_.get("EndpointID", "")
            if ns_.get("NetworkID") not in nets:
                continue
            if e not in attached:
                problem(f"container {c['Name']}: endpoint {e[:12]} not attached in Docker's network view")
                continue
            ge = g_eps.get(e)
            if not ge:
                problem(f"container {c['Name']}: guardnetd does not show endpoint {e[:12]}")
                continue
            if (ge["address"] or "") != ns_["IPAddress"] or (ge["address6"] or "") != ns_["GlobalIPv6Address"]:
                problem(f"container {c['Name']}: guardnetd has {ge['address']} {ge['address6']}, Docker "
                        f"{ns_['IPAddress']} {ns_['GlobalIPv6Address']}")
            asked = []
            for key, binds in (c["HostConfig"]["PortBindings"] or {}).items():
                port, proto = key.split("/")
                for b in binds or []:
                    asked.append((int(b["HostPort"] or 0), proto, int(port)))
            pubs = [p for p in map(parse_pub, ge["published"]) if p]
            got = sorted((p[1], p[2], p[4]) for p in pubs if p[0] == "0.0.0.0")
            got6 = sorted((p[1], p[2], p[4]) for p in pubs if p[0] == "::")
            if got != got6 and ns_["GlobalIPv6Address"]:
                problem(f"container {c['Name']}: IPv4 {got} and IPv6 {got6} publish differently")
            # Fixed host ports exactly; HostPort 0 as some port of its own.
            fixed = sorted(x for x in asked if x[0])
            chosen = sorted((x[1], x[2]) for x in got if x not in fixed)
            if sorted(x for x in got if x in fixed) != fixed or chosen != sorted((x[1], x[2]) for x in asked if not x[0]):
                problem(f"container {c['Name']}: asked for {sorted(asked)}, guardnetd publishes {got}")
            for p in pubs:
                fam = "4" if p[0] == "0.0.0.0" else "6"
                want_maps.add(("any" + fam, p[1], p[2], p[3], p[4]))
            c["_pubs"] = pubs
    for e, ge in g_eps.items():
        if ge["published"] and not any(x.startswith(e) for x in attached):
            problem(f"endpoint {e}: publishes {ge['published']} but its container is gone")

    table = nft_table(a.ns)
    if not nets:
        if table is not None:
            problem("nft: table inet guardnet is left though no guardnet network exists")
        if "guardnet" in run(in_ns(a.ns, "iptables-save")).stdout:
            problem("iptables: a guardnet rule is left though no guardnet network exists")
    elif table is None:
        problem("nft: table inet guardnet is missing")
    else:
        got_maps = nft_mappings(table)
        for m in sorted(got_maps - want_maps):
            problem(f"nft: map element {m} belongs to no running container's published port")
        for m in sorted(want_maps - got_maps):
            problem(f"nft: published port {m} has no map element")
        live_addrs = {ipaddress.ip_address(x) for e in g_eps.values() for x in (e["address"], e["address6"]) if x}
        subnets = [ipaddress.ip_network(c["Subnet"]) for n in nets.values() for c in n["IPAM"]["Config"]]
        # No rule names a subnet or a gateway (the source check asks the
        # kernel's routes): every address in the table is an endpoint's.
        per_endpoint = table
        for s in set(walk_strings(table)):
            for tok in re.findall(r"gn-[0-9a-f]{12}", s):
                if tok not in bridges.values():
                    problem(f"nft: {s!r} names bridge {tok} of a removed network")
        for s in set(walk_strings(per_endpoint)):
            try:
                ip = ipaddress.ip_address(s)
            except ValueError:
                continue
            if any(ip in n and ip != n.network_address for n in subnets) and ip not in live_addrs:
                problem(f"nft: address {s} belongs to no endpoint guardnetd has")
        for item in table:
            name = (item.get("chain") or item.get("set") or item.get("map") or {}).get("name", "")
            for tok in re.findall(r"gn-[0-9a-f]{12}", name):
                if tok not in bridges.values():
                    problem(f"nft: {name} is left for a removed network")
            # An endpoint's guardnet.allow: chain and set epa4-E, epa6-E.
            m = re.fullmatch(r"epa[46]-([0-9a-z]{12})", name)
            if m and not any(e.startswith(m.group(1)) for e in g_eps):
                problem(f"nft: {name} is left for a removed endpoint")

    if ctl.returncode != 0:
        problem(f"guardnetctl check: {ctl.stdout.strip()} {ctl.stderr.strip()}")
    return running


def probe(a, src_ns, src, dst, port, proto):
    """What a connection to the published port gets (from address src, if
    given): "open" (the page or the echo), "timeout" (no answer at all),
    "refused" (a reset or an ICMP error) or what else happened."""
    if proto == "tcp":
        url = f"http://[{dst}]:{port}/" if ":" in dst else f"http://{dst}:{port}/"
        r = run(in_ns(src_ns, "curl", "-s", "-m", "3", "-w", "\\n%{time_connect}",
                      *(["--interface", "host!" + src] if src else []), url), check=False)
        body, _, connect = r.stdout.rpartition("\n")
        if r.returncode == 0:
            return "open" if body.strip() == HELLO else f"answered {body.strip()[:40]!r}"
        if r.returncode == 28 and float(connect or 0) == 0:
            return "timeout"
        return "refused" if r.returncode == 7 else f"curl exit {r.returncode}"
    r = run(in_ns(src_ns, a.udp, "send", dst, str(port), "probe", *([src] if src else [])), check=False)
    if r.returncode == 0:
        return "open" if r.stdout.strip() == "echo:probe" else f"answered {r.stdout.strip()[:40]!r}"
    return {1: "timeout", 3: "refused"}.get(r.returncode, f"udp exit {r.returncode}")


def reach(a, running):
    """The host reaches every published port; outside, OUT4/OUT6 reach none
    and ALLOWED4 only those of endpoints whose guardnet.allow names it.  A
    source that must not reach a port must get no answer at all (guardnet
    drops it), not a refusal: the port is published, as the host's own
    connection shows."""
    jobs = []
    for c in running:
        pubs = c.get("_pubs", [])
        for host, port, proto, _, _ in pubs:
            dst = HOST4 if host == "0.0.0.0" else HOST6
            jobs.append((c["Name"], a.ns, "", dst, port, proto, "open"))
        # One port per family is enough to show who the default admits.
        for host, port, proto, _, _ in {p[0]: p for p in pubs}.values():
            dst, src = (HOST4, OUT4) if host == "0.0.0.0" else (HOST6, OUT6)
            jobs.append((c["Name"], a.outside, src, dst, port, proto, "timeout"))
            if host == "0.0.0.0":
                opts = [n.get("DriverOpts") or {} for n in c["NetworkSettings"]["Networks"].values()]
                allowed = any(ALLOWED4 in o.get("guardnet.allow", "") for o in opts)
                jobs.append((c["Name"], a.outside, ALLOWED4, dst, port, proto, "open" if allowed else "timeout"))
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        res = list(pool.map(lambda j: probe(a, *j[1:6]), jobs))
    for (name, _, src, dst, port, proto, want), got in zip(jobs, res):
        if got != want:
            problem(f"container {name}: {src or 'the host'} -> {dst} {port}/{proto}: wanted {want}, got {got}")
    return len(jobs)


def main():
    p = argparse.ArgumentParser()
    for opt in ("ns", "outside", "docker", "driver", "state", "ctl", "control", "udp"):
        p.add_argument("--" + opt, required=True)
    p.add_argument("--reach", action="store_true")
    a = p.parse_args()
    running = check_all(a)
    n = reach(a, running) if a.reach else 0
    print(f"  consistency: {len(running)} running containers, {n} probes, {len(problems)} problems", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
