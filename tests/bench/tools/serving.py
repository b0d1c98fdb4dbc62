#!/usr/bin/env python3
"""Times a guardnetd start.  Once ready to watch, it creates READY; the
caller then writes the start time (CLOCK_REALTIME nanoseconds, `date
+%s%N`) into T0_FILE and starts guardnetd.  It waits until the plugin
socket answers Activate and, given PATTERN, until a line matching PATTERN
is appended to LOG after its size when READY was made; prints the
milliseconds from the start time to each, on one line:

  serving_ms=A [logged_ms=B]

or exits 1 after TIMEOUT seconds.  Asks every 2 ms.

usage: serving.py SOCKET READY T0_FILE TIMEOUT [LOG PATTERN]
"""
import os
import re
import socket
import sys
import time

path, ready, t0_file, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
log, pattern = (sys.argv[5], re.compile(sys.argv[6])) if len(sys.argv) == 7 else (None, None)
offset = os.path.getsize(log) if log and os.path.exists(log) else 0
req = b"POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nContent-Length: 0\r\n\r\n"
deadline = time.time() + timeout
serving = logged = t0 = None
open(ready, "w").close()


def answers():
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall(req)
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def in_log():
    try:
        with open(log, "rb") as f:
            f.seek(offset)
            return any(pattern.search(line.decode(errors="replace")) for line in f)
    except OSError:
        return False


while time.time() < deadline:
    now = time.time_ns()
    if t0 is None:
        try:
            with open(t0_file) as f:
                t0 = int(f.read())
        except (OSError, ValueError):
            time.sleep(0.001)
            continue
    if serving is None and answers():
        serving = (now - t0) / 1e6
    if pattern and logged is None and in_log():
        logged = (now - t0) / 1e6
    if serving is not None and (logged is not None or not pattern):
        print(f"serving_ms={serving:.1f}" + (f" logged_ms={logged:.1f}" if pattern else ""))
        sys.exit(0)
    time.sleep(0.002)
sys.exit(1)
