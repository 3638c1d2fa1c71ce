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
    "MseHandshakeBenchmark": ["modexpBothSides", "modexpOneSide"],
    "MseStreamBenchmark": ["rc4Engine", "rc4EncryptDecrypt"],
    "RatchetSealOpenBenchmark": ["jdkAesGcmSeal", "jdkAesGcmOpen"],
    "RatchetRekeyBenchmark": ["hybridKem", "mlKem768", "x25519"],
    "MlsCreateGroupBenchmark": ["bcmls"],
    "MlsAddMemberBenchmark": ["bcmls"],
    "MlsProtectBenchmark": ["bcmlsProtect", "bcmlsProtectUnprotect"],
}

# class -> a note printed under its table
NOTES = {
    "MseHandshakeBenchmark": "One op = one complete MSE handshake between two local peers (RC4 selected, BitTorrent "
                             "handshakes exchanged, both sessions closed); handshakes/s = 1e6 / us/op. Floor: "
                             "`modexpBothSides`, the four 768-bit modPow of one handshake (all four lie on its "
                             "critical path).",
    "MseStreamBenchmark": "One op = one payload byte (16 KiB writes), so ops/s = bytes/s and `M` = MB/s. Floors: "
                          "`rc4Engine` (one RC4 pass: the bound when encryption and decryption overlap on two cores) "
                          "and `rc4EncryptDecrypt` (both passes in series).",
    "RatchetSealOpenBenchmark": "One op = one application message of `size` payload bytes, so MB/s = ops/s x size / "
                                "1e6 (see the ratchet section). `channel*` go through the public channel API "
                                "(`send`, a lane hop on a virtual thread, AES-256-GCM under the newest version, "
                                "replay window on open); `channelSendToDeliver` also crosses an in-memory transport. "
                                "Floors: one raw JDK `AES/GCM/NoPadding` encrypt / decrypt of the same size, 256-bit "
                                "key, 18-byte AAD.",
    "RatchetRekeyBenchmark": "`rekey`: one op = one complete rekey round between two in-process channels with the "
                             "real ML-KEM-768 + X25519 exchange (AliceToBob, BobToAlice, Truncate/LoserCanFinish, "
                             "LeaderCanFinish), so ops/s = rounds/s; `rekeyContended`: both ends trigger at once "
                             "(tie-break, one key pair wasted). Floors: `hybridKem` (the channel's own exchange: "
                             "generate + encapsulate + decapsulate), `mlKem768` (keygen + encaps + decaps), `x25519` "
                             "(two key pairs, two agreements).",
    "MlsCreateGroupBenchmark": "`client`: `MlsClient.createGroup()` awaited (client queue, JVM-wide MLS lane, "
                               "embedded delivery service, bookkeeping). `bcmls`: the same bcmls 1.84 calls on the "
                               "calling thread (leaf keys, signed leaf, `new Group`, signed GroupInfo).",
    "MlsAddMemberBenchmark": "One op = one add-member commit taking the group from 2 to 3 members (set-up outside the "
                             "measurement: a fresh key package for the new member before, a remove commit after). "
                             "`client`: `MlsClient.addMember` awaited (key-package claim and checks, commit, post "
                             "with the Welcome, log read-back, adoption). `bcmls`: decode + verify the key package, "
                             "commit, encode commit/Welcome/GroupInfo, adopt.",
    "MlsProtectBenchmark": "One op = one 1 KiB application message in a 2-member group. `clientSend`: "
                           "`MlsClient.send` awaited (protect + post). `clientSendToReceive`: from `send` to the other "
                           "client's listener holding the plaintext (protect, post, notification, sync, unprotect). "
                           "Baselines: bcmls protect + encode, and protect + encode + decode + unprotect, on the "
                           "calling thread. Both sides commit an update every 1,000 sends (the client's bound).",
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
w("Each table comes from one JMH run, so every figure stands beside its baselines measured in the same run; the commands that produced them are listed here.")
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
    if cls in NOTES:
        w("")
        w(NOTES[cls])
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
    goal("keyed mutex: <= 32 B allocated per acquire/release", a is not None and round(a) <= 32, f"{fmt(a, 0)} B/op")
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

mse = []
floor, one = find("MseHandshakeBenchmark", "modexpBothSides"), find("MseHandshakeBenchmark", "modexpOneSide")
for transport in ("Memory", "Tcp"):
    h = find("MseHandshakeBenchmark", "handshake" + transport)
    if h and floor:
        us = score(h)
        per_modexp = score(one) / 2 if one else score(floor) / 4
        mse.append(f"| handshakes/s, two local peers ({transport.lower()}) | {1e6 / us:,.0f}/s ({us:,.0f} us/op) "
                   f"| {1e6 / score(floor):,.0f}/s ({score(floor):,.0f} us: 4 modexps) | {us / score(floor):.2f}x the "
                   f"floor = {us / per_modexp:.1f} modexps |")
rc4, both = find("MseStreamBenchmark", "rc4Engine"), find("MseStreamBenchmark", "rc4EncryptDecrypt")
for transport in ("Memory", "Tcp"):
    st = find("MseStreamBenchmark", "rc4Session" + transport)
    plain = find("MseStreamBenchmark", "plainSession" + transport)
    if st and rc4 and both:
        mse.append(f"| RC4 stream, 16 KiB writes ({transport.lower()}) | {score(st) / 1e6:,.1f} MB/s "
                   f"| RC4Engine {score(rc4) / 1e6:,.1f} MB/s one pass, {score(both) / 1e6:,.1f} MB/s both passes "
                   f"| {score(st) / score(rc4):.2f}x one pass, {score(st) / score(both):.2f}x both |")
    if plain and st:
        mse.append(f"| plaintext-method stream, 16 KiB writes ({transport.lower()}) | {score(plain) / 1e6:,.1f} MB/s "
                   f"| none (no RC4) | {score(plain) / score(st):.2f}x the RC4 stream |")
if mse:
    w("## MSE handshake and stream (issue 3)")
    w("")
    w("| figure | this run | floor, same run | ratio |")
    w("|---|---|---|---|")
    out.extend(mse)
    w("")

ratchet = []
sizes = sorted({int(p.split("=", 1)[1]) for (c, p, _) in groups if c == "RatchetSealOpenBenchmark"
                and p.startswith("size=")})
for size in sizes:
    raw = {d: find("RatchetSealOpenBenchmark", "jdkAesGcm" + d, size=size) for d in ("Seal", "Open")}
    for d in ("Seal", "Open"):
        e = find("RatchetSealOpenBenchmark", "channel" + d, size=size)
        if e and raw[d]:
            ratchet.append(f"| {d.lower()}, {size:,} B messages | {score(e) * size / 1e6:,.1f} MB/s "
                           f"({fmt(score(e))} msg/s) | JDK AES-256-GCM {d.lower()} {score(raw[d]) * size / 1e6:,.1f} "
                           f"MB/s | {score(e) / score(raw[d]):.2f}x |")
    e = find("RatchetSealOpenBenchmark", "channelSendToDeliver", size=size)
    if e and raw["Seal"] and raw["Open"]:
        in_series = 1 / (1 / score(raw["Seal"]) + 1 / score(raw["Open"]))
        ratchet.append(f"| send -> deliver, {size:,} B messages (includes the in-memory transport) "
                       f"| {score(e) * size / 1e6:,.1f} MB/s ({fmt(score(e))} msg/s) | seal + open in series "
                       f"{in_series * size / 1e6:,.1f} MB/s (one core; the two lanes may overlap on two) "
                       f"| {score(e) / in_series:.2f}x |")
hk, mk, xk = (find("RatchetRekeyBenchmark", m) for m in ("hybridKem", "mlKem768", "x25519"))
for method, label in (("rekey", "rekey rounds/s, two in-process channels"),
                      ("rekeyContended", "contended rekeys/s (both ends trigger at once)")):
    rk = find("RatchetRekeyBenchmark", method)
    if rk and hk:
        parts = f" (ML-KEM-768 {score(mk):,.0f}/s, X25519 {score(xk):,.0f}/s)" if mk and xk else ""
        rounds = rk.get("secondaryMetrics", {}).get("rounds")
        per_s = rounds["score"] if rounds else score(rk)
        extra = f" ({per_s:,.0f} rounds/s)" if method == "rekeyContended" else ""
        ratchet.append(f"| {label}, ML-KEM-768 + X25519 | {score(rk):,.0f}/s{extra} "
                       f"| hybrid exchange alone {score(hk):,.0f}/s{parts} | {per_s / score(hk):.2f}x the exchange |")
if ratchet:
    w("## Ratchet channel: seal/open and rekey (issue 4)")
    w("")
    w("| figure | this run | floor, same run | ratio |")
    w("|---|---|---|---|")
    out.extend(ratchet)
    w("")

mls = []
for cls, method, base, label in (
        ("MlsCreateGroupBenchmark", "client", "bcmls", "create group"),
        ("MlsAddMemberBenchmark", "client", "bcmls", "add-member commit (2 -> 3 members)"),
        ("MlsProtectBenchmark", "clientSend", "bcmlsProtect", "send, 1 KiB (protect)"),
        ("MlsProtectBenchmark", "clientSendToReceive", "bcmlsProtectUnprotect",
         "send -> other client receives, 1 KiB (protect + unprotect)")):
    c, b = find(cls, method), find(cls, base)
    if c and b:
        mls.append(f"| {label} | {score(c):,.1f} us | {score(b):,.1f} us | {score(c) - score(b):+,.1f} us "
                   f"({score(c) / score(b):.2f}x) |")
if mls:
    w("## MLS client (issue 5): through the client vs bcmls directly")
    w("")
    w("| operation | through MlsClient | same bcmls calls directly, same run | client overhead (queue, lane, "
      "delivery service, bookkeeping) |")
    w("|---|---|---|---|")
    out.extend(mls)
    w("")
    w("Same bcmls calls, same cipher suite, same group shapes; a difference inside the `±` of the class tables "
      "above is noise. The last row also crosses the delivery service's notification and the receiver's queue.")
    w("")

w("## Goals (issue: benchmarks)")
w("")
w("| goal | result | figures |")
w("|---|---|---|")
out.extend(goals)
w("")
print("\n".join(out))
