#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Nothing invented, nothing different: two recordings of one run, a whole
one (REF: rdv-trace record, nothing lost) and a partial one (PART: a
session attached later, or one that lost events), must agree wherever the
partial one gives an answer (README "Lost events", blame "Nothing
invented"). Two LTTng sessions stamp each event apart (each reads the
clock for its own buffer: a few hundred ns), so times agree within --tol
ns (default 5000):

- at the middle of each interval of a known state in PART's --csv (longer
  than 2 tol), REF has that thread in the same state (no state invented);
- each isolation PART gives a blame for (its grant_delay known) is in REF
  (same requester, request within tol) with the same kind and wait, the
  same late threads (but those late by less than tol in either: a ready
  instant at the request is a matter of stamping) with the same from/to
  sites and delays, the same straggler (or another late thread ready
  within tol of it) and the same grant_delay;
- each late thread PART names with a delay for an isolation whose blame it
  gave up is late in REF for it, with that delay and those sites.

    subset-check.py REF.json REF.csv PART.json PART.csv [--tol NS] [--min-blamed N]

REF.json and PART.json come from --json with --top covering every
isolation; --min-blamed: at least N isolations of PART have a blame (the
comparison is not empty).
"""
import argparse
import bisect
import collections
import csv
import json
import sys


def intervals(path):
    out = collections.defaultdict(list)
    with open(path) as f:
        for r in csv.DictReader(f):
            out[(int(r["vpid"]), int(r["domain"]), int(r["thread"]))].append(
                (int(r["begin_ns"]), int(r["end_ns"]), r["state"]))
    for v in out.values():
        v.sort()
    return out


def late_map(w):
    return {(l["vpid"], l["domain"], l["thread"]):
            (l["delay_ns"], l["from"] and l["from"]["address"], l["to"] and l["to"]["address"],
             l["straggler"]) for l in w["late"]}


def state_at(ivs, starts, t):
    j = bisect.bisect_right(starts, t) - 1
    return ivs[j][2] if j >= 0 and ivs[j][1] > t else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ref_json")
    ap.add_argument("ref_csv")
    ap.add_argument("part_json")
    ap.add_argument("part_csv")
    ap.add_argument("--tol", type=int, default=5000)
    ap.add_argument("--min-blamed", type=int, default=1)
    a = ap.parse_args()
    tol = a.tol
    ref, part = json.load(open(a.ref_json)), json.load(open(a.part_json))
    errors = []
    if ref["discarded_events"]:
        sys.exit("subset-check: the reference recording lost events")
    # states
    ri, pi = intervals(a.ref_csv), intervals(a.part_csv)
    checked = 0
    for k, ivs in pi.items():
        r = ri.get(k, [])
        starts = [x[0] for x in r]
        for b, e, s in ivs:
            if s == "unknown" or e - b <= 2 * tol:
                continue
            checked += 1
            got = state_at(r, starts, (b + e) // 2)
            if got != s:
                errors.append("thread %r: %s over [%d, %d) in the partial trace, %s in the "
                              "whole one" % (k, s, b, e, got))
    # isolations
    if len(ref["longest_waits"]) != ref["latency"]["isolate_wait"]["count"]:
        sys.exit("subset-check: REF's --top does not cover every isolation")
    byreq = collections.defaultdict(list)
    for w in ref["longest_waits"]:
        byreq[(w["vpid"], w["domain"], w["thread"])].append((w["request_ns"], w))
    for v in byreq.values():
        v.sort(key=lambda x: x[0])
    near = lambda x, y: x is not None and y is not None and abs(x - y) <= tol
    blamed = lates = 0
    for w in part["longest_waits"]:
        k = (w["vpid"], w["domain"], w["thread"])
        what = "isolation of %r at %d" % (k, w["request_ns"])
        cand = [x for t, x in byreq.get(k, []) if abs(t - w["request_ns"]) <= tol]
        if len(cand) != 1:
            errors.append("%s: %d in the whole trace" % (what, len(cand)))
            continue
        rw = cand[0]
        if not near(w["wait_ns"], rw["wait_ns"]) or w["full"] != rw["full"]:
            errors.append(what + ": wait %r, whole trace %r" % (w["wait_ns"], rw["wait_ns"]))
        pl, rl = late_map(w), late_map(rw)
        if w["grant_delay_ns"] is not None:
            blamed += 1
            if not near(w["grant_delay_ns"], rw["grant_delay_ns"]):
                errors.append("%s: grant_delay %r, whole trace %r" % (
                    what, w["grant_delay_ns"], rw["grant_delay_ns"]))
            small = lambda m: {t for t, v in m.items() if v[0] is not None and v[0] <= tol}
            edge = small(pl) | small(rl)
            if set(pl) - edge != set(rl) - edge or any(
                    x is not None and x != y for t in set(pl) & set(rl)
                    for x, y in zip(pl[t][1:3], rl[t][1:3])):
                errors.append("%s: late threads %r, whole trace %r" % (what, pl, rl))
            ps = [t for t, v in pl.items() if v[3]]
            rs = [t for t, v in rl.items() if v[3]]
            if ps != rs and not (ps and rs and near(pl[ps[0]][0], rl[ps[0]][0] if ps[0] in rl
                                                    else None) and
                                 near(rl[rs[0]][0], pl[rs[0]][0] if rs[0] in pl else None) and
                                 near(pl[ps[0]][0], rl[rs[0]][0])):
                errors.append("%s: straggler %r, whole trace %r" % (what, ps, rs))
        for t, v in pl.items():
            if v[0] is None or t not in rl:
                continue
            if w["grant_delay_ns"] is None:
                lates += 1
            # (a site the partial trace cannot know is null: not known, no
            # invention; a site it names must be the whole trace's)
            if not near(v[0], rl[t][0]) or any(x is not None and x != y
                                               for x, y in zip(v[1:3], rl[t][1:3])):
                errors.append("%s: late %r %r, whole trace %r" % (what, t, v, rl[t]))
        if w["grant_delay_ns"] is None:
            for t, v in pl.items():
                if v[0] is not None and v[0] > tol and t not in rl:
                    errors.append("%s: late %r %r, not late in the whole trace" % (what, t, v))
    if blamed < a.min_blamed:
        errors.append("only %d isolations blamed in the partial trace, want %d at least" % (
            blamed, a.min_blamed))
    for e in errors[:30]:
        print("subset-check: " + (e if len(e) < 1500 else e[:1500] + "…"), file=sys.stderr)
    if errors:
        sys.exit(1)
    print("subset-check: %d known intervals, %d of %d isolations blamed and %d more late "
          "threads of the partial trace as in the whole one (%d discarded events in it)" % (
              checked, blamed, len(part["longest_waits"]), lates, part["discarded_events"]))


if __name__ == "__main__":
    main()
