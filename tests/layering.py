#!/usr/bin/env python3
"""The layering rule of plugin/ and README's "Layout", checked by `make check`.

A module is a .c file with the .h of the same name, or a header alone.
Its includes count with those of the project's headers it includes, and
theirs.  The rule:

1. The kernel's libraries (libmnl, libnftnl, libiptc) and netlink sockets
   only where KERNEL_LIBS and NETLINK_SOCKETS below allow them, file by file.
2. jansson only in the files of JSON_BOUNDARY.
3. No file of the kernel layer (KERNEL_LAYER) includes a header of the
   driver or the HTTP/JSON boundary (DRIVER_HEADERS), and no file outside
   it a kernel header (KERNEL_HEADERS) but main.c kernel.h: the driver
   reaches the kernel through backend.h only.
4. No circle: no module includes, through any chain, one that includes it.
5. README's "Layout" names every file of plugin/, and no other ("x.c/h"
   names x.c and x.h).
6. The command .ci/run runs is one of README's command lines, exactly: CI
   runs the test command the README gives users.

Adding a file to a list is a decision about the architecture: say why in
the commit.  Exit 1 with one line per violation; `python3 tests/layering.py
--selftest` breaks each rule on purpose and shows that it is caught.
"""
import os
import re
import sys
import tempfile

# File -> the kernel libraries it may include (directly or through its
# headers).  The kernel layer: rtnetlink and sock_diag (nl-*), nf_tables
# (fw-nft*, fw-ipt-nft), legacy iptables (fw-ipt-legacy).
KERNEL_LIBS = {
    "nl-socket.c": {"libmnl"},
    "nl-reply.h": {"libmnl"},
    "nl-reply.c": {"libmnl"},
    "nl-msg.h": {"libmnl"},
    "nl-addr.c": {"libmnl"},
    "nl-conf.c": {"libmnl"},
    "nl-watch.c": {"libmnl"},
    "nl-diag.c": {"libmnl"},
    "nl-link.c": {"libmnl"},
    "nl-update.c": {"libmnl"},
    "fw-apply.c": {"libmnl", "libnftnl", "libiptc"},
    "fw-nft.h": {"libmnl", "libnftnl"},
    "fw-nft-table.c": {"libmnl", "libnftnl"},
    "fw-nft-guard.c": {"libmnl", "libnftnl"},
    "fw-nft-batch.c": {"libmnl", "libnftnl"},
    "fw-nft-request.c": {"libmnl", "libnftnl"},
    "fw-nft-count.c": {"libmnl", "libnftnl"},
    "fw-nft-count-read.c": {"libmnl", "libnftnl"},
    "fw-nft-tally.c": {"libmnl", "libnftnl"},
    "fw-nft-check.c": {"libmnl", "libnftnl"},
    "fw-nft-text.h": {"libmnl", "libnftnl"},
    "fw-nft-text.c": {"libmnl", "libnftnl"},
    "fw-nft-text-have.c": {"libmnl", "libnftnl"},
    "fw-nft-events.c": {"libmnl", "libnftnl"},
    "fw-nft-expr.c": {"libmnl", "libnftnl"},
    "fw-nft-pub.c": {"libmnl", "libnftnl"},
    "fw-nft-pub-sets.c": {"libmnl", "libnftnl"},
    "fw-nft-epallow.c": {"libmnl", "libnftnl"},
    "fw-nft-net.c": {"libmnl", "libnftnl"},
    "fw-nft-nest.c": {"libmnl", "libnftnl"},
    "fw-nft-ingress.c": {"libmnl", "libnftnl"},
    "fw-nft-ufw.c": {"libmnl", "libnftnl"},
    "fw-nft-ufw-line.c": {"libmnl", "libnftnl"},
    "fw-ipt-nft.c": {"libmnl", "libnftnl"},
    "fw-ipt-legacy.h": {"libiptc"},
    "fw-ipt-legacy.c": {"libiptc"},
}
# Files that open a netlink socket.
# nl-watch.c: rtnetlink's notifications of links and addresses, on a socket
# of their own (a socket that answers requests cannot also take them).
NETLINK_SOCKETS = {"nl-socket.c", "nl-diag.c", "nl-watch.c", "fw-apply.c", "fw-nft-events.c"}
# The kernel layer: the files above and the backend that drives them.
KERNEL_LAYER = set(KERNEL_LIBS) | {"kernel.c", "kernel.h", "kernel-int.h", "kernel-reconcile.c", "kernel-prefetch.c", "kernel-reap.c", "kernel-check.c",
                                   "nl.h", "fw.h", "fw-ipt-legacy.h", "fw-ipt-lock.c", "fw-ipt-lock.h"}
# The HTTP/JSON boundary: only these see jansson.
JSON_BOUNDARY = {"api.c", "control.c", "store.c", "json-decode.c", "json-decode-ep.c", "json-decode.h", "json-encode.c",
                 "json-encode.h", "json-field.c", "json-field.h", "json-status.c", "json-status.h"}
# Headers of the kernel layer, which nothing above it sees (main.c opens the
# kernel, so it includes kernel.h).
KERNEL_HEADERS = {"kernel.h", "kernel-int.h", "nl.h", "nl-msg.h", "nl-reply.h", "fw-nft.h", "fw-nft-text.h", "fw-ipt-legacy.h", "fw-ipt-lock.h"}
MAY_OPEN_KERNEL = {"main.c": {"kernel.h"}}
# Headers of the driver and the boundary, which the kernel layer never sees.
DRIVER_HEADERS = {"driver.h", "driver-int.h", "state.h", "plan.h", "store.h", "api.h", "http.h",
                  "report.h", "explain.h", "control.h", "json-decode.h", "json-encode.h", "json-status.h"}

LIBS = {"libmnl": re.compile(r"<libmnl/"), "libnftnl": re.compile(r"<libnftnl/"),
        "libiptc": re.compile(r"<libiptc/"), "jansson": re.compile(r"<jansson\.h>")}
LOCAL = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SYSTEM = re.compile(r'^\s*#\s*include\s+(<[^>]+>)', re.M)
SOCKET = re.compile(r"\bsocket\s*\(\s*AF_NETLINK|\bmnl_socket_open2?\s*\(")


def read(d):
    files = {}
    for name in sorted(os.listdir(d)):
        if name.endswith((".c", ".h")):
            with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
                text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
            files[name] = text
    return files


def closure(files, name, seen=None):
    """The project headers name includes, directly or not."""
    seen = set() if seen is None else seen
    for inc in LOCAL.findall(files.get(name, "")):
        if inc in files and inc not in seen:
            seen.add(inc)
            closure(files, inc, seen)
    return seen


def module(name):
    return name[:-2]


def circles(files):
    edges = {}
    for name, text in files.items():
        src = module(name)
        for inc in LOCAL.findall(text):
            if inc in files and module(inc) != src:
                edges.setdefault(src, set()).add(module(inc))
    found, state, stack = [], {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(edges.get(m, ())):
            if state.get(n) == 1:
                found.append(stack[stack.index(n):] + [n])
            elif not state.get(n):
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if not state.get(m):
            visit(m)
    return found


LAYOUT_NAME = re.compile(r"(?<![\w./-])([a-z0-9][a-z0-9-]*)\.(c|h)(/h)?(?![\w/-])")


def layout(readme, d):
    """Files of d that README's Layout section misses, and names it has that d lacks."""
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^## Layout\n(.*?)^Where a change goes", text, re.M | re.S)
    if not m:
        return ["README.md has no \"## Layout\" section listing plugin/"]
    named = set()
    for base, ext, both in LAYOUT_NAME.findall(m.group(1)):
        named.add(f"{base}.{ext}")
        if both:
            named.add(f"{base}.h")
    have = {n for n in os.listdir(d) if n.endswith((".c", ".h"))}
    return ([f"plugin/{n}: not in README's Layout" for n in sorted(have - named)] +
            [f"README's Layout names {n}, which plugin/ lacks" for n in sorted(named - have)])


def ci_command(root, readme):
    """.ci/run's command, unless README shows it as a command line of its own."""
    with open(os.path.join(root, ".ci", "run"), encoding="utf-8") as f:
        cmds = [l.strip() for l in f if l.strip() and not l.startswith("#") and
                not re.match(r"(set|cd) ", l.strip())]
    with open(readme, encoding="utf-8") as f:
        shown = {l.strip() for l in f if l.startswith("    ")}
    if len(cmds) != 1:
        return [f".ci/run: one command expected besides set and cd, found {cmds}"]
    return [] if cmds[0] in shown else [f".ci/run runs \"{cmds[0]}\", which README.md shows nowhere as a command"]


def check(d, readme=None):
    files = read(d)
    bad = layout(readme, d) if readme else []
    for name, text in files.items():
        reach = [name] + sorted(closure(files, name))
        system = "".join("".join(SYSTEM.findall(files[f])) for f in reach)
        for lib, pat in LIBS.items():
            if not pat.search(system):
                continue
            allowed = name in JSON_BOUNDARY if lib == "jansson" else lib in KERNEL_LIBS.get(name, ())
            if not allowed:
                via = [f for f in reach if pat.search("".join(SYSTEM.findall(files[f])))]
                bad.append(f"{name}: includes {lib} (through {', '.join(via)}), which it may not")
        if SOCKET.search(text) and name not in NETLINK_SOCKETS:
            bad.append(f"{name}: opens a netlink socket, which only {', '.join(sorted(NETLINK_SOCKETS))} may")
        if name in KERNEL_LAYER:
            for h in sorted(closure(files, name) & DRIVER_HEADERS):
                bad.append(f"{name}: the kernel layer includes {h}")
        else:
            for h in sorted(closure(files, name) & KERNEL_HEADERS - MAY_OPEN_KERNEL.get(name, set())):
                bad.append(f"{name}: includes {h}, a header of the kernel layer (the driver uses backend.h)")
    for c in circles(files):
        bad.append("include circle: " + " -> ".join(c))
    return bad


def selftest(d, readme):
    """Breaks each rule in a copy of plugin/ and checks that it is caught."""
    import shutil
    cases = [
        ("driver-network.c", '#include <libnftnl/rule.h>\n', "includes libnftnl"),
        ("plan.c", '#include "fw-nft.h"\n', "includes libmnl"),
        ("report.c", "static int s(void) { return socket(AF_NETLINK, 0, 0); }\n", "opens a netlink socket"),
        ("driver.c", "#include <jansson.h>\n", "includes jansson"),
        ("kernel.c", '#include "state.h"\n', "the kernel layer includes state.h"),
        ("nl-link.c", '#include "driver.h"\n', "the kernel layer includes driver.h"),
        ("driver-apply.c", '#include "nl.h"\n', "includes nl.h, a header of the kernel layer"),
        ("state.c", '#include "driver.h"\n', "include circle"),
        ("driver-new.c", "/* a file the Layout does not name */\n", "not in README's Layout"),
    ]
    ok = True
    for name, line, want in cases:
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "plugin")
            shutil.copytree(d, copy)
            with open(os.path.join(copy, name), "a") as f:
                f.write(line)
            got = check(copy, readme)
            hit = [b for b in got if want in b]
            print(f"{'caught' if hit else 'MISSED'}: {name} + {line.strip()!r}: {hit[0] if hit else got}")
            ok = ok and bool(hit)
    return ok


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    d, readme = os.path.join(root, "plugin"), os.path.join(root, "README.md")
    if sys.argv[1:] == ["--selftest"]:
        sys.exit(0 if selftest(d, readme) and not check(d, readme) else 1)
    bad = check(d, readme) + ci_command(root, readme)
    for b in bad:
        print("layering: " + b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
