#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses to tests/fuzz/corpus/NAME/
from spec/fixtures, spec/examples, packaging/guardnet.conf and, as root,
UFW files written by Debian's ufw itself (run in private mount and network
namespaces on a copy of /etc/ufw, so the machine's UFW is never touched).

usage: make_corpus.py [REPO]
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

REPO = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(REPO, "tests", "fuzz", "corpus")


def put(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def fixture(name):
    with open(os.path.join(REPO, "spec", "fixtures", name)) as f:
        return [json.loads(line) for line in f if line.strip()]


def body(request):
    # Docker's client: Go's json.Encoder, compact with a trailing newline.
    return b"" if request is None else (json.dumps(request, separators=(",", ":")) + "\n").encode()


def http(path, data, extra=""):
    return (f"POST {path} HTTP/1.1\r\nHost: plugin.moby.localhost\r\n"
            f"Content-Length: {len(data)}\r\n{extra}"
            "Accept: application/vnd.docker.plugins.v1.2+json\r\n\r\n").encode() + data


def short(data):
    return hashlib.sha256(data).hexdigest()[:12]


def http_corpus(records):
    for rec in records:
        data = http(rec["path"], body(rec["request"]))
        put("http", "req-" + rec["path"].split(".")[-1] + "-" + short(data), data)
    # Whole lifecycles on one keep-alive connection: a network, its endpoints
    # created, joined, published, inspected, revoked, left and deleted.
    docker = fixture("docker-20.10.24-requests.jsonl")
    nets = []
    for rec in docker:
        nid = rec["request"]["NetworkID"]
        if nid not in nets:
            nets.append(nid)
    for i, nid in enumerate(nets):
        seq = b"".join(http(r["path"], body(r["request"])) for r in docker if r["request"]["NetworkID"] == nid)
        put("http", f"seq-docker-net{i}", seq)
    put("http", "seq-compose", b"".join(http(r["path"], body(r["request"]))
                                        for r in fixture("docker-compose-1.29-requests.jsonl")))
    put("http", "handshake", http("/Plugin.Activate", b"") + http("/NetworkDriver.GetCapabilities", b""))
    create = body(docker[0]["request"])
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(create[i:i + 64]), create[i:i + 64]) for i in range(0, len(create), 64))
    put("http", "chunked", b"POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: x\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
    put("http", "expect-continue", http("/NetworkDriver.CreateNetwork", create, "Expect: 100-continue\r\n"))
    put("http", "http10", http("/Plugin.Activate", b"").replace(b"HTTP/1.1", b"HTTP/1.0"))
    put("http", "get", b"GET /Plugin.Activate HTTP/1.1\r\nHost: x\r\n\r\n")
    put("http", "unknown-method", http("/NetworkDriver.Nope", b"{}"))
    put("http", "too-large", b"POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: x\r\n"
        b"Content-Length: 2097152\r\n\r\n{")


def decode_corpus(records):
    for rec in records:
        if rec["request"] is not None:
            data = body(rec["request"])
            put("decode", rec["path"].split(".")[-1] + "-" + short(data), data)
    with open(os.path.join(REPO, "spec", "examples", "CreateNetwork-bad-option.json"), "rb") as f:
        put("decode", "CreateNetwork-bad-option", f.read())


def config_corpus():
    with open(os.path.join(REPO, "packaging", "guardnet.conf"), "rb") as f:
        put("config", "shipped", f.read())
    put("config", "every-key", b"publish = 192.0.2.1, 2001:db8::1\nufw = on\nmark = 0x100\n")
    put("config", "bad", b"# comment\n\npublish = 10.0.0.300\n")


UFW_COMMANDS = [
    ["allow 22/tcp", "deny 8080", "reject 25", "limit 2222/tcp"],
    ["allow from 192.0.2.2 to any port 8080", "insert 1 deny proto tcp from 192.0.2.0/24 to any port 80,443",
     "allow proto udp from 198.51.100.0/24 port 53 to any port 5353", "allow 8000:8010/tcp"],
    ["route allow in on eth0 out on gn-x to 10.0.0.2 port 80 proto tcp", "route deny proto udp to 1.2.3.4 port 514",
     "allow in on eth0 to any port 8083", "deny out to 203.0.113.9"],
    ["allow log-all 53 comment 'dns here'", "allow log 443/tcp", "limit from 2001:db8::/32 to any port 8000:8010 proto tcp",
     "allow proto esp from 10.0.0.1", "allow proto gre from 2001:db8::1", "allow WWW"],
]


def ufw_corpus():
    if os.geteuid() != 0 or not shutil.which("ufw"):
        print("not root or no ufw: UFW seeds left as they are", file=sys.stderr)
        return
    for i, cmds in enumerate(UFW_COMMANDS):
        root = tempfile.mkdtemp(prefix="gn-ufw-seed-")
        try:
            etc = os.path.join(root, "etc")
            os.makedirs(os.path.join(etc, "default"))
            shutil.copytree("/usr/share/ufw", os.path.join(etc, "ufw"))
            shutil.copytree("/etc/ufw/applications.d", os.path.join(etc, "ufw", "applications.d"))
            shutil.copy("/usr/share/ufw/ufw.conf", os.path.join(etc, "ufw", "ufw.conf"))
            with open("/etc/default/ufw") as src, open(os.path.join(etc, "default", "ufw"), "w") as dst:
                dst.write(src.read())
            script = "mount --bind \"$0/etc/ufw\" /etc/ufw && mount --bind \"$0/etc/default/ufw\" /etc/default/ufw"
            for c in cmds:
                script += f" && ufw {c} >/dev/null"
            subprocess.run(["unshare", "--net", "--mount", "bash", "-c", script, root], check=True)
            parts = []
            for name in ("etc/ufw/user.rules", "etc/ufw/user6.rules", "etc/ufw/ufw.conf", "etc/default/ufw"):
                with open(os.path.join(root, name), "rb") as f:
                    parts.append(f.read())
            put("ufw", f"ufw-{i}", b"\0".join(parts))
        finally:
            shutil.rmtree(root)


def main():
    records = fixture("docker-20.10.24-requests.jsonl") + fixture("docker-compose-1.29-requests.jsonl")
    for h in ("http", "decode", "config"):
        shutil.rmtree(os.path.join(OUT, h), ignore_errors=True)
    http_corpus(records)
    decode_corpus(records)
    config_corpus()
    ufw_corpus()


main()
