#!/usr/bin/python3
"""Every probe of one outside namespace at once, for the differential test
(tests/e2e/ufw_diff_lib.bash): one process instead of a curl or udp tool
per probe.

usage: ufw_diff_probe.py [--serial] SECONDS < PROBES

Each line of PROBES is "KEY tcp|udp SRC DST PORT [SRCPORT]".  Prints "KEY
OUTCOME" for each, in the order given:
  open      TCP: connected and got gnbox's page; UDP: the echo came back
  answered  connected (or a datagram came back), but not with the page or echo
  refused   a TCP reset or an ICMP port unreachable (ECONNREFUSED)
  timeout   nothing at all within SECONDS
  stalled   TCP: connected, then no page within SECONDS
  an errno name for anything else (EHOSTUNREACH: an ICMP error of another code)
With --serial, one probe after the other, in the order given (a count
such as UFW's limit depends on the order); otherwise all at once.
"""
import asyncio
import errno
import sys

PAGE = b"hello from guardnet"


def failure(e):
    if isinstance(e, ConnectionRefusedError):
        return "refused"
    return errno.errorcode.get(e.errno, str(e)) if isinstance(e, OSError) and e.errno else type(e).__name__


async def tcp(src, dst, port, secs):
    """src: (address, port); port 0: any."""
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(dst, port, local_addr=src), secs)
    except asyncio.TimeoutError:
        return "timeout"
    except OSError as e:
        return failure(e)
    try:
        writer.write(b"GET / HTTP/1.0\r\nHost: probe\r\n\r\n")
        body = await asyncio.wait_for(reader.read(), secs)
        return "open" if PAGE in body else "answered"
    except asyncio.TimeoutError:
        return "stalled"
    except OSError as e:
        return failure(e)
    finally:
        writer.close()


class Datagram(asyncio.DatagramProtocol):
    def __init__(self):
        self.done = asyncio.get_running_loop().create_future()

    def datagram_received(self, data, addr):
        if not self.done.done():
            self.done.set_result("open" if data == b"echo:x" else "answered")

    def error_received(self, exc):
        if not self.done.done():
            self.done.set_result(failure(exc))


async def udp(src, dst, port, secs):
    loop = asyncio.get_running_loop()
    try:
        transport, proto = await loop.create_datagram_endpoint(
            Datagram, local_addr=src, remote_addr=(dst, port))
    except OSError as e:
        return failure(e)
    try:
        transport.sendto(b"x")
        return await asyncio.wait_for(proto.done, secs)
    except asyncio.TimeoutError:
        return "timeout"
    finally:
        transport.close()


def probe(p, secs):
    return (tcp if p[1] == "tcp" else udp)((p[2], int(p[5]) if len(p) > 5 else 0), p[3], int(p[4]), secs)


async def main():
    serial = sys.argv[1] == "--serial"
    secs = float(sys.argv[2 if serial else 1])
    probes = [line.split() for line in sys.stdin if line.strip()]
    if serial:
        outcomes = [await probe(p, secs) for p in probes]
    else:
        outcomes = await asyncio.gather(*[probe(p, secs) for p in probes])
    for (key, *_), outcome in zip(probes, outcomes):
        print(key, outcome)


asyncio.run(main())
