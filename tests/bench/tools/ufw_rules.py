#!/usr/bin/env python3
"""Writes N incoming rules into a copy of UFW's user.rules, in the form the
ufw command writes them (a tuple line, then its iptables rule), faster than
N runs of `ufw allow`.  None of them matches the benchmarks' traffic, so
each new connection is checked against all of them.

  ports      (the default) every rule names a source in 198.18.0.0/15 and a
             TCP port from 10000 up; half allow, half deny
  blocklist  `deny from CIDR` of N /24s in 100.64.0.0/10, as block lists
             are

usage: ufw_rules.py N USER_RULES [ports|blocklist]
"""
import sys

n, path = int(sys.argv[1]), sys.argv[2]
kind = sys.argv[3] if len(sys.argv) > 3 else "ports"
lines = []
for i in range(n):
    if kind == "blocklist":
        src = f"100.{64 + i // 256}.{i % 256}.0/24"
        lines += [f"### tuple ### deny any any 0.0.0.0/0 any {src} in", f"-A ufw-user-input -s {src} -j DROP", ""]
        continue
    action, target = ("allow", "ACCEPT") if i % 2 == 0 else ("deny", "DROP")
    src = f"198.{18 + i // 65024}.{i // 254 % 256}.{i % 254 + 1}"
    port = 10000 + i
    lines += [f"### tuple ### {action} tcp {port} 0.0.0.0/0 any {src} in",
              f"-A ufw-user-input -p tcp --dport {port} -s {src} -j {target}", ""]
if kind == "blocklist" and n > 16384:
    sys.exit("ufw_rules.py: 100.64.0.0/10 has 16,384 /24s")
with open(path) as f:
    text = f.read()
marker = "### RULES ###\n"
if marker not in text:
    sys.exit(f"ufw_rules.py: {path} has no '### RULES ###' line")
text = text.replace(marker, marker + "\n" + "\n".join(lines), 1)
with open(path, "w") as f:
    f.write(text)
