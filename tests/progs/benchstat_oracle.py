#!/usr/bin/python3
"""A second, independent oracle for cprof benchstat's tables
(tests/integration/benchstat_oracle.sh): the goldens in tests/fixtures/benchstat
are cprof's own output (Go's benchstat is not packaged in Debian 12), so this
recomputes from the raw benchmark files, with NumPy/SciPy
(tests/fixtures/benchstat/oracle.py's median_ci and utest), every number a
text table prints and checks it:

- each cell's median, to the 4 significant digits printed;
- each "± X%": Go benchstat's rule, round(100 * max(hi/m - 1, 1 - lo/m)),
  "∞" when the interval is unbounded (n < 6);
- each "p=P": the Mann-Whitney U test's two-sided p-value, "%.3f";
- each delta: "~" when p > 0.05 (alpha) or a side has < 4 samples, else
  "%+.2f%%" of new/old - 1 on the medians;
- each geomean: exp(mean(log(median))) over the rows, to 4 digits.

Go's layout rules also stated here: a row is NAME then one "median ± CI"
cell per column, the delta and "(p=P n=N)" after the second; units are
normalised (ns/op -> sec/op, MB/s -> B/s).

Usage: benchstat_oracle.py DIR NAME GOLDEN COL ROW FILE...
Prints "ok NAME_..." / "not ok NAME_...: why" lines.
"""
import math, re, sys
import numpy as np

here = sys.argv[1]
src = open(here + "/oracle.py").read()
exec(src[: src.index("rnd = random.Random")])  # median_ci, utest

name, golden, col, row = sys.argv[2:6]
files = sys.argv[6:]

UNITS = {"ns/op": ("sec/op", 1e-9), "MB/s": ("B/s", 1e6)}

exact = set()  # units declared "Unit U assume=exact": no CI, no test

def results():
    for f in files:
        cfg = {".file": f}
        for line in open(here + "/" + f):
            line = line.rstrip("\n")
            m = re.match(r"^Unit\s+(\S+)\s+.*assume=exact", line)
            if m:
                exact.add(UNITS.get(m.group(1), (m.group(1), 1))[0])
                continue
            m = re.match(r"^([a-z][^\s:]*):\s*(.*)$", line)
            if m:
                cfg[m.group(1)] = m.group(2)
                continue
            if not line.startswith("Benchmark"):
                continue
            t = line.split()
            if len(t) < 4 or not t[1].isdigit():
                continue
            full = t[0][len("Benchmark"):]
            base = re.sub(r"-\d+$", "", full)
            keys = dict(cfg)
            keys[".fullname"] = full
            parts = base.split("/")
            keys[".name"] = parts[0]
            for p in parts[1:]:
                if "=" in p:
                    k, v = p.split("=", 1)
                    keys["/" + k] = v
            for i in range(2, len(t) - 1, 2):
                unit = t[i + 1]
                u, scale = UNITS.get(unit, (unit, 1))
                yield keys, u, float(t[i]) * scale

data = {}  # (unit, row, col) -> [values]
for keys, unit, v in results():
    r = keys.get(row, "")
    c = keys.get(col, "")
    data.setdefault((unit, r, c), []).append(v)

SUF = {"n": 1e-9, "µ": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
       "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4}

def num(s):
    m = re.match(r"^(-?[0-9.]+)(Ki|Mi|Gi|Ti|n|µ|m|k|M|G|T)?$", s)
    return float(m.group(1)) * SUF[m.group(2) or ""] if m else None

failed = 0
checked = 0
def check(case, cond, why=""):
    global failed, checked
    checked += 1
    if cond:
        print("ok %s_%s" % (name, case))
    else:
        failed += 1
        print("not ok %s_%s: %s" % (name, case, why))

def close4(got, want):  # printed with 4 significant digits
    if want == 0:
        return got == 0
    return abs(got - want) <= abs(want) * 6e-4

def ci_str(xs):
    m, lo, hi = median_ci(sorted(xs))
    if math.isinf(lo) or math.isinf(hi):
        return "∞"
    if m == 0:
        return "0%"
    if (m < 0) != (lo < 0) or (m < 0) != (hi < 0):
        return "?"
    return "%.0f%%" % (100 * max(hi / m - 1, 1 - lo / m))

lines = open(here + "/" + golden).read().split("\n")
i = 0
while i < len(lines):
    if not (lines[i].strip().startswith("│") and i + 1 < len(lines) and "│" in lines[i + 1]):
        i += 1
        continue
    cols = [c.strip() for c in lines[i].split("│")[1:-1]]
    unit = [c.split()[0] for c in lines[i + 1].split("│")[1:-1]][0]
    i += 2
    meds = {c: [] for c in cols}
    while i < len(lines) and lines[i] and not lines[i].startswith("¹"):
        text = lines[i]
        rname = text.split()[0]
        i += 1
        if rname == "geomean":
            cells = re.findall(r"\s(-?[0-9.]+(?:Ki|Mi|Gi|Ti|n|µ|m|k|M|G|T)?)(?=\s|$)", text[len(rname):])
            for c, cell in zip(cols, cells):
                ms = meds[c]
                if ms and all(m > 0 for m in ms) and num(cell) is not None:
                    want = math.exp(sum(math.log(m) for m in ms) / len(ms))
                    check("%s_%s_geomean" % (unit, c), close4(num(cell), want),
                          "printed %s, SciPy/NumPy %.6g" % (cell, want))
            continue
        cells = re.findall(r"(\S+) ± (\S+)", text)
        present = [c for c in cols if data.get((unit, rname, c))]
        if len(cells) != len(present):
            check("%s_%s_cells" % (unit, rname), False,
                  "%d cells printed, %d columns have data" % (len(cells), len(present)))
            continue
        for c, (med, ci) in zip(present, cells):
            xs = data[(unit, rname, c)]
            m = float(np.median(xs))
            meds[c].append(m)
            check("%s_%s_%s_median" % (unit, rname, c), close4(num(med), m),
                  "printed %s, NumPy %.6g" % (med, m))
            want = "0%" if unit in exact else ci_str(xs)
            check("%s_%s_%s_ci" % (unit, rname, c), ci == want,
                  "printed ± %s, SciPy ± %s" % (ci, want))
        pm = re.search(r"\(p=([0-9.]+) n=([0-9+]+)\)", text)
        if len(present) == 2 and present == cols[:2] and unit in exact:
            # Exact values: the change of the medians, no test ("n=A+B").
            old, new = data[(unit, rname, cols[0])], data[(unit, rname, cols[1])]
            mo, mn = float(np.median(old)), float(np.median(new))
            d = re.search(r"\s(\?|[+-]?[0-9.]+%)\s+\(n=", text)
            got = d.group(1) if d else None
            if mo == mn:
                good = got is not None and got != "?" and float(got.rstrip("%")) == 0
            elif mo == 0:
                good = got == "?"
            else:
                good = got not in (None, "?") and abs(float(got.rstrip("%")) - 100 * (mn / mo - 1)) <= 0.005001
            check("%s_%s_delta" % (unit, rname), good, "printed %s, medians %g -> %g" % (got, mo, mn))
            check("%s_%s_no_p" % (unit, rname), not pm, "a p-value printed for exact values")
        elif len(present) == 2 and present == cols[:2]:
            old, new = data[(unit, rname, cols[0])], data[(unit, rname, cols[1])]
            p = utest(old, new)
            if pm:
                want = "1.000" if p == "equal" else "%.3f" % p
                check("%s_%s_p" % (unit, rname), pm.group(1) == want,
                      "printed p=%s, SciPy p=%s" % (pm.group(1), want))
            d = re.search(r"±\s+\S+(?:\s+[¹²³⁴⁵⁶⁷⁸⁹]+)?\s+(~|[+-][0-9.]+%|\?)\s", text + " ")
            delta = d.group(1) if d else None
            mo, mn = np.median(old), np.median(new)
            if p == "equal" or len(old) < 4 or len(new) < 4 or (pm and p > 0.05):
                want = "~" if pm else ("%+.2f%%" % (100 * (mn / mo - 1)) if mo else "?")
            else:
                want = "%+.2f%%" % (100 * (mn / mo - 1))
            check("%s_%s_delta" % (unit, rname), delta == want,
                  "printed %s, want %s" % (delta, want))
print("# %d numbers checked against SciPy" % checked)
sys.exit(1 if failed or not checked else 0)
