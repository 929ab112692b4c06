#!/usr/bin/env python3
"""fit.py — growth of each sorting algorithm from sortbench's output.

    python3 fit.py sort.txt [--min-n N] [--markdown]

Reads Go benchmark lines named Sort/alg=A/shape=S/n=N (any -count: the
median ns/op of each size is used), and for each algorithm and shape fits
log(ns/op) = k*log(n) + c by least squares over the sizes >= --min-n
(default 1000: below that, call and timer overheads hide the growth; all
sizes are used when fewer than two are that large).  The class is
O(n^2) when k >= 1.5; below that, whichever of O(n) and O(n log n) leaves
the smaller squared residual when only a constant factor is fitted.
Prints one row per algorithm and shape; exit 1 on unreadable input.
"""
import math
import re
import statistics
import sys

LINE = re.compile(
    r"^Benchmark(?:\S*/)?alg=(?P<alg>[^/\s]+)/shape=(?P<shape>[^/\s]+)/n=(?P<n>\d+)(?:-\d+)?"
    r"\s+\d+\s+(?P<ns>[0-9.eE+]+) ns/op")


def parse(lines):
    runs = {}
    order = []
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        key = (m["alg"], m["shape"])
        if key not in runs:
            runs[key] = {}
            order.append(key)
        runs[key].setdefault(int(m["n"]), []).append(float(m["ns"]))
    return order, {k: {n: statistics.median(v) for n, v in d.items()} for k, d in runs.items()}


def slope(xs, ys):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def residual(ns, ts, f):
    """Squared residual of log t = log f(n) + c with the best c."""
    d = [math.log(t) - math.log(f(n)) for n, t in zip(ns, ts)]
    m = sum(d) / len(d)
    return sum((x - m) ** 2 for x in d)


def classify(points, min_n=1000):
    """points: {n: ns/op}.  Returns (k, class, sizes used) or None."""
    ns = sorted(n for n in points if n >= min_n)
    if len(ns) < 2:
        ns = sorted(points)
    if len(ns) < 2:
        return None
    ts = [points[n] for n in ns]
    k = slope([math.log(n) for n in ns], [math.log(t) for t in ts])
    if k >= 1.5:
        cls = "O(n^2)"
    elif residual(ns, ts, lambda n: n) <= residual(ns, ts, lambda n: n * math.log(n)):
        cls = "O(n)"
    else:
        cls = "O(n log n)"
    return k, cls, ns


def main(argv):
    args = argv[1:]
    min_n, md = 1000, False
    files = []
    while args:
        a = args.pop(0)
        if a == "--min-n" and args:
            min_n = int(args.pop(0))
        elif a == "--markdown":
            md = True
        elif a.startswith("-") and a != "-":
            print(f"usage: fit.py [--min-n N] [--markdown] FILE...", file=sys.stderr)
            return 2
        else:
            files.append(a)
    lines = []
    try:
        for f in files or ["-"]:
            with (sys.stdin if f == "-" else open(f)) as fh:
                lines.extend(fh.read().splitlines())
    except OSError as e:
        print(f"fit.py: {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    order, runs = parse(lines)
    if not order:
        print("fit.py: no Sort/alg=.../shape=.../n=... benchmark lines in the input", file=sys.stderr)
        return 1
    if md:
        print("| alg | shape | sizes fitted | exponent k | class |")
        print("|---|---|---|---:|---|")
    else:
        print(f"{'alg':<10} {'shape':<9} {'sizes fitted':<16} {'k':>5}  class")
    for alg, shape in order:
        r = classify(runs[(alg, shape)], min_n)
        if r is None:
            continue
        k, cls, ns = r
        span = f"{ns[0]:g}..{ns[-1]:g}"
        if md:
            print(f"| {alg} | {shape} | {span} | {k:.2f} | {cls} |")
        else:
            print(f"{alg:<10} {shape:<9} {span:<16} {k:5.2f}  {cls}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
