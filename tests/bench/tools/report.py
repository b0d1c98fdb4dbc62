#!/usr/bin/env python3
"""One result line of a benchmark figure.

usage: report.py NAME WHAT TARGET QUICK RATIOS [LABEL VALUES]...

RATIOS and VALUES are whitespace-separated numbers, one per round; TARGET is
"<=X" or ">=X" for the ratio, or "-" for none (QUICK=1: not judged, the sizes
are not the figure's).  Prints, for example:

  start: guardnet/bridge 0.84 (median of 10; min 0.71, max 0.97), target <= 0.9: met;
    guardnet ms 612 (598-650), bridge ms 730 (700-800)

on one line.  Exits 1 when RATIOS holds no number.
"""
import statistics
import sys


def nums(text):
    return [float(v) for v in text.split()]


def fmt(v):
    if v == int(v) and abs(v) < 1e9:
        return str(int(v))
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 1:
        return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"
    return f"{v:.3g}"


def summary(values):
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}-{fmt(max(values))})"


def main():
    name, what, target, quick, ratios = sys.argv[1:6]
    sides = sys.argv[6:]
    r = nums(ratios)
    if not r:
        print(f"{name}: {what}: no measurement")
        return 1
    med = statistics.median(r)
    line = f"{name}: {what} {fmt(med)} (median of {len(r)}; min {fmt(min(r))}, max {fmt(max(r))})"
    if target != "-":
        op, limit = target[:2], float(target[2:])
        met = med <= limit if op == "<=" else med >= limit
        verdict = "not judged (--quick)" if quick == "1" else ("met" if met else "MISSED")
        line += f", target {op} {fmt(limit)}: {verdict}"
    parts = [line]
    for label, values in zip(sides[::2], sides[1::2]):
        v = nums(values)
        if v:
            parts.append(f"{label} {summary(v)}")
    print("; ".join(parts))
    return 0


sys.exit(main())
