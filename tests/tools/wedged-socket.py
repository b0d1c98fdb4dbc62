#!/usr/bin/env python3
"""A control socket that never answers, standing in for a wedged guardnetd.

    wedged-socket.py PATH MODE
      listen  listens and never accepts (a guardnetd stopped with SIGSTOP)
      full    the same with its backlog already full (connect itself waits)
      accept  accepts every connection and never reads from it
      close   accepts and closes at once (a guardnetd dying on each request)

Prints "ready" once the socket is in place, then runs until killed.
"""
import os
import socket
import sys
import time

path, mode = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(0 if mode == "full" else 16)
held = []
if mode == "full":
    while True:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(path)
        except BlockingIOError:
            break
        held.append(c)
print("ready", flush=True)
while True:
    if mode == "accept":
        held.append(srv.accept()[0])
    elif mode == "close":
        srv.accept()[0].close()
    else:
        time.sleep(3600)
