#!/usr/bin/env python3
"""Latency of guardnetd's plugin API: N calls of
/NetworkDriver.GetCapabilities, one connection each (as Docker makes
them), timed from connect to the end of the reply.

usage: apiping.py SOCKET N
prints "p50=MS p99=MS" in milliseconds.
"""
import socket
import statistics
import sys
import time

path, n = sys.argv[1], int(sys.argv[2])
req = (b"POST /NetworkDriver.GetCapabilities HTTP/1.1\r\nHost: plugin\r\nContent-Length: 2\r\n"
       b"Connection: close\r\n\r\n{}")
times = []
for _ in range(n):
    t = time.perf_counter()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(req)
    while s.recv(65536):
        pass
    s.close()
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"p50={statistics.median(times):.3f} p99={times[min(len(times) - 1, int(len(times) * 0.99))]:.3f}")
