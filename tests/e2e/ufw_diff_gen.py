#!/usr/bin/env python3
"""Rule sets for the differential test against UFW (tests/e2e/ufw-diff-*.sh).

usage: ufw_diff_gen.py SEED FIRST COUNT

Prints rule sets FIRST .. FIRST+COUNT-1 of the sequence SEED makes, one a
line: ufw command lines (without "ufw") separated by " ; ".  Every set
starts with the default policies; the rules use what UFW offers for
incoming traffic: port numbers, lists, ranges, services and application
profiles, protocols, sources and source ports, destinations (any, a host
address, another host address), "in on" either outside interface, log and
log-all, comments, insert, prepend and delete.  Route rules appear too, for
flows the probes never make (route rules for published ports are a design
choice of guardnet's: design.md section 3, step 4).  No limit: its counts
depend on probe order (tests/e2e/ufw-diff-limit.sh drives limit instead).
"""
import random
import sys

seed, first, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)

SRC4 = ["192.0.2.2", "192.0.2.3", "192.0.2.0/24", "198.51.100.2", "198.51.100.0/24", "192.0.2.0/30", "10.0.0.0/8"]
SRC6 = ["2001:db8:1::2", "2001:db8:1::/64", "2001:db8:2::2", "2001:db8::/32", "fd00::/8"]
DST4 = ["192.0.2.1", "192.0.2.5", "198.51.100.1"]
DST6 = ["2001:db8:1::1", "2001:db8:1::5", "2001:db8:2::1"]
PORTS = ["80", "443", "8080", "8081", "9000", "53", "5353", "8080,8081", "8000:8100", "80,443,9000", "22",
         "5000:6000", "53,5353"]
SERVICES = ["http", "https", "domain", "ssh"]
APPS = ["WWW", "WWW Secure", "WWW Full", "WWW Cache", "DNS", "Bonjour"]


def ports_need_proto(p):
    return "," in p or ":" in p


def simple(action):
    kind = rnd.randrange(4)
    if kind == 0:
        p = rnd.choice(PORTS)
        proto = rnd.choice(["tcp", "udp", ""]) if not ports_need_proto(p) else rnd.choice(["tcp", "udp"])
        return f"{action} {p}{'/' + proto if proto else ''}"
    if kind == 1:
        return f"{action} {rnd.choice(SERVICES)}"
    if kind == 2:
        return f"{action} '{rnd.choice(APPS)}'"
    return f"{action} {rnd.choice(PORTS[:7])}/tcp"


def full(action):
    six = rnd.random() < 0.35
    src = rnd.choice(["any"] * 3 + (SRC6 if six else SRC4))
    dst = rnd.choice(["any"] * 4 + (DST6 if six else DST4))
    head = [action]
    if rnd.random() < 0.25:
        head.append(f"in on out{rnd.randrange(2)}")
    if rnd.random() < 0.15:
        head.append(rnd.choice(["log", "log-all"]))
    what = rnd.randrange(5)
    proto = rnd.choice(["tcp", "udp", None, None])
    sport = None
    if rnd.random() < 0.12:
        proto, sport = "tcp", "1200:1299"
    if what == 0:
        # an application profile: no proto of its own
        tail = ["from", src, "to", dst, "app", f"'{rnd.choice(APPS)}'"]
        proto = None
    elif what == 1:
        tail = ["from", src, "to", dst]
    else:
        p = rnd.choice(PORTS)
        if ports_need_proto(p) and not proto:
            proto = rnd.choice(["tcp", "udp"])
        tail = ["from", src] + (["port", sport] if sport else []) + ["to", dst, "port", p]
    if proto:
        head += ["proto", proto]
    if rnd.random() < 0.15:
        tail += ["comment", f"'set rule {rnd.randrange(1000)}'"]
    return " ".join(head + tail)


def route():
    return rnd.choice([
        "route allow in on out1 out on gnx0 proto tcp from 203.0.113.3 to 10.89.0.0/24 port 80",
        "route deny proto udp from 203.0.113.0/24 to any port 53",
        "route allow in on out0 from 203.0.113.7",
        "route reject proto tcp from 2001:db8:9::/48 to any port 80",
    ])


def rule_set():
    cmds = [f"default {rnd.choice(['deny'] * 5 + ['reject'] * 3 + ['allow'] * 2)} incoming",
            f"default {rnd.choice(['deny', 'allow'])} routed"]
    rules = []
    for _ in range(rnd.randint(2, 7)):
        action = rnd.choice(["allow", "allow", "deny", "reject"])
        r = simple(action) if rnd.random() < 0.35 else full(action)
        if rules and rnd.random() < 0.25:
            r = f"insert 1 {r}"
        elif rnd.random() < 0.1:
            r = f"prepend {r}"
        rules.append(r)
    if rnd.random() < 0.3:
        rules.append(route())
    cmds += rules
    if rules and rnd.random() < 0.3:
        victim = rnd.choice(rules)
        for w in ("insert 1 ", "prepend "):
            if victim.startswith(w):
                victim = victim[len(w):]
        # ufw's own grammar: "route delete RULE" for a route rule
        cmds.append(f"route delete {victim[6:]}" if victim.startswith("route ") else f"delete {victim}")
    return " ; ".join(cmds)


sets = [rule_set() for _ in range(first + count)]
for s in sets[first:]:
    print(s)
