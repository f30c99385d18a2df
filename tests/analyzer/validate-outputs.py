#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks rdv-analyze outputs against each other and the DESIGN.md §4
schema (rdv-analyze/2): the JSON report's keys and types (SITEs, blame,
requesters, stalls), the CSV (its intervals add up to each thread's
state_ns, in time order per thread, without overlap) and the Chrome trace
(valid JSON, state X events whose durations add up to state_ns, one
isolation slice per grant with its late threads, a flow pair per late
thread, counters).

    validate-outputs.py REPORT.json [--csv F] [--chrome F]
"""
import argparse
import csv
import json
import sys

STATES = ["running", "harmless", "idle", "blocked", "waiting", "isolated", "unknown"]
LAT_KEYS = ["count", "min_ns", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns",
            "started", "skipped_gap", "unfinished", "timed_out"]
errors = []


def check(cond, what):
    if not cond:
        errors.append(what)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--csv")
    ap.add_argument("--chrome")
    a = ap.parse_args()
    rep = json.load(open(a.report))
    check(rep.get("format") == "rdv-analyze/2", "format")
    for k in ("events", "discarded_events", "begin_ns", "end_ns"):
        check(is_int(rep.get(k)), "top-level key " + k)
    check(rep["begin_ns"] <= rep["end_ns"], "begin_ns <= end_ns")
    keys = set()
    span = rep["end_ns"] - rep["begin_ns"]
    for t in rep["threads"]:
        for k in ("vpid", "domain", "thread", "isolations"):
            check(is_int(t.get(k)), "thread key " + k)
        check(isinstance(t.get("os_tid"), int), "thread os_tid")
        key = (t["vpid"], t["domain"], t["thread"])
        check(key not in keys, "one entry per (vpid, domain, thread): %r" % (key,))
        keys.add(key)
        check(all(is_int(t["state_ns"].get(s)) for s in STATES), "state_ns keys of %r" % (key,))
        check(sum(t["state_ns"].values()) <= span, "state time of %r within the trace" % (key,))
    def check_latency(name, l):
        check(all(k in l for k in LAT_KEYS), "latency keys of " + name)
        check(l["started"] == l["count"] + l["skipped_gap"] + l["unfinished"] + l["timed_out"],
              "every start of %s ends one way" % name)
        if l["count"]:
            seq = [l["min_ns"], l["p50_ns"], l["p90_ns"], l["p99_ns"], l["p999_ns"], l["max_ns"]]
            check(seq == sorted(seq), "percentiles of %s in order: %r" % (name, seq))
            check(l["min_ns"] <= l["mean_ns"] <= l["max_ns"], "mean of " + name)

    def check_site(s, what):
        if s is None:
            return
        check(set(s) - {"inlined"} == {"address", "object", "function", "file", "line"},
              what + " keys")
        check(isinstance(s["address"], str) and s["address"].startswith("0x"), what + " address")
        check(is_int(s["line"]), what + " line")
        for k in ("object", "function", "file"):
            check(s[k] is None or isinstance(s[k], str), what + " " + k)
        check(s["line"] == 0 or s["file"] is not None, what + ": a line without a file")

    for name in ("isolate_wait", "isolation_hold", "blocked", "grant_delay"):
        check_latency(name, rep["latency"][name])
    grants = sum(t["isolations"] for t in rep["threads"])
    for key in ("stragglers", "late_threads"):
        for s in rep[key]:
            check((s["vpid"], s["domain"], s["thread"]) in keys, key + " entry is a thread")
            check(is_int(s["count"]) and s["count"] > 0 and is_int(s["delay_ns"]) and
                  is_int(s["max_ns"]) and s["max_ns"] <= s["delay_ns"], key + " values")
            check(sum(x["count"] for x in s["sections"]) == s["count"], key + " sections count")
            check(sum(x["delay_ns"] for x in s["sections"]) == s["delay_ns"], key + " sections delay")
            for x in s["sections"]:
                check_site(x["from"], key + " from")
                check_site(x["to"], key + " to")
    check(sum(s["count"] for s in rep["stragglers"]) <= grants, "at most one straggler per grant")
    check(sum(s["count"] for s in rep["stragglers"]) + rep["straggler_skipped_gap"] <= grants,
          "stragglers and skipped within the grants")
    check(sum(r["count"] for r in rep["requesters"]) <= grants, "requesters count grants")
    for r in rep["requesters"]:
        check_site(r["site"], "requester site")
        check(isinstance(r["full"], bool), "requester full")
        for name in ("isolate_wait", "isolation_hold", "grant_delay"):
            check_latency("requester " + name, r[name])
    for name in ("isolate_wait", "isolation_hold", "grant_delay"):
        check(sum(r[name]["count"] for r in rep["requesters"]) <= rep["latency"][name]["count"],
              "requesters' %s within the total" % name)
    for st in rep["stalls"]:
        check(all(is_int(st[k]) for k in ("vpid", "domain", "thread", "time_ns", "waited_ns")),
              "stall keys")
        check(all(is_int(x) for x in st["late"]), "stall late threads")

    if a.csv:
        sums = {}
        last = {}
        with open(a.csv) as f:
            rows = csv.reader(f)
            check(next(rows) == ["vpid", "domain", "thread", "state", "begin_ns", "end_ns"],
                  "CSV header")
            for r in rows:
                key = (int(r[0]), int(r[1]), int(r[2]))
                b, e = int(r[4]), int(r[5])
                check(r[3] in STATES and b < e, "CSV row %r" % (r,))
                check(last.get(key, 0) <= b, "CSV intervals of %r in order" % (key,))
                last[key] = e
                d = sums.setdefault(key, {s: 0 for s in STATES})
                d[r[3]] += e - b
        for t in rep["threads"]:
            key = (t["vpid"], t["domain"], t["thread"])
            check(sums.get(key, {s: 0 for s in STATES}) == t["state_ns"],
                  "CSV adds up to state_ns for %r" % (key,))

    if a.chrome:
        doc = json.load(open(a.chrome))
        evs = doc["traceEvents"]
        names = {}
        dur = {}
        flows = {}
        counters = 0
        slices = late = 0
        for e in evs:
            if e["ph"] == "M" and e["name"] == "thread_name":
                names[(e["pid"], e["tid"])] = e["args"]["name"]
            elif e["ph"] == "X" and e.get("cat") == "isolation":
                slices += 1
                late += sum(1 for x in e["args"]["late"] if x["delay_ns"] is not None)
            elif e["ph"] == "X":
                check(e["name"] in STATES and e["dur"] >= 0, "X event %r" % (e,))
                k = (e["pid"], e["tid"])
                dur.setdefault(k, {s: 0.0 for s in STATES})[e["name"]] += e["dur"]
            elif e["ph"] in ("s", "f"):
                flows.setdefault(e["id"], []).append(e["ph"])
            elif e["ph"] == "C":
                counters += 1
        check(all(sorted(v) == ["f", "s"] for v in flows.values()), "flow events in pairs")
        check(slices == grants, "one isolation slice per grant")
        check(len(flows) == late == sum(s["count"] for s in rep["late_threads"]),
              "one flow per late thread of an isolation")
        check(counters > 0 or not rep["threads"], "a harmless-count counter track")
        total_x = {s: sum(d[s] for d in dur.values()) for s in STATES}
        total_r = {s: sum(t["state_ns"][s] for t in rep["threads"]) / 1000.0 for s in STATES}
        for s in STATES:
            check(abs(total_x[s] - total_r[s]) <= 0.002 * len(evs) + 1e-6,
                  "Chrome %s time %.3f us vs report %.3f us" % (s, total_x[s], total_r[s]))
        check(len(names) == len(rep["threads"]), "one Chrome track per thread")

    for e in errors:
        print("validate-outputs: " + e, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
