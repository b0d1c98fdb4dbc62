#!/usr/bin/env python3
"""Replays Docker's recorded plugin traffic against a real guardnetd over its
Unix socket (one keep-alive connection, as Docker's Go client uses), kills it
with SIGKILL half-way, starts it again and checks that it remembers
everything, then finishes the replay.  Runs as root: guardnetd gets a network namespace of its own.

usage: replay_restart.py GUARDNETD SPEC_DIR

GN_DAEMON_WRAP, when set, is a command every guardnetd runs under, e.g.
"valgrind --error-exitcode=99" (tests/hardening/valgrind_replay.sh).
"""
import hashlib
import http.client
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

GUARDNETD, SPEC = sys.argv[1], sys.argv[2]
# guardnetd creates bridges and firewall rules: give it a network namespace
# of its own (unshare execs it, so signals reach guardnetd itself).
WRAP = shlex.split(os.environ.get("GN_DAEMON_WRAP", ""))
DAEMON = ["unshare", "--net"] + WRAP + [GUARDNETD]
# Deadlines, not expected durations: under valgrind, start and exit are slow.
SLOW = 60 if WRAP else 10
results = {"passed": 0, "failed": 0}


def check(cond, what, detail=None):
    """One check in the common format; DETAIL is shown only on failure."""
    if cond:
        results["passed"] += 1
        print("ok -", what, flush=True)
    else:
        results["failed"] += 1
        print("FAIL -", what + (f": {detail}" if detail is not None else ""), flush=True)
    return cond


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("plugin.moby.localhost", timeout=SLOW)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(SLOW)
        self.sock.connect(self.path)


def call(conn, path, body):
    # Docker's client: json.Encoder output, so a trailing newline.
    data = b"" if body is None else (json.dumps(body) + "\n").encode()
    conn.request("POST", path, body=data,
                 headers={"Accept": "application/vnd.docker.plugins.v1.2+json"})
    resp = conn.getresponse()
    raw = resp.read()
    try:
        reply = json.loads(raw)
    except ValueError:
        reply = None
    return resp.status, reply


def wait_for(cond, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return check(False, "timed out waiting for " + what)


def connectable(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def start(sock, state):
    log = open(os.path.join(os.path.dirname(state), "guardnetd.log"), "a")
    proc = subprocess.Popen(DAEMON + ["-v", "--socket", sock, "--state-dir", state,
                             "--control", os.path.join(os.path.dirname(state), "control.sock"),
                             "--config", os.path.join(SPEC, "..", "packaging", "guardnet.conf")],
                            stderr=log)
    log.close()
    wait_for(lambda: connectable(sock) or proc.poll() is not None, SLOW, "guardnetd to listen")
    return proc


def state_digest(state):
    h = hashlib.sha256()
    for sub in ("networks", "endpoints"):
        d = os.path.join(state, sub)
        for name in sorted(os.listdir(d)):
            h.update(name.encode())
            with open(os.path.join(d, name), "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def load(name):
    with open(os.path.join(SPEC, name)) as f:
        return [json.loads(line) for line in f if line.strip()]


def example(name):
    with open(os.path.join(SPEC, "examples", name)) as f:
        return json.load(f)


def replay(conn, records, first, expect):
    for i, rec in enumerate(records):
        status, reply = call(conn, rec["path"], rec["request"])
        line = first + i
        ok = check(status == 200 and isinstance(reply, dict) and not reply.get("Err"),
                   f"line {line + 1} {rec['path']} succeeds", f"{status} {reply}")
        if ok and line in expect:
            check(reply == example(expect[line]), f"line {line + 1}: the reply is {expect[line]}", reply)


def oper_infos(conn, records):
    out = {}
    for rec in records:
        if rec["path"] == "/NetworkDriver.CreateEndpoint":
            r = rec["request"]
            out[r["EndpointID"]] = call(conn, "/NetworkDriver.EndpointOperInfo",
                                        {"NetworkID": r["NetworkID"], "EndpointID": r["EndpointID"]})
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="gn-replay-")
    sock, state = os.path.join(tmp, "plugins", "gnreplay.sock"), os.path.join(tmp, "state")
    docker = load("fixtures/docker-20.10.24-requests.jsonl")
    expect = {4: "Join.reply.json", 9: "Join-ipv6.reply.json", 11: "EndpointOperInfo.reply.json",
              14: "Join-internal.reply.json"}
    cut = 26  # after c1 moved its gateway back to n4: three networks, three endpoints
    proc = start(sock, state)
    try:
        check(oct(os.stat(sock).st_mode & 0o777) == "0o600", "socket mode is 0600")
        conn = UnixConnection(sock)
        check(call(conn, "/Plugin.Activate", None) == (200, {"Implements": ["NetworkDriver"]}), "Activate")
        check(call(conn, "/NetworkDriver.GetCapabilities", None) ==
              (200, {"Scope": "local", "ConnectivityScope": "local"}), "GetCapabilities")
        replay(conn, docker[:cut], 0, expect)
        before_infos = oper_infos(conn, docker[:cut])
        before = state_digest(state)
        conn.close()

        proc.send_signal(signal.SIGKILL)
        proc.wait()
        check(os.path.exists(sock), "SIGKILL leaves the socket file behind (a stale socket)")
        proc = start(sock, state)
        check(proc.poll() is None, "guardnetd restarts over its stale socket")
        conn = UnixConnection(sock)
        check(state_digest(state) == before, "state files unchanged by the restart")
        check(oper_infos(conn, docker[:cut]) == before_infos, "EndpointOperInfo answers the same after restart")
        # The network is remembered: the same CreateNetwork is a no-op, a different one a conflict.
        net = docker[0]["request"]
        check(call(conn, "/NetworkDriver.CreateNetwork", net)[0] == 200, "repeated CreateNetwork succeeds")
        other = json.loads(json.dumps(net))
        other["Options"]["com.docker.network.generic"]["guardnet.icc"] = "false"
        status, reply = call(conn, "/NetworkDriver.CreateNetwork", other)
        check(status == 409 and "already exists with other options" in reply.get("Err", ""),
              "conflicting CreateNetwork after restart is refused", f"{status} {reply}")
        replay(conn, docker[cut:], cut, expect)
        for sub in ("networks", "endpoints"):
            left = os.listdir(os.path.join(state, sub))
            check(left == [], f"no {sub} left after the full replay", left)
        compose = load("fixtures/docker-compose-1.29-requests.jsonl")
        replay(conn, compose, 0, {})
        conn.close()

        proc.send_signal(signal.SIGTERM)
        check(proc.wait(timeout=SLOW) == 0, "SIGTERM: clean exit")
        check(not os.path.exists(sock), "SIGTERM removes the socket")
        check(os.path.isdir(os.path.join(state, "networks")), "SIGTERM keeps the state directory")

        # A corrupt state file stops the daemon and is left in place.
        bad = os.path.join(state, "networks", net["NetworkID"] + ".json")
        with open(bad, "w") as f:
            f.write('{"Version": 1, "NetworkID": ')
        proc = subprocess.Popen(DAEMON + ["--socket", sock, "--state-dir", state,
                                          "--control", os.path.join(tmp, "control.sock")],
                                stderr=subprocess.PIPE, text=True)
        _, err = proc.communicate(timeout=SLOW)
        check(proc.returncode != 0, "corrupt state: guardnetd refuses to start")
        check(bad in err and "never discards state" in err, "corrupt state message names the file", repr(err))
        check(os.path.exists(bad), "corrupt state file kept")
        check(not os.path.exists(sock), "no socket when start-up failed")

        # A socket handed over by systemd (LISTEN_FDS) is used as it is.
        os.unlink(bad)
        act = os.path.join(tmp, "activated.sock")
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.bind(act)
        lsock.listen(16)
        fd = lsock.fileno()
        # The socket becomes fd 3 in the shell, whatever number it has here
        # (under make, fds 3 and 4 may be its jobserver pipe).
        proc = subprocess.Popen(
            ["sh", "-c", 'eval "exec 3<&$0"; [ "$0" = 3 ] || eval "exec $0<&-"; LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"',
             str(fd)] + DAEMON +
            ["--socket", os.path.join(tmp, "unused.sock"), "--state-dir", state,
             "--control", os.path.join(tmp, "control.sock")],
            pass_fds=(fd,), stderr=subprocess.DEVNULL)
        lsock.close()
        conn = UnixConnection(act)
        ok = wait_for(lambda: connectable(act), SLOW, "the activated socket")
        check(ok and call(conn, "/Plugin.Activate", None)[0] == 200, "LISTEN_FDS: served on the inherited socket")
        check(not os.path.exists(os.path.join(tmp, "unused.sock")), "LISTEN_FDS: --socket path not created")
        conn.close()
        proc.send_signal(signal.SIGTERM)
        check(proc.wait(timeout=SLOW) == 0, "LISTEN_FDS: clean exit")

        # -n checks the configuration only.
        cfg = os.path.join(tmp, "bad.conf")
        with open(cfg, "w") as f:
            f.write("publish = 10.0.0.300\n")
        r = subprocess.run(WRAP + [GUARDNETD, "-n", "--config", cfg], capture_output=True, text=True)
        check(r.returncode == 1 and "bad.conf:1: publish: invalid IP address \"10.0.0.300\"" in r.stderr,
              "-n with a bad config names it", f"{r.returncode} {r.stderr!r}")
        r = subprocess.run(WRAP + [GUARDNETD, "-n", "--config", os.path.join(SPEC, "..", "packaging", "guardnet.conf")],
                           capture_output=True, text=True)
        check(r.returncode == 0 and r.stdout.strip() == "configuration OK", "-n with the shipped config: configuration OK", r)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"replay: {results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


sys.exit(main())
