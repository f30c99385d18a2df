#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One analysis, one set of numbers (issue 10, DESIGN.md §5): on a trace,
every tool must show the same events, threads, discarded events, isolations,
latency counts and percentiles (grant_delay included), stragglers, and the
blame of every isolation (its late threads, their delays and sites, its
straggler and grant_delay; issue 11):

- rdv-trace's summary (summary-dump: the function rdv-trace calls, or the
  line rdv-trace record printed, --record-log),
- rdv-analyze's text report and its --json,
- the plugin sink.rdv.analyze (report and json-path),
- the --timeline file read back (check-timeline),
- rdv-view's model on the timeline file and on the trace directory
  (model-numbers: the numbers its latency panel and straggler list draw).

It also checks the samples against the trace itself (Python bt2): for each
latency, count + skipped_gap + unfinished + timed_out equals the starts the
trace holds (requests, grants, harmless_wait), and the discarded events
are the trace's.

    consistency.py TRACE [--record-log FILE] [--want-discarded]
Environment: RDV_ANALYZE, RDV_PLUGIN_DIR, RDV_CHECK_TIMELINE,
RDV_SUMMARY_DUMP, RDV_MODEL_NUMBERS (optional: skipped when the viewer is
not built).
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

import bt2

LATS = ["isolate_wait", "isolation_hold", "blocked", "grant_delay"]
NUMS = ["count", "min_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"]
errors = []


def expect(what, got, want):
    if got != want:
        errors.append("%s: %r, want %r" % (what, got, want))


def run(*cmd, stdout=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    if r.returncode != 0:
        sys.exit("consistency: %s failed (%d): %s" % (" ".join(cmd), r.returncode,
                                                      r.stderr.strip()))
    return r.stdout


def parse_report(text):
    """The numbers of rdv-analyze's human report."""
    out = {"latency": {}}
    m = re.search(r"^rdv-analyze: (\d+) rdv events, (\d+) threads", text, re.M)
    out["events"], out["threads"] = int(m.group(1)), int(m.group(2))
    m = re.search(r"^WARNING: (\d+) events discarded", text, re.M)
    out["discarded_events"] = int(m.group(1)) if m else None
    if not m and re.search(r"^No discarded events\.", text, re.M):
        out["discarded_events"] = 0
    for name in LATS:
        m = re.search(r"^%s +(\d+) +(\d+) +([\d.]+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$"
                      % name, text, re.M)
        v = [float(x) if i == 2 else int(x) for i, x in enumerate(m.groups())]
        out["latency"][name] = {"count": v[0], "min_ns": v[1], "mean_ns": v[2],
                                "p50_ns": v[3], "p90_ns": v[4], "p99_ns": v[5],
                                "p999_ns": v[6], "max_ns": v[7], "skipped_gap": v[8]}
    blame = text[text.index("\nWho held isolations back"):text.index("\nRequesting sites")]
    out["late_threads"] = [tuple(int(x) for x in m.groups()) for m in re.finditer(
        r"^ *(\d+) +(\d+) +(\d+) +(-?\d+) .{16} +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$", blame,
        re.M)]
    sites = text[text.index("\nRequesting sites"):]
    sites = sites[:sites.index("\nLongest waits") if "\nLongest waits" in sites else len(sites)]
    out["requesters"] = [(int(m.group(1)), int(m.group(2)), m.group(3) == "full") +
                         tuple(int(x) for x in m.groups()[3:]) for m in re.finditer(
        r"^ *(\d+) +(\d+) (plain|full) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)  ",
        sites, re.M)]
    return out


def parse_record_log(text):
    m = re.search(r"rdv-trace: (\d+) events, (\d+) discarded, (\d+) threads", text)
    if not m:
        sys.exit("consistency: no summary line in the rdv-trace log")
    return {"events": int(m.group(1)), "discarded_events": int(m.group(2)),
            "threads": int(m.group(3))}


def trace_facts(trace):
    """What the trace itself holds (Babeltrace2's Python bindings)."""
    starts = {"isolate_wait": 0, "isolation_hold": 0, "blocked": 0}
    events = discarded = 0
    for msg in bt2.TraceCollectionMessageIterator(trace):
        if type(msg) is bt2._DiscardedEventsMessageConst:
            discarded += msg.count or 0
            continue
        if type(msg) is not bt2._EventMessageConst or not msg.event.name.startswith("rdv:"):
            continue
        events += 1
        ev = msg.event
        if ev.name != "rdv:mask_change":
            continue
        op = set(ev["op"].labels)
        mask = set(ev["mask"].labels)
        bit = 1 << (int(ev["thread"]) % 64)
        is_set = bool(int(ev["new"]) & bit)
        if "want_rdv" in mask and is_set and op & {"isolate_request", "isolate_full_request"}:
            starts["isolate_wait"] += 1
        if "harmless" in mask and not is_set and "isolate_grant" in op:
            starts["isolation_hold"] += 1
        if "harmless" in mask and is_set and "harmless_wait" in op:
            starts["blocked"] += 1
    return events, discarded % (1 << 64), starts


def site_key(s):
    """(address, function, file, line) of a JSON or timeline site."""
    if s is None:
        return None
    addr = s["address"]
    return (int(addr, 16) if isinstance(addr, str) else addr, s["function"], s["file"],
            s["line"])


def check_blame(rep, txt, tlj, views):
    """Every isolation's blame, as the JSON, the timeline file and the
    viewer's model have it; the report's blame and site tables."""
    key = lambda x: (x["vpid"], x["domain"], x["thread"])
    lanes = [key(l) for l in tlj["lanes"]]
    # longest_waits lists the isolations with a wait sample (a request lost
    # in a gap has none): all of them with this --top
    waits = {(key(w), w["request_ns"]): w for w in rep["longest_waits"]}
    expect("longest_waits: every measured wait", len(waits), rep["latency"]["isolate_wait"]["count"])
    ref = {}
    for k, w in waits.items():
        strag = [key(l) for l in w["late"] if l["straggler"]]
        ref[k] = dict(full=w["full"], grant_delay=w["grant_delay_ns"],
                      straggler=strag[0] if strag else None,
                      late={key(l): (l["delay_ns"], site_key(l["from"]), site_key(l["to"]))
                            for l in w["late"]},
                      site=site_key(w["site"]))
    tl = {}
    expect("timeline isolations", len(tlj["isolations"]), sum(t["isolations"] for t in rep["threads"]))
    for x in tlj["isolations"]:
        if not x["flags"] & 2:
            continue  # no wait sample: not in longest_waits
        late = {lanes[l["lane"]]: (l["delay_ns"] if l["flags"] & 2 else None,
                                   site_key(l["from"]), site_key(l["to"])) for l in x["late"]}
        tl[(lanes[x["lane"]], x["request_ns"])] = dict(
            full=bool(x["full"]), grant_delay=x["grant_delay_ns"] if x["flags"] & 8 else None,
            straggler=lanes[x["straggler_lane"]] if x["straggler_lane"] >= 0 else None,
            late=late, site=site_key(x["site"]))
    expect("timeline blame", tl, ref)
    fn = lambda s: (s[1] or "") if s else ""
    for name, v in views.items():
        got = {(lanes[x["lane"]], x["request_ns"]): (
            lanes[x["straggler"]] if x["straggler"] >= 0 else None, x["grant_delay_ns"],
            {lanes[l["lane"]]: (l["delay_ns"], l["from"], l["to"]) for l in x["late"]})
            for x in v["blame"] if (lanes[x["lane"]], x["request_ns"]) in ref}
        expect(name + " isolations", len(v["blame"]), len(tlj["isolations"]))
        want = {k: (r["straggler"], r["grant_delay"],
                    {lk: (lv[0] or 0, fn(lv[1]), fn(lv[2])) for lk, lv in r["late"].items()})
                for k, r in ref.items()}
        expect(name + " blame", got, want)
    # the report's tables (its first 10 late threads; every requesting site)
    # late: count, delay, max; straggler: count, delay (stragglers[], rdv-view's list)
    sd = {(x["vpid"], x["domain"], x["thread"]): x["delay_ns"] for x in rep["stragglers"]}
    lt = [(t["vpid"], t["domain"], t["thread"], t["os_tid"], t["count"], t["delay_ns"],
           t["max_ns"], t["straggler_count"], sd.get((t["vpid"], t["domain"], t["thread"]), 0))
          for t in rep["late_threads"]][:10]
    expect("report: who held isolations back", txt["late_threads"], lt)
    rq = [(r["vpid"], r["domain"], r["full"], r["count"], r["isolate_wait"]["p50_ns"],
           r["isolate_wait"]["p99_ns"], r["isolate_wait"]["max_ns"],
           r["isolation_hold"]["p50_ns"], r["isolation_hold"]["max_ns"],
           r["grant_delay"]["p50_ns"], r["grant_delay"]["p99_ns"]) for r in rep["requesters"]]
    expect("report: requesting sites", txt["requesters"], rq)


def check_isolations_csv(rep, path):
    """The --isolations rows (written as the trace goes) name each site as
    the JSON (written at the end) does: a site named in one is named, the
    same function, in the other."""
    key = lambda x: (x["vpid"], x["domain"], x["thread"])
    waits = {(key(w), w["request_ns"]): w for w in rep["longest_waits"]}
    label = lambda s: None if s is None or s["function"] is None else s["function"]
    # (a site label is "function (file:line)" when the function is known,
    # else "object+0x…" or "0x…")
    csv_fn = lambda v: v.split(" (")[0] if " (" in v else None
    n = 0
    with open(path) as f:
        for r in csv.DictReader(f):
            if r["request_ns"] == "":
                continue
            w = waits.get(((int(r["vpid"]), int(r["domain"]), int(r["thread"])),
                           int(r["request_ns"])))
            if w is None:
                continue
            n += 1
            strag = [l for l in w["late"] if l["straggler"]]
            got = (csv_fn(r["site"]), csv_fn(r["straggler_from"]), csv_fn(r["straggler_to"]))
            want = (label(w["site"]), label(strag[0]["from"]) if strag else None,
                    label(strag[0]["to"]) if strag else None)
            if got != want:
                expect("--isolations sites of %r at %s" % (key(w), r["request_ns"]), got, want)
    expect("--isolations rows with their wait", n, len(waits))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--record-log")
    ap.add_argument("--want-discarded", action="store_true")
    a = ap.parse_args()
    env = os.environ
    tmp = tempfile.mkdtemp(prefix="rdv-consistency.")
    j, tl, pj = (os.path.join(tmp, n) for n in ("r.json", "t.rdvtl", "p.json"))

    # --top: every isolation's blame in the JSON (longest_waits)
    iso_csv = os.path.join(tmp, "i.csv")
    text = run(env["RDV_ANALYZE"], a.trace, "--json", j, "--timeline", tl, "--top", "1000000",
               "--isolations", iso_csv)
    rep = json.load(open(j))
    ptext = run("babeltrace2", "--plugin-path=" + env["RDV_PLUGIN_DIR"], a.trace,
                "-c", "sink.rdv.analyze", "-p", 'json-path="%s",top=1000000' % pj)
    plug = json.load(open(pj))
    tlj = json.loads(run(env["RDV_CHECK_TIMELINE"], tl))
    summ = json.loads(run(env["RDV_SUMMARY_DUMP"], a.trace))
    views = {}
    if env.get("RDV_MODEL_NUMBERS"):
        views["viewer model (timeline)"] = json.loads(run(env["RDV_MODEL_NUMBERS"], tl))
        views["viewer model (trace dir)"] = json.loads(run(env["RDV_MODEL_NUMBERS"], a.trace))

    expect("plugin JSON", plug, rep)
    expect("plugin report", ptext, text)
    txt = parse_report(text)
    threads = len(rep["threads"])
    isolations = sum(t["isolations"] for t in rep["threads"])
    stragglers = sorted((s["vpid"], s["domain"], s["thread"], s["count"], s["delay_ns"])
                        for s in rep["stragglers"])
    lat = rep["latency"]

    # events, threads, discarded events
    for name, src in [("report", txt), ("timeline", tlj), ("summary", summ)] + \
            list(views.items()):
        expect(name + " events", src["events"], rep["events"])
        expect(name + " discarded", src["discarded_events"], rep["discarded_events"])
    for name, src in [("report", txt), ("summary", summ)] + list(views.items()):
        expect(name + " threads", src["threads"], threads)
    expect("timeline lanes", len(tlj["lanes"]), threads)
    if a.record_log:
        rec = parse_record_log(open(a.record_log).read())
        for k in ("events", "discarded_events", "threads"):
            expect("rdv-trace record " + k, rec[k], summ[k] if k != "threads" else threads)
    # isolations
    expect("summary isolations", summ["isolations"], isolations)
    expect("timeline isolation records", tlj["nisolations"], isolations)
    expect("timeline isolations", sum(l["isolations"] for l in tlj["lanes"]), isolations)
    for name, v in views.items():
        expect(name + " isolations", v["isolations"], isolations)
        expect(name + " stragglers",
               sorted((s["vpid"], s["domain"], s["thread"], s["count"], s["delay_ns"])
                      for s in v["stragglers"]), stragglers)
    expect("timeline waits", tlj["isolation_waits"], lat["isolate_wait"]["count"])
    expect("timeline holds", tlj["isolation_holds"], lat["isolation_hold"]["count"])
    # latency counts and percentiles
    for name in LATS:
        want = lat[name]
        for src_name, src in [("report", txt["latency"][name]),
                              ("timeline", tlj["latency"][name])]:
            for k in NUMS + ["skipped_gap"]:
                expect("%s %s.%s" % (src_name, name, k), src[k], want[k])
            # the report shows one decimal, the JSON three: the same mean
            # when the report's is the JSON's to the nearest 0.1 (rounding
            # the JSON's already rounded value again may go the other way:
            # 558283.05 is 558283.0498… in the analysis)
            expect("%s %s.mean" % (src_name, name),
                   abs(src["mean_ns"] - want["mean_ns"]) <= 0.0505 + 1e-9 * want["mean_ns"], True)
        for src_name, src in [(n, v["latency"][name]) for n, v in views.items()]:
            for k in NUMS:
                expect("%s %s.%s" % (src_name, name, k), src[k], want[k])
            # the model keeps the mean to the ns
            expect("%s %s.mean" % (src_name, name), abs(src["mean_ns"] - want["mean_ns"]) <= 0.5,
                   True)
        for k in ("started", "unfinished", "timed_out"):
            expect("timeline %s.%s" % (name, k), tlj["latency"][name][k], want[k])
    check_blame(rep, txt, tlj, views)
    check_isolations_csv(rep, iso_csv)
    w = lat["isolate_wait"]
    expect("summary isolate_wait", summ["isolate_wait"],
           {"count": w["count"], "p50_ns": w["p50_ns"], "p99_ns": w["p99_ns"]})
    # against the trace itself
    events, discarded, starts = trace_facts(a.trace)
    expect("events in the trace", rep["events"], events)
    expect("discarded in the trace", rep["discarded_events"], discarded)
    if a.want_discarded and discarded == 0:
        errors.append("the trace lost no event: this run cannot show the discarded count")
    for name in LATS:
        v = lat[name]
        if name == "grant_delay":
            # one start per grant whose request was seen: without lost
            # events, every measured wait; always within the grants
            g = lat["isolation_hold"]["started"]
            expect("grant_delay starts within the grants", v["started"] <= g, True)
            if not discarded and not rep["discarded_packets"]:
                expect("grant_delay starts", v["started"], lat["isolate_wait"]["count"])
            expect("grant_delay count + skipped", v["count"] + v["skipped_gap"], v["started"])
            continue
        expect(name + " starts in the trace", v["started"], starts[name])
        expect(name + " count + skipped + unfinished + timed out",
               v["count"] + v["skipped_gap"] + v["unfinished"] + v["timed_out"],
               starts[name])
    if errors:
        print("consistency: %s: %d disagreements:" % (a.trace, len(errors)), file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        sys.exit(1)
    print("consistency: %s: %d events, %d threads, %d discarded, %d isolations, %s; the same "
          "in every tool" % (a.trace, rep["events"], threads, rep["discarded_events"],
                             isolations, ", ".join("%s %d+%d skipped" % (n, lat[n]["count"],
                                                   lat[n]["skipped_gap"]) for n in LATS)))


if __name__ == "__main__":
    main()
