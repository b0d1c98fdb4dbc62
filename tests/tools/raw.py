#!/usr/bin/python3
"""Raw frames for the attack suite (tests/e2e/attack-*.sh), built with scapy
as an attacker with CAP_NET_RAW would, from whatever network namespace this
runs in (nsenter --net=... of a container or of a neighbour).

  raw.py syn IFACE DSTMAC SRC [SPORT] -- DST:PORT...
      sends one TCP SYN per target from SRC (any address: spoofing is the
      point) in a frame to DSTMAC, and prints one line per target with
      what came back on IFACE: "DST:PORT synack", "rst" or "none".
  raw.py udp IFACE DSTMAC SRC DST:PORT PAYLOAD
      sends one UDP datagram and prints nothing.
  raw.py ra IFACE PREFIX
      sends one IPv6 router advertisement from IFACE's link-local address to
      all nodes: a default router for 30 minutes and PREFIX (a /64) on-link,
      as a rogue router on the link would; prints nothing.
  raw.py redirect IFACE DSTMAC DST TARGET
      sends one ICMPv6 redirect from IFACE's link-local address to DST (in a
      frame to DSTMAC): TARGET is on the link, reach it directly rather than
      through me; prints nothing.  Only the router a host uses for TARGET
      may say so (the kernel checks the source against its route).
  raw.py sniff IFACE SECONDS READYFILE [src=A] [dst=A] [sport=P] [dport=P] [flags=SA]
      waits up to SECONDS for a matching TCP or UDP packet on IFACE and
      prints "seen SRC:SPORT > DST:DPORT FLAGS" or "none".  READYFILE is
      created once the capture runs, so the caller can start the attack.

IPv6 addresses are written in brackets in DST:PORT ([::1]:80).
"""
import os
import random
import sys
import time

from scapy.config import conf
conf.verb = 0
conf.ipv6_enabled = True
# The layers used, not scapy.all (every layer scapy has): the import is
# most of a run's CPU, 0.4 s instead of 1.0 s, and the attack suites run
# this hundreds of times.
conf.load_layers = ["l2", "inet", "inet6"]
from scapy.arch import get_if_hwaddr, in6_getifaddr  # noqa: E402
from scapy.layers.inet import IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import IPv6, ICMPv6ND_RA, ICMPv6ND_Redirect, ICMPv6NDOptPrefixInfo  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.sendrecv import AsyncSniffer, sendp  # noqa: E402


def split_target(t):
    host, _, port = t.rpartition(":")
    return host.strip("[]"), int(port)


def l3(src, dst):
    return IPv6(src=src, dst=dst) if ":" in dst else IP(src=src, dst=dst)


def ip_of(p):
    return p[IPv6] if IPv6 in p else (p[IP] if IP in p else None)


def syn(iface, dstmac, src, sport, targets):
    sport = sport or random.randint(20000, 60000)
    want = {}
    for t in targets:
        dst, port = split_target(t)
        want[(dst, port)] = t

    def mine(p):
        ip = ip_of(p)
        return (ip is not None and TCP in p and p[TCP].dport == sport and ip.dst == src
                and (ip.src, p[TCP].sport) in want)

    # The replies of a host port published on 127.0.0.1 come from the
    # container's address after DNAT, so "what came back" is any reply to
    # our port from the address we asked.
    sn = AsyncSniffer(iface=iface, lfilter=mine, store=True)
    sn.start()
    time.sleep(0.3)  # the capture socket is open once start() returned; let it settle
    for (dst, port) in want:
        sendp(Ether(src=get_if_hwaddr(iface), dst=dstmac) / l3(src, dst) / TCP(sport=sport, dport=port, flags="S", seq=random.getrandbits(32)),
              iface=iface)
    deadline = time.time() + 2.0
    while time.time() < deadline:
        seen = {(ip_of(p).src, p[TCP].sport) for p in sn.results or []}
        if len(seen) == len(want):
            break
        time.sleep(0.05)
    sn.stop()
    got = {}
    for p in sn.results or []:
        f = p[TCP].flags
        got[(ip_of(p).src, p[TCP].sport)] = "synack" if (f & 0x12) == 0x12 else ("rst" if f & 0x04 else "other")
    for key, t in want.items():
        print(t, got.get(key, "none"))


def udp(iface, dstmac, src, target, payload):
    dst, port = split_target(target)
    sendp(Ether(src=get_if_hwaddr(iface), dst=dstmac) / l3(src, dst) / UDP(sport=random.randint(20000, 60000), dport=port) / payload.encode(),
          iface=iface)


def link_local(iface):
    return next(a for a, scope, dev in in6_getifaddr() if dev == iface and a.startswith("fe80"))


def ra(iface, prefix):
    net, _, plen = prefix.partition("/")
    sendp(Ether(src=get_if_hwaddr(iface), dst="33:33:00:00:00:01") /
          IPv6(src=link_local(iface), dst="ff02::1", hlim=255) /
          ICMPv6ND_RA(routerlifetime=1800) /
          ICMPv6NDOptPrefixInfo(prefix=net, prefixlen=int(plen or 64), L=1, A=0, validlifetime=1800,
                                preferredlifetime=1800), iface=iface)


def redirect(iface, dstmac, dst, target):
    # Target and destination the same: TARGET itself is on the link.
    sendp(Ether(src=get_if_hwaddr(iface), dst=dstmac) / IPv6(src=link_local(iface), dst=dst, hlim=255) /
          ICMPv6ND_Redirect(tgt=target, dst=target), iface=iface)


def sniff(iface, seconds, ready, conds):
    c = dict(x.split("=", 1) for x in conds)

    def match(p):
        ip = ip_of(p)
        if ip is None:
            return False
        l4 = p[TCP] if TCP in p else (p[UDP] if UDP in p else None)
        if l4 is None:
            return False
        if "src" in c and ip.src != c["src"]:
            return False
        if "dst" in c and ip.dst != c["dst"]:
            return False
        if "sport" in c and l4.sport != int(c["sport"]):
            return False
        if "dport" in c and l4.dport != int(c["dport"]):
            return False
        if "flags" in c and (TCP not in p or str(p[TCP].flags) != c["flags"]):
            return False
        return True

    sn = AsyncSniffer(iface=iface, lfilter=match, store=True, count=1)
    sn.start()
    time.sleep(0.3)
    open(ready, "w").close()
    sn.join(timeout=seconds)
    if sn.running:
        sn.stop()
    res = sn.results or []
    if res:
        p = res[0]
        ip = ip_of(p)
        l4 = p[TCP] if TCP in p else p[UDP]
        print("seen %s:%d > %s:%d %s" % (ip.src, l4.sport, ip.dst, l4.dport, p[TCP].flags if TCP in p else "udp"))
    else:
        print("none")


def main(a):
    if a[0] == "syn":
        iface, dstmac, src = a[1:4]
        rest = a[4:]
        sport = 0
        if rest[0] != "--":
            sport = int(rest[0])
            rest = rest[1:]
        syn(iface, dstmac, src, sport, rest[1:])
    elif a[0] == "udp":
        udp(*a[1:6])
    elif a[0] == "ra":
        ra(a[1], a[2])
    elif a[0] == "redirect":
        redirect(*a[1:5])
    elif a[0] == "sniff":
        sniff(a[1], float(a[2]), a[3], a[4:])
    else:
        sys.exit("usage: see raw.py's docstring")


if __name__ == "__main__":
    main(sys.argv[1:])
