#!/usr/bin/env python3
"""What a slow call waited for.

  slowcalls.py CALLS OFF NETNS=PID... [--over MS]

CALLS is fleet.py's GN_FLEET_CALLS log, OFF what tools/offcpu.bt printed
meanwhile, and each NETNS=PID names the guardnetd serving that host (its
PID is its main thread, which answers Docker).  A call is slow when it
took more than twice its p50 (of that host and method) and more than MS
(default 20).  For each, the main thread's time off the CPU while the call
ran, by cause, and at the end how many slow calls each cause led.
"""
import collections
import statistics
import sys

CAUSES = (
    ("blkdev_issue_discard", "disk: a discard (freeing blocks)"),
    ("do_fsync", "disk: fsync"),
    ("rtnl_lock", "RTNL, held by another thread or namespace"),
    ("rtnetlink_rcv_msg", "RTNL, held by another thread or namespace"),
    ("__mutex_lock", "a kernel mutex"),
)


def cause(state, frames):
    if "do_epoll_wait" in frames:
        return None  # idle: no request
    if state == 0:
        return "preempted (runnable, not running)"
    for frame, name in CAUSES:
        if frame in frames:
            return name
    return "other: " + " / ".join(frames[2:6])


def off_stretches(path):
    out = []
    with open(path) as f:
        text = f.read()
    for block in text.split("OFF ")[1:]:
        lines = block.split("\n")
        head = lines[0].split()
        if len(head) < 8:
            continue
        us, tid, state, end = int(head[0]), int(head[3]), int(head[5]), int(head[7])
        frames = [l.strip().split("+")[0] for l in lines[1:] if l.strip()]
        c = cause(state, frames)
        if c:
            out.append((tid, (end - us) / 1e3, end / 1e3, c))
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    over = 20.0
    if "--over" in sys.argv:
        over = float(sys.argv[sys.argv.index("--over") + 1])
        args = [a for a in args if a != sys.argv[sys.argv.index("--over") + 1]]
    if len(args) < 3:
        sys.exit(__doc__)
    calls = [l.split() for l in open(args[0]) if l.strip()]
    off = off_stretches(args[1])
    main_tid = {k: int(v) for k, v in (a.split("=") for a in args[2:])}
    by = collections.defaultdict(list)
    for ns, method, _, ms in calls:
        by[(ns, method)].append(float(ms))
    p50 = {k: statistics.median(v) for k, v in by.items()}
    led = collections.Counter()
    n = 0
    for ns, method, start, ms in calls:
        start, ms = float(start), float(ms)
        if ns not in main_tid or ms <= over or ms <= 2 * p50[(ns, method)]:
            continue
        n += 1
        waited = collections.Counter()
        for tid, a, b, c in off:
            if tid == main_tid[ns] and min(b, start + ms) > max(a, start):
                waited[c] += min(b, start + ms) - max(a, start)
        top = waited.most_common()
        print(f"{ns} {method} {ms:.1f} ms (p50 {p50[(ns, method)]:.2f}): "
              + (", ".join(f"{c} {t:.0f} ms" for c, t in top) or "on the CPU, or waits under 5 ms"))
        led[top[0][0] if top else "on the CPU, or waits under 5 ms"] += 1
    print(f"{n} of {len(calls)} calls slow (over {over:g} ms and twice their p50); the longest wait of each:")
    for c, k in led.most_common():
        print(f"  {k:4d}  {c}")


if __name__ == "__main__":
    main()
