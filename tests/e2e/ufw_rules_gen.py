#!/usr/bin/env python3
"""Rule lists for the differential test against UFW, from a fixed seed.

Prints one list per line: ufw command lines (without "ufw") separated by " ; ".
Every rule is written "to any" so that it applies alike to a service on the
host's first address and to a port guardnet publishes on its second.

usage: ufw_rules_gen.py SEED COUNT PORT
"""
import random
import sys

seed, count, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
SOURCES = ["192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.0/30", "192.0.2.0/24", "198.51.100.0/24"]


def ports():
    other = rnd.choice([22, 80, 443, 9000])
    return rnd.choice([
        str(port),
        f"{port}/tcp",
        f"{other},{port}",
        f"{port - 10}:{port + 10}",
        f"{other}",
        f"{port + 1}:{port + 5}",
    ])


def rule():
    action = rnd.choice(["allow", "allow", "deny", "reject", "limit"])
    kind = rnd.randrange(4)
    if kind == 0:
        p = ports()
        # ufw refuses a port list or range without a protocol.
        if ("," in p or ":" in p) and "/" not in p:
            p += "/tcp"
        return f"{action} {p}"
    src = rnd.choice(SOURCES)
    if kind == 1:
        return f"{action} from {src}"
    p = ports().split("/")[0]
    proto = " proto tcp" if ("," in p or ":" in p or rnd.random() < 0.5) else ""
    return f"{action}{proto} from {src} to any port {p}"


for _ in range(count):
    lines = []
    for i in range(rnd.randint(1, 5)):
        r = rule()
        # Inserts change the order: first match wins.
        if lines and rnd.random() < 0.3:
            r = f"insert 1 {r}"
        lines.append(r)
    print(" ; ".join(lines))
