#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An independent recomputation of the blame of DESIGN.md §4 (rdv-analyze/2)
in Python bt2, compared exactly with an rdv-analyze JSON report.

rdv-analyze streams: it keeps each thread's current state and resolves
each late thread as its events come. This reference does it offline: it
loads the whole trace, replays every thread's bits to know its state after
each of its events, and for each request looks ahead in each other
thread's own events (and at the requester's grant and release) for the
instant the rules of analyzer/src/blame.c decide. It needs a trace without
lost events in which every thread's registration is seen (rdv-trace
record).

    blame-check.py TRACE REPORT.json        (REPORT from --json R --top 1000000)
        [--straggler-tid T --from FUNC:FILE:LINE --to FUNC:FILE:LINE]
        [--never-late-tid B] [--old-rule-names-tid B]

Compares, per isolation (the report's longest_waits: all of them with a
--top at least the number of isolations): its late threads with their
delays and from/to sites, the straggler, grant_delay; then the per-thread
late and straggler counts, delays, maxima and sections, grant_delay's
count/min/max/mean, and the requesting sites' counts. With --straggler-tid,
every isolation's straggler must be that thread with that section (sites
resolved as given); --never-late-tid: that thread is never late;
--old-rule-names-tid: count the isolations whose straggler the rule of
format rdv-analyze/1 ("whose bit was set last before the grant") would have
named that thread instead (printed; with --want-old-rule-wrong, at least one).
"""
import argparse
import bisect
import collections
import json
import sys

import bt2

BLOCKING = {"harmless_end", "idle_end", "register", "release", "isolate_timeout"}
REQUEST_OPS = {"isolate_request", "isolate_full_request"}


class Ev:
    __slots__ = ("idx", "ts", "kind", "key", "op", "mask", "old", "new", "caller", "os_tid",
                 "set", "after")


def load(trace):
    events, discarded = [], 0
    for msg in bt2.TraceCollectionMessageIterator(trace):
        if type(msg) in (bt2._DiscardedEventsMessageConst, bt2._DiscardedPacketsMessageConst):
            discarded += 1
            continue
        if type(msg) is not bt2._EventMessageConst:
            continue
        e = msg.event
        if e.name not in ("rdv:mask_change", "rdv:thread_register", "rdv:thread_unregister"):
            continue
        p = e.payload_field
        ev = Ev()
        ev.idx = len(events)
        ev.ts = msg.default_clock_snapshot.ns_from_origin
        ev.kind = e.name[4:]
        ev.key = (int(e.common_context_field["vpid"]), int(p["domain"]), int(p["thread"]))
        ev.op = ev.mask = None
        ev.old = ev.new = ev.caller = 0
        ev.os_tid = int(p["os_tid"]) if ev.kind == "thread_register" else None
        if ev.kind == "mask_change":
            ev.op = p["op"].labels[0]
            ev.mask = {"harmless": "H", "want_rdv": "W", "idle": "I"}[p["mask"].labels[0]]
            ev.old, ev.new = int(p["old"]), int(p["new"])
            ev.caller = int(p["caller"]) if "caller" in p else 0
            ev.set = bool(ev.new >> (ev.key[2] % 64) & 1)
        events.append(ev)
    if discarded:
        sys.exit("blame-check: the trace lost events: this reference needs all of them")
    return events


def replay(events):
    """Each event gets `after`: its thread's state after it; threads get
    their event indexes."""
    state, per_thread = {}, collections.defaultdict(list)
    for ev in events:
        st = state.get(ev.key)
        if ev.kind == "thread_register":
            st = dict(reg=True, registering=True, H=0, W=0, I=0, granted=0, last=None,
                      nr=[0, 0], os_tid=ev.os_tid)
        elif st is None:
            sys.exit("blame-check: thread %s seen before its registration" % (ev.key,))
        else:
            st = dict(st, nr=list(st["nr"]))
        if ev.kind == "thread_unregister":
            st["reg"] = False
        elif ev.kind == "mask_change":
            before = [ready(st, 0), ready(st, 1)]
            st[ev.mask] = int(ev.set)
            if ev.mask == "W":
                st["granted"] = 0
            if ev.mask == "H" and not ev.set and ev.op == "isolate_grant":
                st["granted"] = 1
            if not (ev.mask == "I" and ev.set and ev.op == "register"):
                st["registering"] = False
            for k in (0, 1):
                if before[k] and not ready(st, k):
                    st["nr"][k] = ev.caller
            st["last"] = (ev.mask, ev.set, ev.op)
        ev.after = st
        state[ev.key] = st
        per_thread[ev.key].append(ev.idx)
    return per_thread


def holding(st):
    return st["W"] and st["granted"]


def ready(st, full):
    return st["reg"] and st["I" if full else "H"] and not holding(st)


def bit(word, key):
    return word >> (key[2] % 64) & 1


def state_at(events, per_thread, key, idx):
    """The state of thread key just before event idx (None: not yet seen)."""
    ids = per_thread[key]
    i = bisect.bisect_left(ids, idx)
    return events[ids[i - 1]].after if i else None


def blame_request(events, per_thread, j):
    """The blame of the request whose W set is events[j], or None when it is
    not granted. Returns dict(grant, late={key: (ready_ts or None, from, to,
    seq)}, incomplete, ...)."""
    R = events[j]
    rk, full = R.key, R.op == "isolate_full_request"
    rids = per_thread[rk]
    pos = rids.index(j)
    prev = events[rids[pos - 1]] if pos else None
    exact_h = bool(prev and prev.kind == "mask_change" and prev.mask == "H" and prev.set
                   and prev.op in REQUEST_OPS)
    hword = prev.old if exact_h else 0
    exact_i, iword, snap = False, 0, j
    nxt = [events[i] for i in rids[pos + 1:]]
    if full and not R.after["I"]:
        # the snapshot waits for the requester's next event (its I set)
        if nxt:
            snap = nxt[0].idx
            if nxt[0].kind == "mask_change" and nxt[0].mask == "I" and nxt[0].set and \
                    nxt[0].op == "isolate_full_request":
                exact_i, iword = True, nxt[0].old
    grant = end = gi = None
    giword = None
    for e in nxt:
        if e.kind != "mask_change":
            if grant is None:
                return None  # left before a grant
            end = e
            break
        if grant is None:
            if e.mask == "W":
                return None  # withdrawn (timeout) or cut
            if e.mask == "I" and not e.set and e.op == "isolate_grant":
                gi, giword = e, e.old
            elif e.mask == "H" and not e.set and e.op == "isolate_grant":
                grant = e
                # the grant's I word is exact only from the event just before
                if gi is None or rids[rids.index(e.idx) - 1] != gi.idx:
                    giword = None
        elif e.mask == "W":
            end = e  # the isolation is over: its blame is decided by then
            break
    if grant is None:
        return None
    res = dict(R=R, full=full, grant=grant, late={}, incomplete=False)
    rbit = 1 << (rk[2] % 64)
    k = 1 if full else 0
    for tk in per_thread:
        if tk == rk or tk[:2] != rk[:2]:
            continue
        st = state_at(events, per_thread, tk, snap)
        if st is None or not st["reg"] or st["registering"]:
            continue
        same = tk[2] // 64 == rk[2] // 64
        h0 = bit(hword, tk) if exact_h and same else st["H"]
        i0 = bit(iword, tk) if exact_i and same else st["I"]
        last = st["last"]
        blocking_clear = last is not None and last[0] == "H" and not last[1] and \
            last[2] in BLOCKING
        wait_mask = None
        if holding(st):
            s = "late"
        elif not full:
            if h0:
                s = None  # ready at the request: never late (DESIGN §4)
            elif st["H"]:
                s, wait_mask = "wait", "H"
            else:
                s = "after" if blocking_clear else "late"
        elif i0:
            s = None
        else:
            s, wait_mask = ("wait", "I") if st["I"] else ("late", None)
        if s is None:
            continue
        frm = st["nr"][k]
        out = resolve(events, per_thread, tk, s, wait_mask, frm, snap, R, rbit, full,
                      grant, gi, giword, end, res)
        if out is not None:
            res["late"][tk] = out
    return res


def resolve(events, per_thread, tk, s, wait_mask, frm, snap, R, rbit, full, grant, gi, giword,
            end, res):
    """Walks thread tk's events after the snapshot (and the requester's grant
    and end) until its entry is decided: (ready_ts, from, to, seq) when late
    with a known ready instant, (None, from, None, None) when late without,
    None when not late."""
    marks = [(gi.idx, "gi")] if gi is not None else []
    marks.append((grant.idx, "grant"))
    if end is not None:
        marks.append((end.idx, "end"))
    own = [(i, "ev") for i in per_thread[tk] if i > snap]
    granted = False

    def done(ts, to, seq):
        if granted and ts > grant.ts:
            ts = grant.ts
        if ts <= R.ts:
            return None
        return (ts, frm, to, seq)

    for idx, what in sorted(own + marks):
        if what == "gi":
            if s == "wait" and wait_mask == "I":
                return None
            continue
        if what == "grant":
            granted = True
            if s == "wait":
                return None
            if s in ("late", "after") and tk[2] // 64 == R.key[2] // 64:
                st = state_at(events, per_thread, tk, idx)
                rh = bit(grant.old, tk)
                ri = (not full) or (bit(giword, tk) if giword is not None else st["I"])
                if not (rh and ri) and not holding(st):
                    res["incomplete"] = True
                    return (None, frm, None, None) if s == "late" else None
            continue
        if what == "end":
            res["incomplete"] = True
            return (None, frm, None, None) if s == "late" else None
        ev = events[idx]
        if ev.kind != "mask_change":  # thread_unregister / thread_register
            return done(ev.ts, 0, idx) if s in ("late", "after") else None
        st = ev.after
        if s == "wait":
            if ev.mask == wait_mask and not ev.set:
                if ev.old & rbit:
                    return None
                frm = ev.caller
                s = "after" if wait_mask == "H" and ev.op in BLOCKING else "late"
        elif s == "after":
            if ev.mask == "H" and ev.set and ev.op == "harmless_wait":
                return None
            s = "late"
            if ready(st, full):
                return done(ev.ts, ev.caller, idx)
        elif s == "late":
            if ready(st, full):
                return done(ev.ts, ev.caller, idx)
        if ev.op == "unregister":
            return done(ev.ts, ev.caller, idx) if s in ("late", "after") else None
    # the trace ends first
    res["incomplete"] = True
    return (None, frm, None, None) if s == "late" else None


def old_rule(events, per_thread, res):
    """The straggler by the rule of rdv-analyze/1: the other thread whose H
    (full: H or I) bit was set last after the request and before the grant."""
    R, g = res["R"], res["grant"]
    best = None
    for ev in events[R.idx + 1:g.idx]:
        if ev.kind == "mask_change" and ev.key != R.key and ev.key[:2] == R.key[:2] and \
                ev.set and (ev.mask == "H" or (res["full"] and ev.mask == "I")):
            best = ev.key
    return best


def site_addr(site):
    return int(site["address"], 16) if site else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("report")
    ap.add_argument("--straggler-tid", type=int)
    ap.add_argument("--from", dest="frm")
    ap.add_argument("--to")
    ap.add_argument("--never-late-tid", type=int)
    ap.add_argument("--old-rule-names-tid", type=int)
    ap.add_argument("--want-old-rule-wrong", action="store_true")
    a = ap.parse_args()
    rep = json.load(open(a.report))
    errors = []

    def expect(what, got, want):
        if got != want:
            errors.append("%s: report %r, reference %r" % (what, got, want))

    expect("format", rep.get("format"), "rdv-analyze/2")
    events = load(a.trace)
    per_thread = replay(events)
    tid = {}
    for ev in events:
        if ev.kind == "thread_register":
            tid[ev.key] = ev.os_tid
    isos = []
    for ev in events:
        if ev.kind == "mask_change" and ev.mask == "W" and ev.set and ev.op in REQUEST_OPS:
            b = blame_request(events, per_thread, ev.idx)
            if b is not None:
                isos.append(b)
    # per isolation
    waits = rep.get("longest_waits")
    if waits is None:
        sys.exit("blame-check: the report has no longest_waits (run rdv-analyze with --top N)")
    byreq = {((w["vpid"], w["domain"], w["thread"]), w["request_ns"]): w for w in waits}
    expect("isolations", len(waits), len(isos))
    agg_late = collections.defaultdict(lambda: [0, 0, 0, collections.Counter()])
    agg_strag = collections.defaultdict(lambda: [0, 0, 0, collections.Counter()])
    sec_delay = collections.defaultdict(int)
    gds, old_wrong, names = [], 0, {}
    for b in isos:
        R, g = b["R"], b["grant"]
        w = byreq.get((R.key, R.ts))
        what = "isolation %s at %d" % (R.key, R.ts)
        if w is None:
            errors.append("%s: not in the report" % what)
            continue
        expect(what + " full", w["full"], b["full"])
        expect(what + " grant", w["grant_ns"], g.ts)
        known = {k: v for k, v in b["late"].items() if v[0] is not None}
        strag = None
        if not b["incomplete"] and known:
            strag = max(known, key=lambda k: (known[k][0], known[k][3]))
        gd = None
        if not b["incomplete"]:
            gd = g.ts - (known[strag][0] if strag else R.ts)
            gds.append(gd)
        expect(what + " grant_delay", w["grant_delay_ns"], gd)
        got = {(l["vpid"], l["domain"], l["thread"]):
               (l["delay_ns"], site_addr(l["from"]), site_addr(l["to"]), l["straggler"])
               for l in w["late"]}
        want = {k: (None if v[0] is None else v[0] - R.ts, v[1] or 0, v[2] or 0, k == strag)
                for k, v in b["late"].items()}
        expect(what + " late threads", got, want)
        for l in w["late"]:
            names.setdefault(site_addr(l["from"]), l["from"])
            names.setdefault(site_addr(l["to"]), l["to"])
        for k, v in known.items():
            d = v[0] - R.ts
            x = agg_late[k]
            x[0] += 1
            x[1] += d
            x[2] = max(x[2], d)
            x[3][(v[1] or 0, v[2] or 0)] += 1
            sec_delay[(k, 0, v[1] or 0, v[2] or 0)] += d
            if k == strag:
                y = agg_strag[k]
                y[0] += 1
                y[1] += d
                y[2] = max(y[2], d)
                y[3][(v[1] or 0, v[2] or 0)] += 1
                sec_delay[(k, 1, v[1] or 0, v[2] or 0)] += d
        if a.old_rule_names_tid is not None:
            o = old_rule(events, per_thread, b)
            if o is not None and tid.get(o) == a.old_rule_names_tid and o != strag:
                old_wrong += 1
        if a.straggler_tid is not None:
            expect(what + " straggler tid", tid.get(strag), a.straggler_tid)
            if strag is not None:
                for side, spec in (("from", a.frm), ("to", a.to)):
                    if not spec:
                        continue
                    fn, fl, ln = spec.split(":")
                    s = [l for l in w["late"] if l["straggler"]][0][side]
                    ok = s and s["function"] == fn and (s["file"] or "").endswith("/" + fl) \
                        and s["line"] == int(ln)
                    if not ok:
                        errors.append("%s: straggler's %s site %r, want %s" % (what, side, s,
                                                                               spec))
        if a.never_late_tid is not None:
            for k in b["late"]:
                if tid.get(k) == a.never_late_tid:
                    errors.append("%s: thread tid %d late" % (what, a.never_late_tid))
    # per thread
    for key, agg, name in (("late_threads", agg_late, "late"),
                           ("stragglers", agg_strag, "straggler")):
        got = {}
        for t in rep[key]:
            k = (t["vpid"], t["domain"], t["thread"])
            got[k] = (t["count"], t["delay_ns"], t["max_ns"],
                      {(site_addr(s["from"]), site_addr(s["to"])):
                       (s["count"], s["delay_ns"]) for s in t["sections"]})
        want = {k: (v[0], v[1], v[2],
                    {sk: (c, sec_delay[(k, 1 if name == "straggler" else 0) + sk])
                     for sk, c in v[3].items()})
                for k, v in agg.items()}
        expect(key, got, want)
    gdl = rep["latency"]["grant_delay"]
    expect("grant_delay count", gdl["count"], len(gds))
    if gds:
        expect("grant_delay min", gdl["min_ns"], min(gds))
        expect("grant_delay max", gdl["max_ns"], max(gds))
        # (the JSON has three decimals: rounding it again to one may go the
        # other way than the exact mean does)
        mean = sum(gds) / len(gds)
        expect("grant_delay mean", abs(gdl["mean_ns"] - mean) <= 0.0005 + 1e-12 * mean, True)
    expect("straggler_skipped_gap", rep["straggler_skipped_gap"],
           sum(1 for b in isos if b["incomplete"]))
    reqs = collections.Counter()
    for b in isos:
        reqs[(b["R"].key[0], b["R"].key[1], b["R"].caller, b["full"])] += 1
    expect("requesters", {(r["vpid"], r["domain"], site_addr(r["site"]), r["full"]): r["count"]
                          for r in rep["requesters"]}, dict(reqs))
    if a.want_old_rule_wrong and old_wrong == 0:
        errors.append("the rdv-analyze/1 rule never named tid %d: this run does not show the "
                      "difference" % a.old_rule_names_tid)
    for e in errors[:40]:
        print("blame-check: " + e, file=sys.stderr)
    if errors:
        sys.exit(1)
    n_late = sum(len(b["late"]) for b in isos)
    print("blame-check: %s agrees with the reference: %d isolations, %d late threads, %d "
          "stragglers, %d with unknown blame%s" %
          (a.report, len(isos), n_late, sum(v[0] for v in agg_strag.values()),
           sum(1 for b in isos if b["incomplete"]),
           "" if a.old_rule_names_tid is None else
           "; the rdv-analyze/1 rule would have named tid %d in %d of them" %
           (a.old_rule_names_tid, old_wrong)))


if __name__ == "__main__":
    main()
