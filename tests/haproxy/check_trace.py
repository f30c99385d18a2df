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
  is harmless. The H word's events chain exactly (each one's old value is
  the previous one's new: DESIGN.md §3), which gives the real order of its
  atomic operations whatever order their timestamps say; at the grant's
  place in that order each other member's bit must be set, except for the
  blink DESIGN.md §1 allows: a thread that cleared H inside harmless_end /
  idle_end / release / register after the request, saw it and set H again
  (`harmless_wait`) as its next H change. A full grant also needs each
  other member's I bit set (idle);
- isolations granted while wrk ran (the summary's load_begin_ns ..
  load_end_ns);
- requests from at least two distinct call sites (the `caller` of
  isolate_request / isolate_full_request on W), both full and plain, none
  with caller 0;
- no discarded events.
With REPORT_JSON: it agrees (no discarded or inconsistent events, as many
isolations as grants here); in format rdv-analyze/2, its requesters name, as
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


class Checker:
    """The checks, on plain events (no Babeltrace2 types).

    feed() takes each event as (ts, vpid, vtid, name, fields), fields a dict
    of ints and, for rdv:mask_change, the op and mask labels as strings;
    finish() checks. Two orders are used:
    - the trace's (timestamps) for W and I and the lifecycle events: I2 and
      the idle part of I1 need only orders that the protocol itself fixes
      (a release's event is written before the ticket passes on; a
      thread's I set is written before its H set, which the requester must
      see before its grant);
    - for the H word, the exact order of its atomic operations: each event
      holds the word's value before and after, so the events chain (each
      one's old is the previous one's new). A requester's grant event may
      be written after a blinking thread's next event (the thread that
      cleared its H bit, saw the request and set it again): timestamps
      alone would call that thread running at the grant.
    """

    def __init__(self, load_begin=0, load_end=2**63):
        self.failures = []
        self.load = (load_begin, load_end)
        self.events = []
        self.discarded = 0

    def fail(self, msg):
        if len(self.failures) < 20:
            print("FAIL: " + msg)
        self.failures.append(msg)

    def feed(self, ts, vpid, vtid, name, f):
        self.events.append((ts, vpid, vtid, name, f))

    def finish(self, want_threads):
        self.by_time(want_threads)
        self.by_h_word()

    # --- trace order: lifecycle, requests, I2, the idle part of I1 -------
    def by_time(self, want_threads):
        registered = collections.Counter()  # (vpid, domain) -> registrations
        vtids, vpids, domains = set(), set(), set()
        bits = collections.defaultdict(dict)  # (vpid, domain, thread) -> {mask: bool}
        member = {}                            # (vpid, domain, thread) -> bool
        isolated = set()
        full_pending = {}                      # requester -> its request is full
        self.callers = collections.Counter()   # (caller, full) -> requests
        self.unregistered = set()
        self.grants = self.full_grants = self.grants_in_load = 0
        for ts, vpid, vtid, name, f in self.events:
            vpids.add(vpid)
            if name == "rdv:domain_create":
                domains.add((vpid, f["domain"]))
                continue
            key = (vpid, f.get("domain"), f.get("thread"))
            if name == "rdv:thread_register":
                registered[(vpid, f["domain"])] += 1
                vtids.add(vtid)
                member[key] = True
                continue
            if name == "rdv:thread_unregister":
                member[key] = False
                self.unregistered.add(key)
                continue
            if name != "rdv:mask_change":
                continue
            op, mask = f["op"], f["mask"]
            on = bool(f["new"] & (1 << (f["thread"] % 64)))
            bits[key][mask] = on
            if mask == "want_rdv" and on and op in REQUEST_OPS:
                full_pending[key] = op == "isolate_full_request"
                self.callers[(f["caller"], full_pending[key])] += 1
            if mask == "want_rdv" and not on:
                isolated.discard(key)
            if op != "isolate_grant" or mask != "harmless":
                continue  # the grant is the H clear (a full one clears I first)
            full = full_pending.pop(key, None)
            if full is None:
                self.fail("grant to thread %d at t=%d without its request" % (f["thread"], ts))
            self.grants += 1
            self.full_grants += bool(full)
            self.grants_in_load += self.load[0] <= ts <= self.load[1]
            for other in isolated:
                if other[:2] == key[:2]:
                    self.fail("I2: thread %d granted at t=%d while thread %d is isolated"
                              % (f["thread"], ts, other[2]))
            if full:
                for other, is_member in member.items():
                    if other[:2] == key[:2] and other != key and is_member and \
                            not bits[other].get("idle"):
                        self.fail("I1: full grant to thread %d at t=%d while thread %d is not "
                                  "idle (H=%d W=%d I=0)" % (
                                      f["thread"], ts, other[2], bits[other].get("harmless", 0),
                                      bits[other].get("want_rdv", 0)))
            isolated.add(key)

        if len(vpids) != 1:
            self.fail("%d processes in the trace, expected HAProxy alone" % len(vpids))
        if len(domains) != 1:
            self.fail("%d rdv domains, expected one" % len(domains))
        for key, n in registered.items():
            if n != want_threads:
                self.fail("domain %s: %d registrations, HAProxy runs %d threads"
                          % (key, n, want_threads))
        self.nthreads = len(vtids)
        if len(vtids) != want_threads:
            self.fail("%d distinct registering threads, expected %d" % (len(vtids), want_threads))
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

    # --- H word order: the harmless part of I1 ------------------------------
    def by_h_word(self):
        words = collections.defaultdict(lambda: collections.defaultdict(collections.deque))
        for ev in self.events:
            ts, vpid, _, name, f = ev
            if name == "rdv:mask_change" and f["mask"] == "harmless":
                words[(vpid, f["domain"], f["word"])][f["thread"]].append(ev)
        for (vpid, dom, word), queues in words.items():
            self.check_h_word(vpid, dom, word, self.linearize(queues, vpid, dom, word))

    def linearize(self, queues, vpid, dom, word):
        """The H word's atomic operations in their real order: each thread's
        events in its program order, the next one always the one whose old
        value is the word as it stands (the earliest such, should an ABA
        leave two)."""
        out, value = [], None
        broken = 0
        while True:
            heads = [q[0] for q in queues.values() if q]
            if not heads:
                break
            if value is None:
                value = min(heads, key=lambda e: e[0])[4]["old"]
            fits = [e for e in heads if e[4]["old"] == value]
            if not fits:
                broken += 1
                fits = heads  # a gap: go on in trace order
            e = min(fits, key=lambda e: e[0])
            queues[e[4]["thread"]].popleft()
            value = e[4]["new"]
            out.append(e)
        if broken:
            self.fail("vpid %d domain %d H word %d: %d events whose old value follows no "
                      "other's new value (DESIGN.md §3 promises the exact words)"
                      % (vpid, dom, word, broken))
        return out

    def check_h_word(self, vpid, dom, word, order):
        member = {}
        last_clear = {}   # thread -> (position, op) of its latest H clear
        request_at = {}   # requester -> position of its request's H set
        pending = collections.defaultdict(list)  # thread -> [(grant position, ts, requester)]
        for pos, (ts, _, _, _, f) in enumerate(order):
            thr, op = f["thread"], f["op"]
            on = bool(f["new"] & (1 << (thr % 64)))
            if op == "register" and on:
                member[thr] = True  # harmless, then a member: never counted running
            if op == "unregister":
                member[thr] = False
            if not on:
                last_clear[thr] = (pos, op)
            if on and pending[thr]:
                clear_pos, clear_op = last_clear.get(thr, (-1, None))
                for grant_pos, grant_ts, req in pending.pop(thr):
                    if op != "harmless_wait" or clear_op not in BLINK_CLEAR_OPS or \
                            clear_pos <= request_at.get((req, grant_pos), -1):
                        self.fail("I1: thread %d was running at the grant to thread %d (t=%d): "
                                  "its H was cleared by %s, set again by %s at t=%d"
                                  % (thr, req, grant_ts, clear_op, op, ts))
            if on and op in REQUEST_OPS:
                request_at[thr] = pos
            if op != "isolate_grant":
                continue
            for other, is_member in member.items():
                if other == thr or not is_member or other // 64 != word:
                    continue
                if not f["old"] & (1 << (other % 64)):
                    pending[other].append((pos, ts, thr))
                    request_at[(thr, pos)] = request_at.get(thr, -1)
        for thr, grants in pending.items():
            for _, grant_ts, req in grants:
                if (vpid, dom, thr) in self.unregistered:
                    continue  # it left the domain: it no longer counts
                self.fail("I1: thread %d was running at the grant to thread %d (t=%d) and "
                          "never turned harmless" % (thr, req, grant_ts))


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
    for key in ("discarded_events", "inconsistent_events", "gaps"):
        if report.get(key, 0):
            checker.fail("rdv-analyze reports %s=%d" % (key, report[key]))
    counted = report["latency"]["isolate_wait"]["count"]
    if counted != checker.grants:
        checker.fail("rdv-analyze counts %d isolations, the trace holds %d grants"
                     % (counted, checker.grants))
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
        # steps are in the order of the atomic operations; a trace is in the
        # order of the events' timestamps.
        return sorted(evs, key=lambda e: e[0])

    poll = [(10, 1, "idle_now", I, True, 5), (10, 1, "idle_now", H, True, 5)]
    plain = [(20, 0, "isolate_request", H, True, 7), (20, 0, "isolate_request", W, True, 7)]
    # librdv 1.1: a full requester is idle while it waits (I set with the
    # request, cleared by the grant just before H).
    full = [(20, 0, "isolate_full_request", H, True, 8),
            (20, 0, "isolate_full_request", W, True, 8),
            (20, 0, "isolate_full_request", I, True, 8),
            (30, 0, "isolate_grant", I, False, 8)]
    grant = [(30, 0, "isolate_grant", H, False, 7)]
    release = [(40, 0, "release", W, False, 6)]
    other_full = [(50, 0, "isolate_full_request", H, True, 8),
                  (50, 0, "isolate_full_request", W, True, 8),
                  (50, 0, "isolate_full_request", I, True, 8),
                  (60, 0, "isolate_grant", I, False, 8),
                  (60, 0, "isolate_grant", H, False, 8), (70, 0, "release", W, False, 6)]
    poll_late = [(45, 1, "idle_now", I, True, 5), (45, 1, "idle_now", H, True, 5)]
    plain_late = [(50, 0, "isolate_request", H, True, 7), (50, 0, "isolate_request", W, True, 7),
                  (60, 0, "isolate_grant", H, False, 7), (70, 0, "release", W, False, 6)]
    # (name, steps, None: must pass, or the start of a failure it must report)
    cases = [
        ("correct plain then full", poll + plain + grant + release + other_full, None),
        ("grant while the poller runs", plain + grant + release + poll_late + other_full,
         "I1: thread 1 was running at the grant to thread 0 (t=30): its H was cleared by "
         "register, set again by idle_now"),
        ("the blink of idle_end is allowed",
         poll + plain + [(25, 1, "idle_end", H, False, 5)] + grant +
         [(35, 1, "harmless_wait", H, True, 5)] + release + other_full, None),
        ("a blink whose grant event is written late is still a blink",
         poll + plain + [(25, 1, "idle_end", H, False, 5), (30, 0, "isolate_grant", H, False, 7),
                         (28, 1, "harmless_wait", H, True, 5)] + release + other_full, None),
        ("running at a grant whose event is written late",
         poll + plain + [(25, 1, "idle_end", H, False, 5), (30, 0, "isolate_grant", H, False, 7),
                         (28, 1, "idle_end", I, False, 5)] + release + poll_late + other_full,
         "I1: thread 1 was running at the grant to thread 0 (t=30): its H was cleared by "
         "idle_end, set again by idle_now"),
        ("an H clear before the request is no blink",
         poll + [(15, 1, "idle_end", H, False, 5)] + plain + grant +
         [(35, 1, "harmless_wait", H, True, 5)] + release + other_full,
         "I1: thread 1 was running at the grant to thread 0 (t=30): its H was cleared by "
         "idle_end, set again by harmless_wait"),
        ("a full grant needs the others idle",
         [(10, 1, "harmless_now", H, True, 5)] + full + grant + release + plain_late,
         "I1: full grant to thread 0 at t=30 while thread 1 is not idle"),
        ("two threads isolated",
         poll + plain + grant + [(32, 1, "idle_end", H, False, 5),
                                 (33, 1, "isolate_full_request", H, True, 8),
                                 (33, 1, "isolate_full_request", W, True, 8),
                                 (34, 1, "isolate_grant", H, False, 8)] + release,
         "I2: thread 1 granted at t=34 while thread 0 is isolated"),
        ("H words that do not chain (an event lost)",
         poll + plain + grant + release + other_full,
         "vpid 1 domain 0 H word 0: 1 events whose old value follows no other"),
        ("no full request", poll + plain + grant + release,
         "expected both full (del server) and plain isolation requests"),
    ]
    bad = 0
    for name, steps, expect in cases:
        c = Checker()
        print("-- %s (expect %s)" % (name, expect or "pass"))
        evs = history(steps)
        if "(an event lost)" in name:  # the poller's idle_now on H
            evs = [e for e in evs if not (e[2].get("op") == "idle_now" and e[2]["mask"] == H)]
        for ts, ev, f in evs:
            c.feed(ts, 1, f.get("os_tid", 0) if ev == "rdv:thread_register" else 0, ev, f)
        c.finish(2)
        if expect is None and c.failures:
            print("SELF-TEST WRONG: %s: unexpected %s" % (name, c.failures))
            bad += 1
        elif expect is not None and not any(m.startswith(expect) for m in c.failures):
            print("SELF-TEST WRONG: %s: expected '%s', got %s" % (name, expect, c.failures))
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
          % (len(checker.events), checker.nthreads, checker.grants, checker.full_grants,
             checker.grants_in_load, len({c for c, _ in checker.callers}), functions,
             checker.discarded))
    for (c, f), n in sorted(checker.callers.items()):
        print("  caller %#x %s: %d requests" % (c, "full" if f else "plain", n))
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
