#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks an rdv trace of HAProxy (samples/haproxy/run.sh) against DESIGN.md §1.

usage: check_trace.py TRACE_DIR SUMMARY_FILE [REPORT_JSON]
       check_trace.py --self-test

Decodes the trace with Babeltrace2's Python bindings (the adapter turns
each rdv event into a plain tuple) and rebuilds each thread's bits (H, W, I)
from its rdv:mask_change events, per (vpid, domain, thread). Checks:
- one process, one domain, THREADS registrations (the summary's threads=),
  each from a different thread;
- I2: at each isolate_grant, no other thread of the domain is isolated
  (isolated: from its isolate_grant to the change that clears its W);
- I1: at each isolate_grant, every other registered thread of the domain
  is harmless. The grant clears the requester's H bit with one atomic
  operation whose `old` value is the H word at that instant: each other
  member's bit must be set there, except for the blink DESIGN.md §1 allows:
  a thread that cleared H inside harmless_end / idle_end / release /
  register after the request was made, saw the request and set H again
  (`harmless_wait`) before anything else. A full grant also needs each
  other member's I bit set (idle);
- isolations granted while wrk ran (the summary's load_begin_ns ..
  load_end_ns);
- requests from at least two distinct call sites (the `caller` of
  isolate_request / isolate_full_request on W), both full and plain, none
  with caller 0;
- no discarded events.
With REPORT_JSON in format rdv-analyze/2, also: its requesters name, as
resolved sites, cli_parse_delete_server (full) and at least one other
HAProxy function (earlier formats: said, not checked).
--self-test feeds the checker small synthetic histories, each with a known
verdict, so that it is shown to catch what it claims to catch.
Prints one line per failure and a summary; exits 1 on any failure.
"""
import collections
import json
import sys

REQUEST_OPS = ("isolate_request", "isolate_full_request")
BLINK_CLEAR_OPS = ("harmless_end", "idle_end", "release", "register")


class Thread:
    def __init__(self):
        self.bits = {"harmless": False, "want_rdv": False, "idle": False}
        self.member = False
        self.isolated = False
        self.request_ts = None      # time of its pending request's H set
        self.request_full = False   # that request is a full one
        self.last_h_clear = (None, None)  # (time, op) of its latest H clear
        self.pending = []           # grants that saw its H clear: (grant_ts, request_ts, requester)


class Checker:
    """The checks, on plain events (no Babeltrace2 types).

    Each event is (ts, vpid, vtid, name, fields) with fields a dict of
    ints and, for rdv:mask_change, the op and mask labels as strings."""

    def __init__(self, load_begin=0, load_end=2**63):
        self.failures = []
        self.load = (load_begin, load_end)
        self.threads = collections.defaultdict(Thread)  # (vpid, domain, thread)
        self.registered = collections.Counter()          # (vpid, domain) -> registrations
        self.vtids, self.vpids, self.domains = set(), set(), set()
        self.grants = self.full_grants = self.grants_in_load = 0
        self.callers = collections.Counter()             # (caller, full) -> requests
        self.events = 0
        self.discarded = 0

    def fail(self, msg):
        if len(self.failures) < 20:
            print("FAIL: " + msg)
        self.failures.append(msg)

    def feed(self, ts, vpid, vtid, name, f):
        self.events += 1
        self.vpids.add(vpid)
        if name == "rdv:domain_create":
            self.domains.add((vpid, f["domain"]))
        elif name == "rdv:thread_register":
            self.registered[(vpid, f["domain"])] += 1
            self.vtids.add(vtid)
        elif name == "rdv:thread_unregister":
            t = self.threads[(vpid, f["domain"], f["thread"])]
            for grant_ts, _, req in t.pending:
                self.fail("I1: thread %d was running at the grant to thread %d (t=%d) and left "
                          "without turning harmless" % (f["thread"], req, grant_ts))
            t.pending = []
        elif name == "rdv:mask_change":
            self.mask_change(ts, vpid, f)

    def mask_change(self, ts, vpid, f):
        dom, thr, word, op, mask = f["domain"], f["thread"], f["word"], f["op"], f["mask"]
        bit = 1 << (thr % 64)
        t = self.threads[(vpid, dom, thr)]
        now_set = bool(f["new"] & bit)
        t.bits[mask] = now_set
        if op == "register" and mask == "harmless" and now_set:
            t.member = True  # harmless, then a member: never counted running
        if op == "unregister":
            t.member = False  # not a member any more before its bits clear
        if mask == "harmless" and not now_set:
            t.last_h_clear = (ts, op)
        if mask == "harmless" and now_set and t.pending:
            # The first H set after grants that saw this thread's H clear.
            clear_ts, clear_op = t.last_h_clear
            for grant_ts, request_ts, req in t.pending:
                if op != "harmless_wait" or clear_op not in BLINK_CLEAR_OPS or \
                        clear_ts is None or clear_ts <= request_ts:
                    self.fail("I1: thread %d was running at the grant to thread %d (t=%d): "
                              "H cleared by %s at t=%s, set again by %s at t=%d"
                              % (thr, req, grant_ts, clear_op, clear_ts, op, ts))
            t.pending = []
        if mask == "want_rdv" and now_set and op in REQUEST_OPS:
            self.callers[(f["caller"], op == "isolate_full_request")] += 1
        if mask == "harmless" and now_set and op in REQUEST_OPS:
            t.request_ts = ts
            t.request_full = op == "isolate_full_request"
        if mask == "want_rdv" and not now_set:
            t.isolated = False
        if op == "isolate_grant":
            self.grant(ts, vpid, dom, thr, word, f["old"], t)

    def grant(self, ts, vpid, dom, thr, word, old, t):
        self.grants += 1
        self.full_grants += t.request_full
        if self.load[0] <= ts <= self.load[1]:
            self.grants_in_load += 1
        if not t.bits["want_rdv"] or t.request_ts is None:
            self.fail("grant to thread %d at t=%d without its request" % (thr, ts))
        for (v, d, other), o in self.threads.items():
            if (v, d) != (vpid, dom) or other == thr or not o.member:
                continue
            if o.isolated:
                self.fail("I2: thread %d granted at t=%d while thread %d is isolated"
                          % (thr, ts, other))
            if other // 64 == word:
                harmless = bool(old & (1 << (other % 64)))  # the atomic snapshot
            else:
                harmless = o.bits["harmless"]  # another word: the trace's order
            if not harmless:
                o.pending.append((ts, t.request_ts or 0, thr))
            if t.request_full and not o.bits["idle"]:
                self.fail("I1: full grant to thread %d at t=%d while thread %d is not idle "
                          "(H=%d W=%d I=0)" % (thr, ts, other, o.bits["harmless"],
                                               o.bits["want_rdv"]))
        t.isolated = True
        t.request_ts = None

    def finish(self, want_threads):
        for (_, _, thr), t in self.threads.items():
            for grant_ts, _, req in t.pending:
                self.fail("I1: thread %d was running at the grant to thread %d (t=%d) and "
                          "the trace ends before it turns harmless" % (thr, req, grant_ts))
        if len(self.vpids) != 1:
            self.fail("%d processes in the trace, expected HAProxy alone" % len(self.vpids))
        if len(self.domains) != 1:
            self.fail("%d rdv domains, expected one" % len(self.domains))
        for key, n in self.registered.items():
            if n != want_threads:
                self.fail("domain %s: %d registrations, HAProxy runs %d threads"
                          % (key, n, want_threads))
        if len(self.vtids) != want_threads:
            self.fail("%d distinct registering threads, expected %d"
                      % (len(self.vtids), want_threads))
        if self.discarded:
            self.fail("%d events discarded" % self.discarded)
        if self.grants == 0:
            self.fail("no isolation granted")
        elif self.grants_in_load == 0:
            self.fail("no isolation granted while wrk ran")
        sites = {c for c, _ in self.callers}
        if len(sites) < 2:
            self.fail("isolations requested from %d call site(s), expected at least 2"
                      % len(sites))
        if not any(f for _, f in self.callers) or all(f for _, f in self.callers):
            self.fail("expected both full (del server) and plain isolation requests")
        if 0 in sites:
            self.fail("a request has no caller (caller 0)")


def read_trace(checker, trace):
    """The Babeltrace2 adapter: every rdv event of the trace, in order."""
    import bt2

    def label(field):
        labels = list(field.labels)
        return labels[0] if len(labels) == 1 else None

    for msg in bt2.TraceCollectionMessageIterator(trace):
        if isinstance(msg, bt2._DiscardedEventsMessageConst):
            checker.discarded += msg.count or 1
            continue
        if not isinstance(msg, bt2._EventMessageConst):
            continue
        ev = msg.event
        if not ev.name.startswith("rdv:"):
            continue
        fields = {}
        for name, value in ev.payload_field.items():
            if name in ("op", "mask"):
                fields[name] = label(value)
            elif isinstance(value, bt2._IntegerFieldConst):
                fields[name] = int(value)
        ctx = ev.common_context_field
        checker.feed(msg.default_clock_snapshot.ns_from_origin, int(ctx["vpid"]),
                     int(ctx["vtid"]), ev.name, fields)


def check_report(checker, path):
    """The analysis' view of the same run; returns what it resolved."""
    report = json.load(open(path))
    if report.get("discarded_events", 0):
        checker.fail("rdv-analyze reports %d discarded events" % report["discarded_events"])
    if report.get("format") != "rdv-analyze/2":
        return "not in %s (needs rdv-analyze/2)" % report.get("format")
    found = collections.defaultdict(set)
    for r in report.get("requesters", []):
        fn = (r.get("site") or {}).get("function")
        if fn:
            found[fn].add(bool(r.get("full")))
    functions = ",".join(sorted(found)) or "none"
    if True not in found.get("cli_parse_delete_server", set()):
        checker.fail("rdv-analyze resolves no full request to cli_parse_delete_server: %s"
                     % functions)
    if len(found) < 2:
        checker.fail("rdv-analyze resolves requests to %d HAProxy function(s), expected at "
                     "least 2" % len(found))
    return functions


def self_test():
    """Synthetic histories of two threads (0 requests, 1 runs the poller)."""
    H, W, I = "harmless", "want_rdv", "idle"

    def history(steps):
        """steps: (ts, thread, op, mask, set?, caller); words built here."""
        words = collections.defaultdict(int)
        evs = [(0, "rdv:domain_create", {"domain": 0, "max_threads": 4})]
        for thr in (0, 1):
            evs.append((1, "rdv:thread_register", {"domain": 0, "thread": thr, "os_tid": thr}))
        steps = [(2, 0, "register", H, True, 9), (3, 0, "register", H, False, 9),
                 (2, 1, "register", H, True, 9), (3, 1, "register", H, False, 9)] + steps
        for ts, thr, op, mask, on, caller in steps:
            old = words[mask]
            new = old | (1 << thr) if on else old & ~(1 << thr)
            words[mask] = new
            evs.append((ts, "rdv:mask_change", {"domain": 0, "thread": thr, "op": op,
                        "mask": mask, "word": 0, "old": old, "new": new,
                        "caller": caller}))
        return evs

    poll = [(10, 1, "idle_now", I, True, 5), (10, 1, "idle_now", H, True, 5)]
    plain = [(20, 0, "isolate_request", H, True, 7), (20, 0, "isolate_request", W, True, 7)]
    full = [(20, 0, "isolate_full_request", H, True, 8),
            (20, 0, "isolate_full_request", W, True, 8)]
    grant = [(30, 0, "isolate_grant", H, False, 7)]
    release = [(40, 0, "release", W, False, 6)]
    other_full = [(50, 0, "isolate_full_request", H, True, 8),
                  (50, 0, "isolate_full_request", W, True, 8),
                  (60, 0, "isolate_grant", H, False, 8), (70, 0, "release", W, False, 6)]
    cases = [
        ("correct plain then full", poll + plain + grant + release + other_full, True),
        ("I1: grant while the poller runs", plain + grant + release + poll + other_full, False),
        ("I1: the blink of idle_end is allowed",
         poll + plain + [(25, 1, "idle_end", H, False, 5)] + grant +
         [(35, 1, "harmless_wait", H, True, 5)] + release + other_full, True),
        ("I1: an H clear before the request is no blink",
         poll + [(15, 1, "idle_end", H, False, 5)] + plain + grant +
         [(35, 1, "harmless_wait", H, True, 5)] + release + other_full, False),
        ("I1: running, then harmless_now is no blink",
         plain + grant + [(35, 1, "harmless_now", H, True, 5)] + release + other_full, False),
        ("I1: a full grant needs the others idle",
         [(10, 1, "harmless_now", H, True, 5)] + full + grant + release + plain +
         [(60, 0, "isolate_grant", H, False, 7), (70, 0, "release", W, False, 6)], False),
        ("I2: two threads isolated",
         poll + plain + grant + [(32, 1, "idle_end", H, False, 5),
                                 (33, 1, "isolate_request", H, True, 7),
                                 (33, 1, "isolate_request", W, True, 7),
                                 (34, 1, "isolate_grant", H, False, 7)] + release, False),
        ("no full request", poll + plain + grant + release, False),
    ]
    bad = 0
    for name, steps, ok in cases:
        c = Checker()
        print("-- %s (expect %s)" % (name, "pass" if ok else "FAIL"))
        for ts, ev, f in history(steps):
            c.feed(ts, 1, f.get("os_tid", 0) if ev == "rdv:thread_register" else 0, ev, f)
        c.finish(2)
        if bool(c.failures) == ok:
            print("SELF-TEST WRONG: %s: %s" % (name, c.failures or "no failure found"))
            bad += 1
    print("self-test: %d cases, %d wrong" % (len(cases), bad))
    return 1 if bad else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) not in (3, 4):
        sys.stderr.write("usage: check_trace.py TRACE_DIR SUMMARY_FILE [REPORT_JSON]\n")
        return 2
    summary = dict(kv.split("=", 1) for kv in open(sys.argv[2]).read().split() if "=" in kv)
    checker = Checker(int(summary["load_begin_ns"]), int(summary["load_end_ns"]))
    read_trace(checker, sys.argv[1])
    checker.finish(int(summary.get("threads", 4)))
    functions = check_report(checker, sys.argv[3]) if len(sys.argv) == 4 else "not checked"
    print("trace: %d rdv events, %d threads, %d grants (%d full, %d while wrk ran), "
          "%d requesting sites (trace callers), resolved functions: %s, discarded %d"
          % (checker.events, len(checker.vtids), checker.grants, checker.full_grants,
             checker.grants_in_load, len({c for c, _ in checker.callers}), functions,
             checker.discarded))
    for (c, f), n in sorted(checker.callers.items()):
        print("  caller %#x %s: %d requests" % (c, "full" if f else "plain", n))
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
