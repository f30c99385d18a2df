#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A restricted run (--from/--to/--pid/--domain) against the whole run and
against itself, every output (README "Scope"):

- from the whole run (its --json with --top covering every isolation):
  the scope's isolations are exactly the whole run's whose requester is in
  the process/domain and whose request time is in [from, to), with the
  same wait, grant_delay and late threads; the scope's isolate_wait and
  grant_delay counts, min, max and exact percentiles, its stragglers and
  late threads (counts, delays, maxima) and requesting sites are those
  isolations' own; its threads are the whole run's of the process/domain
  (with no window: the same state times);
- against itself: the JSON and the timeline file read back (events,
  bounds, every latency number, lanes with their state times and
  isolations, isolation records, stalls), the --isolations CSV (one row
  per isolation, the same request, wait and grant_delay), the --csv
  intervals (within the window, adding up to state_ns), the Chrome trace
  (one isolation slice per isolation), and the plugin's JSON with the same
  parameters (byte for byte).

    scope-check.py TRACE ALL.json OUTDIR [--from T] [--to T] [--pid P] [--domain D]
Environment: RDV_ANALYZE, RDV_PLUGIN_DIR, RDV_CHECK_TIMELINE.
"""
import argparse
import collections
import csv
import json
import math
import os
import subprocess
import sys

STATES = ["running", "harmless", "idle", "blocked", "waiting", "isolated", "unknown"]
errors = []


def expect(what, got, want):
    if got != want:
        errors.append("%s: %r, want %r" % (what, got, want))


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=120, **kw)
    if r.returncode != 0:
        sys.exit("scope-check: %s failed (%d): %s" % (" ".join(cmd), r.returncode,
                                                      r.stderr.strip()))
    return r.stdout


def to_ns(t):
    for unit, mul in (("ns", 1), ("us", 1000), ("ms", 1000000), ("s", 1000000000)):
        if t.endswith(unit) and (unit != "s" or not t[-2:] in ("ns", "us", "ms")):
            return round(float(t[:-len(unit)]) * mul)
    return round(float(t) * 1000000000)


def rank(sorted_v, p):
    return sorted_v[max(0, math.ceil(p * len(sorted_v)) - 1)]


def key(x):
    return (x["vpid"], x["domain"], x["thread"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("all")
    ap.add_argument("out")
    ap.add_argument("--from", dest="frm")
    ap.add_argument("--to")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--domain", type=int)
    a = ap.parse_args()
    whole = json.load(open(a.all))
    args, params = [], []
    for opt, v in (("from", a.frm), ("to", a.to)):
        if v is not None:
            args += ["--" + opt, v]
            params.append('%s="%s"' % (opt, v))
    for opt, v in (("pid", a.pid), ("domain", a.domain)):
        if v is not None:
            args += ["--" + opt, str(v)]
            params.append("%s=%d" % (opt, v))
    o = a.out
    os.makedirs(o, exist_ok=True)
    run([os.environ["RDV_ANALYZE"], a.trace, "--json", o + "/r.json", "--top", "1000000",
         "--csv", o + "/c.csv", "--chrome", o + "/ch.json", "--isolations", o + "/i.csv",
         "--timeline", o + "/t.tl", "-q"] + args)
    run(["babeltrace2", "--plugin-path=" + os.environ["RDV_PLUGIN_DIR"], a.trace, "-c",
         "sink.rdv.analyze", "-p",
         ",".join(['json-path="%s/p.json"' % o, "top=1000000", "print-report=no"] + params)])
    if open(o + "/r.json", "rb").read() != open(o + "/p.json", "rb").read():
        errors.append("the plugin's JSON differs from rdv-analyze's")
    tl = json.loads(run([os.environ["RDV_CHECK_TIMELINE"], o + "/t.tl"]))
    rep = json.load(open(o + "/r.json"))
    t0 = whole["begin_ns"]
    b = t0 + to_ns(a.frm) if a.frm is not None else 0
    e = t0 + to_ns(a.to) if a.to is not None else 1 << 64

    def in_scope(x):
        return (a.pid is None or x["vpid"] == a.pid) and \
            (a.domain is None or x["domain"] == a.domain)

    # -- from the whole run
    # (a grant whose request a gap hid has an isolation record, no wait:
    # no request time, in no window, and not in longest_waits)
    if len(whole["longest_waits"]) != whole["latency"]["isolate_wait"]["count"]:
        sys.exit("scope-check: the whole run's --top does not cover every isolation")
    sel = [w for w in whole["longest_waits"] if in_scope(w) and b <= w["request_ns"] < e]
    norm = lambda w: json.dumps(w, sort_keys=True)
    expect("isolations", sorted(map(norm, rep["longest_waits"])), sorted(map(norm, sel)))
    waits = sorted(w["wait_ns"] for w in sel)
    gds = sorted(w["grant_delay_ns"] for w in sel if w["grant_delay_ns"] is not None)
    for name, v in (("isolate_wait", waits), ("grant_delay", gds)):
        lat = rep["latency"][name]
        if name == "isolate_wait":
            # (a wait cut by a gap has no sample but its isolation a record)
            v = sorted(w["wait_ns"] for w in sel if w.get("wait_ns") is not None)
        if lat["skipped_gap"]:
            continue  # the samples' own set is not in the report then
        expect(name + " count", lat["count"], len(v))
        if v:
            for k, p in (("p50_ns", .5), ("p90_ns", .9), ("p99_ns", .99), ("p999_ns", .999)):
                if len(v) <= 4096:
                    expect("%s %s" % (name, k), lat[k], rank(v, p))
            expect(name + " min", lat["min_ns"], v[0])
            expect(name + " max", lat["max_ns"], v[-1])
    agg = {"late_threads": collections.defaultdict(lambda: [0, 0, 0]),
           "stragglers": collections.defaultdict(lambda: [0, 0, 0])}
    for w in sel:
        for l in w["late"]:
            if l["delay_ns"] is None:
                continue
            for name in ("late_threads", "stragglers"):
                if name == "stragglers" and not l["straggler"]:
                    continue
                x = agg[name][key(l)]
                x[0] += 1
                x[1] += l["delay_ns"]
                x[2] = max(x[2], l["delay_ns"])
    for name in ("late_threads", "stragglers"):
        expect(name, {key(t): [t["count"], t["delay_ns"], t["max_ns"]] for t in rep[name]},
               {k: v for k, v in agg[name].items()})
    reqs = collections.Counter((w["vpid"], w["domain"], w["site"]["address"] if w["site"] else None,
                                w["full"]) for w in sel)
    expect("requesters", {(r["vpid"], r["domain"], r["site"]["address"] if r["site"] else None,
                           r["full"]): r["count"] for r in rep["requesters"]}, dict(reqs))
    wt = {key(t): t for t in whole["threads"] if in_scope(t)}
    if a.frm is None and a.to is None:
        expect("threads", {k: t["state_ns"] for k, t in wt.items()},
               {key(t): t["state_ns"] for t in rep["threads"]})
    else:
        for t in rep["threads"]:
            if key(t) not in wt:
                errors.append("thread %r not in the whole run's scope" % (key(t),))
                continue
            for s in STATES:
                if t["state_ns"][s] > wt[key(t)]["state_ns"][s]:
                    errors.append("thread %r: %s %d more than the whole run's" % (
                        key(t), s, t["state_ns"][s]))
            if sum(t["state_ns"].values()) > min(e, rep["end_ns"]) - max(b, rep["begin_ns"]):
                errors.append("thread %r: more state time than the window" % (key(t),))
    expect("stalls", rep["stalls"],
           [s for s in whole["stalls"] if in_scope(s) and b <= s["time_ns"] < e])
    # -- against itself
    for k in ("events", "discarded_events", "begin_ns", "end_ns", "straggler_skipped_gap"):
        expect("timeline " + k, tl[k], rep[k])
    for name, lat in rep["latency"].items():
        for k, v in lat.items():
            got = tl["latency"][name][k]
            if k == "mean_ns":
                expect("timeline %s mean" % name, abs(got - v) <= 0.0005 + 1e-12 * v, True)
            else:
                expect("timeline %s %s" % (name, k), got, v)
    lanes = {key(l): l for l in tl["lanes"]}
    expect("timeline lanes", sorted(lanes), sorted(key(t) for t in rep["threads"]))
    for t in rep["threads"]:
        l = lanes.get(key(t))
        if l:
            expect("timeline lane %r state" % (key(t),), l["state_ns"],
                   [t["state_ns"][s] for s in STATES])
            expect("timeline lane %r isolations" % (key(t),), l["isolations"], t["isolations"])
    # (flags 0x1: the request is known; else request_ns is the grant's)
    expect("timeline isolations", sorted((i["request_ns"], i["grant_ns"] - i["request_ns"])
                                         for i in tl["isolations"] if i["flags"] & 1),
           sorted((w["request_ns"], w["wait_ns"]) for w in rep["longest_waits"]))
    expect("timeline stalls", tl["nstalls"], len(rep["stalls"]))
    rows = list(csv.DictReader(open(o + "/i.csv")))
    opt = lambda v: int(v) if v != "" else None
    expect("--isolations rows", len(rows), len(tl["isolations"]))
    expect("--isolations rows", sorted((int(r["request_ns"]), opt(r["wait_ns"]),
                                        opt(r["grant_delay_ns"])) for r in rows
                                       if r["request_ns"] != ""),
           sorted((w["request_ns"], w["wait_ns"], w["grant_delay_ns"])
                  for w in rep["longest_waits"]))
    sums = collections.defaultdict(lambda: dict.fromkeys(STATES, 0))
    with open(o + "/c.csv") as f:
        for r in csv.DictReader(f):
            bb, ee = int(r["begin_ns"]), int(r["end_ns"])
            if bb < b or ee > e:
                errors.append("--csv interval %r outside the window" % (r,))
            sums[(int(r["vpid"]), int(r["domain"]), int(r["thread"]))][r["state"]] += ee - bb
    for t in rep["threads"]:
        expect("--csv %r" % (key(t),), sums.get(key(t), dict.fromkeys(STATES, 0)), t["state_ns"])
    ch = json.load(open(o + "/ch.json"))["traceEvents"]
    expect("chrome isolation slices",
           sum(1 for x in ch if x.get("ph") == "X" and x.get("cat") == "isolation"),
           len(tl["isolations"]))
    for r in rows:
        if r["request_ns"] == "" and r["wait_ns"] != "":
            errors.append("--isolations: a wait without its request: %r" % (r,))
    for x in errors[:40]:
        print("scope-check: " + (x if len(x) < 2000 else x[:2000] + "…"), file=sys.stderr)
    if errors:
        sys.exit(1)
    print("scope-check %s: %d of %d isolations, %d of %d threads; every output agrees" % (
        " ".join(args), len(sel), len(whole["longest_waits"]), len(rep["threads"]),
        len(whole["threads"])))


if __name__ == "__main__":
    main()
