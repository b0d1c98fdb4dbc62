#!/usr/bin/python3
"""systemd's file descriptor store, played for one service in a test host
(systemd.service(5) FileDescriptorStoreMax=, sd_pid_notify_with_fds(3),
sd_listen_fds_with_names(3)), where no systemd runs.

  fdstore.py DIR -- COMMAND...

runs COMMAND with $NOTIFY_SOCKET at DIR/notify.sock and keeps the
descriptors it sends with FDSTORE=1 (by FDNAME, dropped by FDSTOREREMOVE=1).
DIR/store lists the names kept, one a line; DIR/ready appears on READY=1.
SIGUSR1 kills COMMAND with SIGKILL (a crash), writes DIR/down, waits for
DIR/go, then starts COMMAND again with the kept descriptors as LISTEN_FDS
3.. and their names in LISTEN_FDNAMES, as systemd does for Restart=.
SIGTERM stops COMMAND with SIGTERM and exits.  COMMAND's output is
appended to DIR/child.log.
"""
import array
import os
import signal
import socket
import subprocess
import sys
import time

d = sys.argv[1]
cmd = sys.argv[sys.argv.index("--") + 1:]
store = []          # [name, fd]
crash = stop = False


def on_signal(sig, _):
    global crash, stop
    if sig == signal.SIGUSR1:
        crash = True
    else:
        stop = True


signal.signal(signal.SIGUSR1, on_signal)
signal.signal(signal.SIGTERM, on_signal)
path = os.path.join(d, "notify.sock")
if os.path.exists(path):
    os.unlink(path)
ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
ns.bind(path)
ns.settimeout(0.1)
log = open(os.path.join(d, "child.log"), "ab")


def write(name, text):
    tmp = os.path.join(d, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(d, name))


def start():
    env = dict(os.environ, NOTIFY_SOCKET=path)
    fds = [fd for _, fd in store]
    if fds:
        env.update(LISTEN_FDS=str(len(fds)), LISTEN_FDNAMES=":".join(n for n, _ in store))

    def place():
        # Out of the way first: a kept descriptor may sit where another goes.
        high = [os.dup(fd) for fd in fds]
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i, inheritable=True)
    return subprocess.Popen(["sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh"] + cmd, env=env, stdout=log,
                            stderr=log, close_fds=False, preexec_fn=place)


def receive():
    try:
        msg, anc, _, _ = ns.recvmsg(4096, socket.CMSG_SPACE(64 * 4))
    except socket.timeout:
        return
    except InterruptedError:
        return
    fds = array.array("i")
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
    fields = dict(line.split("=", 1) for line in msg.decode().split("\n") if "=" in line)
    name = fields.get("FDNAME", "stored")
    if fields.get("FDSTORE") == "1":
        store.extend([name, fd] for fd in fds)
    else:
        for fd in fds:
            os.close(fd)
    if fields.get("FDSTOREREMOVE") == "1":
        for n, fd in [e for e in store if e[0] == name]:
            os.close(fd)
        store[:] = [e for e in store if e[0] != name]
    if fields.get("READY") == "1":
        write("ready", "")
    write("store", "".join(n + "\n" for n, _ in store))


child = start()
while True:
    receive()
    if stop:
        child.send_signal(signal.SIGTERM)
        child.wait()
        break
    if crash:
        crash = False
        child.kill()
        child.wait()
        for f in ("ready",):
            if os.path.exists(os.path.join(d, f)):
                os.unlink(os.path.join(d, f))
        write("down", "")
        while not os.path.exists(os.path.join(d, "go")) and not stop:
            receive()
        if stop:
            break
        os.unlink(os.path.join(d, "go"))
        os.unlink(os.path.join(d, "down"))
        child = start()
    elif child.poll() is not None:
        time.sleep(0.1)
