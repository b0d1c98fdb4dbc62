#!/usr/bin/env python3
"""Hostile clients of a plugin socket (a helper of hostile-clients.sh).

Opens IDLE connections that send nothing, one that sends a request body a
byte at a time (slowloris), one that sends its headers a byte at a time,
and one request with a 100 KB header, and prints "ready".  When the file
CHECK appears it reports how many idle connections are still open and get
an answer to a request.  It keeps the slow clients going until the server
closes the slow body or for LIMIT seconds, and says how each ended.

usage: hostile.py SOCKET IDLE CHECK LIMIT
"""
import os
import socket
import sys
import time

SOCK, IDLE, CHECK, LIMIT = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
ACTIVATE = b"POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nContent-Length: 0\r\n\r\n"


def say(*a):
    print(*a, flush=True)


def dial(blocking=True):
    """A connection; a full backlog (the server not accepting) is waited
    out for 5 s, then it fails."""
    deadline = time.monotonic() + 5
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(SOCK)
            break
        except BlockingIOError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    s.setblocking(blocking)
    return s


def closed_by_peer(s):
    """True when the server has closed s (EOF or reset); reads any reply."""
    try:
        data = s.recv(65536)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return data == b""


def status_of(s, deadline):
    """The status code of the reply on s, 0 when closed without one."""
    s.setblocking(True)
    s.settimeout(max(0.1, deadline - time.monotonic()))
    buf = b""
    try:
        while b"\r\n" not in buf:
            d = s.recv(4096)
            if not d:
                return 0
            buf += d
    except OSError:
        return 0
    return int(buf.split()[1])


idle = []
for _ in range(IDLE):
    try:
        idle.append(dial())
    except OSError as e:
        say(f"connect failed after {len(idle)}: {e}")
        break
say(f"idle connections: {len(idle)}")

big = dial()
big.sendall(b"POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
say(f"oversized header: status {status_of(big, time.monotonic() + 20)}")

loris = dial(False)
loris.sendall(b"POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: plugin\r\nContent-Length: 100000\r\n\r\n")
slowhead = dial(False)
head = b"POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nX-Slow: " + b"b" * 100000
say("ready")



def check_idle():
    still = [s for s in idle if not closed_by_peer(s)]
    say(f"idle connections still open: {len(still)}")
    for s in still:
        try:
            s.sendall(ACTIVATE)
        except OSError:
            pass
    deadline = time.monotonic() + 60
    say(f"idle connections answered: {sum(1 for s in still if status_of(s, deadline) == 200)}")


# The attack itself paces the slow clients: one byte each per 200 ms.
for s in idle:
    s.setblocking(False)
loris_open = slowhead_open = True
checked = False
i = 0
end = time.monotonic() + LIMIT
while loris_open and time.monotonic() < end:
    if not checked and os.path.exists(CHECK):
        check_idle()
        checked = True
    try:
        loris.send(b"{")
    except OSError:
        pass
    if closed_by_peer(loris):
        loris_open = False
        say("slow body: closed by the server")
    if slowhead_open:
        try:
            slowhead.send(head[i:i + 1])
            i += 1
        except OSError:
            pass
        if closed_by_peer(slowhead):
            slowhead_open = False
            say(f"slow headers: closed by the server after {i} bytes")
    time.sleep(0.2)
if loris_open:
    say("slow body: still open")
if slowhead_open:
    say(f"slow headers: still open after {i} bytes")
while not checked:
    if os.path.exists(CHECK):
        check_idle()
        checked = True
    time.sleep(0.2)
