#!/usr/bin/env python3
"""Writes N incoming rules into a copy of UFW's user.rules, in the form the
ufw command writes them (a tuple line, then its iptables rule), faster than
N runs of `ufw allow`.  Every rule names a source in 198.18.0.0/15 and a TCP
port from 10000 up: none of them matches the benchmarks' traffic, so each
new connection is checked against all of them.  Half allow, half deny.

usage: ufw_rules.py N USER_RULES
"""
import sys

n, path = int(sys.argv[1]), sys.argv[2]
lines = []
for i in range(n):
    action, target = ("allow", "ACCEPT") if i % 2 == 0 else ("deny", "DROP")
    src = f"198.{18 + i // 65024}.{i // 254 % 256}.{i % 254 + 1}"
    port = 10000 + i
    lines += [f"### tuple ### {action} tcp {port} 0.0.0.0/0 any {src} in",
              f"-A ufw-user-input -p tcp --dport {port} -s {src} -j {target}", ""]
with open(path) as f:
    text = f.read()
marker = "### RULES ###\n"
if marker not in text:
    sys.exit(f"ufw_rules.py: {path} has no '### RULES ###' line")
text = text.replace(marker, marker + "\n" + "\n".join(lines), 1)
with open(path, "w") as f:
    f.write(text)
