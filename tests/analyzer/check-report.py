#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An independent reference for rdv-analyze, in Python bt2: recomputes the
DESIGN.md §4 metrics of a trace without gaps (state time per thread,
isolations, latency count/min/max/mean and exact nearest-rank percentiles)
and compares them with an rdv-analyze JSON report. Blame (late threads,
stragglers, grant_delay) has its own reference: blame-check.py.

    check-report.py TRACE_DIR REPORT.json
"""
import json
import math
import sys

import bt2

STATES = ["running", "harmless", "idle", "blocked", "waiting", "isolated", "unknown"]


def state_of(t):
    if t["W"]:
        return "isolated" if (t["granted"] or not t["H"]) else "waiting"
    if not t["H"]:
        return "running"
    if t["blocked"]:
        return "blocked"
    return "idle" if t["I"] else "harmless"


def main():
    trace, report_path = sys.argv[1], sys.argv[2]
    rep = json.load(open(report_path))
    threads = {}
    lat = {"isolate_wait": [], "isolation_hold": [], "blocked": []}
    pending = {}  # (vpid, domain) -> {requester key: request time}
    last_ts = {}
    events = 0
    discarded = 0
    begin = end = None

    def close(t, ts):
        if t["active"] and ts > t["since"]:
            t["state_ns"][t["state"]] += ts - t["since"]
        t["since"] = ts

    for msg in bt2.TraceCollectionMessageIterator(trace):
        if type(msg) is bt2._DiscardedEventsMessageConst:
            discarded += msg.count or 0
            continue
        if type(msg) is not bt2._EventMessageConst:
            continue
        ev = msg.event
        if not ev.name.startswith("rdv:"):
            continue
        events += 1
        ts = msg.default_clock_snapshot.ns_from_origin
        begin = ts if begin is None else begin
        end = ts
        vpid = int(ev.common_context_field["vpid"])
        p = ev.payload_field
        dom = int(p["domain"])
        last_ts[vpid] = ts
        if ev.name in ("rdv:domain_create", "rdv:domain_destroy"):
            continue
        key = (vpid, dom, int(p["thread"]))
        t = threads.setdefault(key, dict(active=False, state="unknown", since=ts,
                                         state_ns={s: 0 for s in STATES}, isolations=0,
                                         os_tid=0))
        reqs = pending.setdefault((vpid, dom), {})
        if ev.name == "rdv:thread_register":
            close(t, ts)
            t.update(active=True, W=0, H=0, I=0, blocked=0, granted=0, state="running",
                     since=ts, os_tid=int(p["os_tid"]), req=None, hold=None, blk=None)
            continue
        if ev.name == "rdv:thread_unregister":
            close(t, ts)
            t["active"] = False
            reqs.pop(key, None)
            continue
        if ev.name != "rdv:mask_change":
            continue
        assert t["active"], "thread seen before its registration: not a gap-free trace"
        op = p["op"].labels[0]
        mask = p["mask"].labels[0]
        bit = 1 if int(p["new"]) & (1 << (key[2] % 64)) else 0
        m = {"harmless": "H", "want_rdv": "W", "idle": "I"}[mask]
        t[m] = bit
        if m == "H" and bit:
            t["blocked"] = op == "harmless_wait"
            if op == "harmless_wait":
                t["blk"] = ts
        if m == "H" and not bit:
            t["blocked"] = False
            if t["blk"] is not None:
                lat["blocked"].append(ts - t["blk"])
                t["blk"] = None
            if op == "isolate_grant":
                t["granted"] = 1
                t["isolations"] += 1
                r = reqs.pop(key, None)
                if r is not None:
                    lat["isolate_wait"].append(ts - r)
                t["hold"] = ts
        if m == "W":
            t["granted"] = 0
            if bit and op in ("isolate_request", "isolate_full_request"):
                reqs[key] = ts
            if not bit:
                reqs.pop(key, None)
                if t["hold"] is not None and op == "release":
                    lat["isolation_hold"].append(ts - t["hold"])
                t["hold"] = None
        s = state_of(t)
        if s != t["state"]:
            close(t, ts)
            t["state"] = s
    for key, t in threads.items():
        if t["active"]:
            close(t, last_ts[key[0]])

    errors = []

    def expect(what, got, want, tol=0.0):
        if (tol == 0 and got != want) or (tol and abs(got - want) > tol * max(abs(want), 1)):
            errors.append("%s: report %r, reference %r" % (what, got, want))

    expect("events", rep["events"], events)
    expect("discarded_events", rep["discarded_events"], discarded)
    expect("begin_ns", rep["begin_ns"], begin)
    expect("end_ns", rep["end_ns"], end)
    got_threads = {(x["vpid"], x["domain"], x["thread"]): x for x in rep["threads"]}
    expect("thread keys", sorted(got_threads), sorted(threads))
    for key, t in threads.items():
        g = got_threads.get(key)
        if not g:
            continue
        for s in STATES:
            expect("%s state_ns.%s" % (key, s), g["state_ns"][s], t["state_ns"][s])
        expect("%s isolations" % (key,), g["isolations"], t["isolations"])
        expect("%s os_tid" % (key,), g["os_tid"], t["os_tid"])
    for name, v in lat.items():
        g = rep["latency"][name]
        v.sort()
        expect(name + ".count", g["count"], len(v))
        if not v:
            continue
        expect(name + ".min_ns", g["min_ns"], v[0])
        expect(name + ".max_ns", g["max_ns"], v[-1])
        expect(name + ".mean_ns", g["mean_ns"], sum(v) / len(v), 1e-6)
        for k, p in (("p50_ns", 0.5), ("p90_ns", 0.9), ("p99_ns", 0.99), ("p999_ns", 0.999)):
            ref = v[max(1, math.ceil(p * len(v) - 1e-9)) - 1]
            expect(name + "." + k, g[k], ref, 0.01)
    for e in errors:
        print("check-report: " + e, file=sys.stderr)
    if errors:
        sys.exit(1)
    print("check-report: %s agrees with the reference (%d events, %d threads, %d isolations)"
          % (report_path, events, len(threads), len(lat["isolate_wait"])))


if __name__ == "__main__":
    main()
