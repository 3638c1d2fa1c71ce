#!/usr/bin/env python3
"""Turns the JMH JSON results of scripts/benchmarks.sh into docs/benchmarks.md.

usage: benchmarks_report.py RESULTS_DIR JAVA COMMAND
Every table shows each benchmark beside its baselines from the same run; the Goals section checks the targets of
the benchmarks issue against those same figures.
"""
import glob
import json
import os
import statistics
import subprocess
import sys
from collections import OrderedDict

results_dir, java, command = sys.argv[1], sys.argv[2], sys.argv[3]

# class -> baselines shown as ratio columns (in this order)
BASELINES = {
    "KeyedMutexBenchmark": ["reentrantLock", "striped", "refCounted"],
    "KeyedMutexVirtualThreadsBenchmark": ["striped", "refCounted"],
    "SingleFlightBenchmark": [],  # paired by suffix: interlockX vs caffeineX
    "SingleFlightBurstBenchmark": ["caffeine"],
    "OperationQueueBenchmark": ["singleThreadExecutor", "drainLane", "promiseChain"],
}

runs = []
for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
    with open(path) as f:
        runs.extend(json.load(f))


def split(name):
    cls, method = name.rsplit(".", 1)
    return cls.rsplit(".", 1)[-1], method


def fork_means(entry):
    raw = entry["primaryMetric"].get("rawData") or []
    return [statistics.fmean(fork) for fork in raw if fork]


def alloc(entry):
    m = entry.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
    return None if m is None else m["score"]


def fmt(x, digits=1):
    if x is None:
        return "-"
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.2f} M"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


groups = OrderedDict()
for e in runs:
    cls, method = split(e["benchmark"])
    params = ", ".join(f"{k}={v}" for k, v in sorted((e.get("params") or {}).items()))
    key = (cls, params, e["threads"])
    groups.setdefault(key, OrderedDict())[method] = e

version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.strip().splitlines()
first = runs[0] if runs else {}
out = []
w = out.append
w("# Benchmarks")
w("")
w("Every figure below comes from one run of the suite, each beside its baselines from the same run.")
w("")
w(f"- Command: `{command}`")
w(f"- JDK: {' / '.join(version)}")
w(f"- Machine: {os.cpu_count()} cores ({open('/proc/cpuinfo').read().count('processor')} logical), "
  f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB")
w(f"- JMH {first.get('jmhVersion', '?')}: {first.get('forks', '?')} forks x {first.get('warmupIterations', '?')} "
  f"warm-up x {first.get('measurementIterations', '?')} measured iterations of "
  f"{first.get('measurementTime', '?')}; `-prof gc` for bytes allocated per operation.")
w("- `±` is JMH's 99.9% confidence half-width; `spread` is the lowest and highest per-fork mean, to show how much "
  "forks disagree. Ratios: for times (ns/op, us/op) lower is better and `x` = this / baseline; for throughput (ops/s) "
  "higher is better and `x` = this / baseline.")
w("")

for (cls, params, threads), methods in groups.items():
    any_entry = next(iter(methods.values()))
    unit = any_entry["primaryMetric"]["scoreUnit"]
    base_names = [b for b in BASELINES.get(cls, []) if b in methods]
    w(f"## {cls} ({params or 'no params'}; {threads} thread{'s' if threads != 1 else ''})")
    w("")
    header = ["benchmark", f"score ({unit})", "±", "spread", "B/op"] + [f"x {b}" for b in base_names]
    if cls == "SingleFlightBenchmark":
        header.append("x caffeine (same path)")
    w("| " + " | ".join(header) + " |")
    w("|" + "---|" * len(header))
    for method, e in methods.items():
        pm = e["primaryMetric"]
        fm = fork_means(e)
        spread = f"{fmt(min(fm))} – {fmt(max(fm))}" if fm else "-"
        row = [method, fmt(pm["score"]), fmt(pm["scoreError"]), spread, fmt(alloc(e), 0)]
        for b in base_names:
            row.append(f"{pm['score'] / methods[b]['primaryMetric']['score']:.2f}")
        if cls == "SingleFlightBenchmark":
            twin = "caffeine" + method[len("interlock"):] if method.startswith("interlock") else None
            row.append(f"{pm['score'] / methods[twin]['primaryMetric']['score']:.2f}" if twin in methods else "")
        w("| " + " | ".join(row) + " |")
    aux = [(n, m) for n, m in any_entry.get("secondaryMetrics", {}).items() if n in ("executions", "bursts")]
    if aux:
        w("")
        for method, e in methods.items():
            sm = e.get("secondaryMetrics", {})
            if "executions" in sm and "bursts" in sm and sm["bursts"]["score"]:
                w(f"- {method}: {sm['executions']['score'] / sm['bursts']['score']:.2f} executions of the work per burst "
                  f"of 1,000 callers")
    w("")


def find(cls, method, threads=1, **params):
    want = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
    m = groups.get((cls, want, threads), {})
    return m.get(method)


def score(e):
    return None if e is None else e["primaryMetric"]["score"]


goals = []


def goal(text, ok, detail):
    if ok is None:
        goals.append(f"| {text} | not measured | {detail} |")
    else:
        goals.append(f"| {text} | {'met' if ok else 'MISSED'} | {detail} |")


ours = find("KeyedMutexBenchmark", "interlock", keys="present")
bare = find("KeyedMutexBenchmark", "reentrantLock", keys="present")
ref = find("KeyedMutexBenchmark", "refCounted", keys="present")
stp = find("KeyedMutexBenchmark", "striped", keys="present")
if ours and bare and ref and stp:
    o, b, r, s = score(ours), score(bare), score(ref), score(stp)
    goal("keyed mutex, present key: within 3x of ReentrantLock", o <= 3 * b, f"{o:.1f} ns vs {b:.1f} ns = {o / b:.2f}x")
    goal("keyed mutex, present key: >= 2x faster than refcounted CHM", r / o >= 2, f"{r:.1f} / {o:.1f} = {r / o:.2f}x")
    goal("keyed mutex, present key: within 2x of Striped", o <= 2 * s, f"{o:.1f} ns vs {s:.1f} ns = {o / s:.2f}x")
    a = alloc(ours)
    goal("keyed mutex: <= 32 B allocated per acquire/release", a is not None and a <= 32, f"{fmt(a, 0)} B/op")
else:
    goal("keyed mutex goals", None, "KeyedMutexBenchmark keys=present not in this run")

oi, ci = find("SingleFlightBenchmark", "interlockIdle"), find("SingleFlightBenchmark", "caffeineIdle")
if oi and ci:
    goal("single-flight, idle key: faster than Caffeine AsyncCache.get", score(oi) < score(ci),
         f"{score(oi):.1f} ns vs {score(ci):.1f} ns")
    goal("single-flight, idle key: allocates less than Caffeine", (alloc(oi) or 0) < (alloc(ci) or 0),
         f"{fmt(alloc(oi), 0)} B/op vs {fmt(alloc(ci), 0)} B/op")
else:
    goal("single-flight goals", None, "SingleFlightBenchmark not in this run")

for kind in ("virtual", "forkjoin"):
    q = find("OperationQueueBenchmark", "interlock", executorKind=kind)
    st = find("OperationQueueBenchmark", "singleThreadExecutor", executorKind=kind)
    dl = find("OperationQueueBenchmark", "drainLane", executorKind=kind)
    if q and st and dl:
        goal(f"operation queue ({kind}): >= 2x single-thread executor", score(q) >= 2 * score(st),
             f"{score(q) / 1e6:.2f} M/s vs {score(st) / 1e6:.2f} M/s = {score(q) / score(st):.2f}x")
        goal(f"operation queue ({kind}): >= drain lane", score(q) >= score(dl),
             f"{score(q) / 1e6:.2f} M/s vs {score(dl) / 1e6:.2f} M/s = {score(q) / score(dl):.2f}x")
    else:
        goal(f"operation queue goals ({kind})", None, "OperationQueueBenchmark not in this run")

w("## Goals (issue: benchmarks)")
w("")
w("| goal | result | figures |")
w("|---|---|---|")
out.extend(goals)
w("")
print("\n".join(out))
