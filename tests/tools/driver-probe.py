#!/usr/bin/python3
"""A minimal Docker network driver that records what Docker sends it.

It runs as a managed plugin (tests/e2e/swarm-protocol.sh packages it, with
the machine's /usr mounted read-only) and answers just enough for containers
to start: a bridge per network with the gateway address, a veth pair per
endpoint.  Every request and reply is appended, one JSON object a line, to
$PROBE_LOG.  $PROBE_SCOPE and $PROBE_CONNECTIVITY are what GetCapabilities
answers (an empty connectivity scope is left out of the reply);
AllocateNetwork answers the options it got plus "probe.allocated", so that
a test can see whether the reply reaches the nodes, or fails when the
options hold "probe.refuse".
"""
import json
import os
import signal
import socketserver
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler

SOCKET = "/run/docker/plugins/probe.sock"
LOG = os.environ.get("PROBE_LOG", "/var/lib/probe/requests.jsonl")
SCOPE = os.environ.get("PROBE_SCOPE", "local")
CONNECTIVITY = os.environ.get("PROBE_CONNECTIVITY", "")
networks = {}


def ip(*args):
    r = subprocess.run(["/usr/sbin/ip", *args], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("ip %s: %s" % (" ".join(args), r.stderr.strip()))


def bridge(nid):
    return "pb" + nid[:10]


def reply_for(method, req):
    if method == "Plugin.Activate":
        return {"Implements": ["NetworkDriver"]}
    if method == "NetworkDriver.GetCapabilities":
        caps = {"Scope": SCOPE}
        if CONNECTIVITY:
            caps["ConnectivityScope"] = CONNECTIVITY
        return caps
    if method == "NetworkDriver.AllocateNetwork":
        opts = dict(req.get("Options") or {})
        if "probe.refuse" in opts:
            raise ValueError("probe.refuse: refused as asked")
        opts["probe.allocated"] = req["NetworkID"]
        return {"Options": opts}
    if method == "NetworkDriver.CreateNetwork":
        br = bridge(req["NetworkID"])
        ip("link", "add", br, "type", "bridge")
        for d in req.get("IPv4Data") or []:
            if d.get("Gateway"):
                ip("addr", "add", d["Gateway"], "dev", br)
        ip("link", "set", br, "up")
        gws = [d["Gateway"].split("/")[0] for d in req.get("IPv4Data") or [] if d.get("Gateway")]
        networks[req["NetworkID"]] = gws[0] if gws else ""
        return {}
    if method == "NetworkDriver.DeleteNetwork":
        ip("link", "del", bridge(req["NetworkID"]))
        networks.pop(req["NetworkID"], None)
        return {}
    if method == "NetworkDriver.CreateEndpoint":
        e = req["EndpointID"][:10]
        ip("link", "add", "ph" + e, "type", "veth", "peer", "name", "pc" + e)
        ip("link", "set", "ph" + e, "master", bridge(req["NetworkID"]), "up")
        return {}
    if method == "NetworkDriver.DeleteEndpoint":
        subprocess.run(["/usr/sbin/ip", "link", "del", "ph" + req["EndpointID"][:10]], capture_output=True)
        return {}
    if method == "NetworkDriver.Join":
        return {"InterfaceName": {"SrcName": "pc" + req["EndpointID"][:10], "DstPrefix": "eth"},
                "Gateway": networks.get(req["NetworkID"], "")}
    if method == "NetworkDriver.EndpointOperInfo":
        return {"Value": {}}
    if method.startswith("NetworkDriver."):
        return {}
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        method = self.path.lstrip("/")
        req = json.loads(body) if body.strip() else {}
        try:
            rep, code = reply_for(method, req), 200
            if rep is None:
                rep, code = {"Err": "unknown method " + method}, 404
        except Exception as e:  # the failure is what the test wants to see
            rep, code = {"Err": str(e)}, 500
        with open(LOG, "a") as f:
            f.write(json.dumps({"t": time.time(), "method": method, "request": req,
                                "reply": rep, "status": code}) + "\n")
        out = json.dumps(rep).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/vnd.docker.plugins.v1+json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, fmt, *args):
        sys.stderr.write("probe: " + fmt % args + "\n")


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if __name__ == "__main__":
    # PID 1 of the plugin's PID namespace: SIGTERM is ignored unless handled.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    os.makedirs(os.path.dirname(LOG), exist_ok=True)
    if os.path.exists(SOCKET):
        os.unlink(SOCKET)
    Server(SOCKET, Handler).serve_forever()
