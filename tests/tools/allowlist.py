#!/usr/bin/python3
"""Prints an allowlist of N entries for guardnet.allow: 192.0.2.3 (a real
client of the tests' outside namespace) and N-1 /32s from 100.64.0.0/10,
never adjacent (step 2), so that guardnet cannot merge them: N interval
elements in the kernel.  Bare addresses keep 8,000 entries below the 128 KiB
a single argument of docker(1) may have.

  allowlist.py N           the comma-separated list
  allowlist.py N NAME DRV SUBNET
                           a Docker API body for POST /networks/create
"""
import json
import sys

n = int(sys.argv[1])
out = ["192.0.2.3"]
base = (100 << 24) + (64 << 16)
for i in range(n - 1):
    a = base + 2 * i + 2
    out.append("%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255))
allow = ",".join(out)
if len(sys.argv) == 2:
    print(allow)
else:
    name, drv, subnet = sys.argv[2:5]
    print(json.dumps({"Name": name, "Driver": drv, "CheckDuplicate": True,
                      "IPAM": {"Config": [{"Subnet": subnet}]},
                      "Options": {"guardnet.allow": allow}}))
