#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks a real LTTng trace of librdv against DESIGN.md §3.

usage: check_trace.py TRACE_DIR WORKLOAD_OUTPUT [--attached]

Only the workload's process (its "pid N" line) is checked: the session may
record other programs using librdv at the same time. --attached: the
session started after the program, so lifecycle events may be missing.

Decodes the trace with Babeltrace2's Python bindings and checks:
- every rdv event has exactly the schema's fields, with the schema's types;
- every rdv:mask_change flips exactly its thread's bit of its word
  (old ^ new == 1 << thread % 64, word == thread / 64), with op and mask
  labels from the schema;
- per (vpid, domain, thread, mask), the thread's own bit goes set, clear,
  set… (each event's old bit is the previous event's new bit);
- thread_register's os_tid is the registering thread's vtid, and the vpid /
  vtid contexts are present;
- the number of isolate_grant changes per domain equals the isolations the
  workload printed, and each grant is preceded by the same thread's request;
- no event was discarded.
Prints one line per failure and a summary; exits 1 on any failure.
"""
import collections
import re
import sys

import bt2

SCHEMA = {
    "rdv:domain_create": {"domain": "u32", "max_threads": "u32"},
    "rdv:domain_destroy": {"domain": "u32"},
    "rdv:thread_register": {"domain": "u32", "thread": "u32", "os_tid": "s32"},
    "rdv:thread_unregister": {"domain": "u32", "thread": "u32"},
    "rdv:mask_change": {"domain": "u32", "thread": "u32", "op": "enum", "mask": "enum",
                        "word": "u32", "old": "u64", "new": "u64", "caller": "u64"},
    "rdv:stall": {"domain": "u32", "thread": "u32", "waited_ns": "u64", "late": "seq<u32>"},
}
OPS = {"register", "unregister", "harmless_now", "harmless_end", "harmless_wait", "idle_now",
       "idle_end", "isolate_request", "isolate_full_request", "isolate_grant", "release", "isolate_timeout"}
MASKS = {"harmless", "want_rdv", "idle"}

failures = []


def fail(msg):
    if len(failures) < 20:
        print("FAIL: " + msg)
    failures.append(msg)


def field_kind(fc):
    if isinstance(fc, (bt2._UnsignedEnumerationFieldClassConst,
                       bt2._SignedEnumerationFieldClassConst)):
        return "enum"
    if isinstance(fc, bt2._DynamicArrayFieldClassConst):
        return "seq<%s>" % field_kind(fc.element_field_class)
    if isinstance(fc, bt2._UnsignedIntegerFieldClassConst):
        return "u%d" % fc.field_value_range
    if isinstance(fc, bt2._SignedIntegerFieldClassConst):
        return "s%d" % fc.field_value_range
    return type(fc).__name__


def label(field):
    labels = list(field.labels)
    return labels[0] if len(labels) == 1 else None


def main():
    trace, out_path = sys.argv[1], sys.argv[2]
    attached = "--attached" in sys.argv[3:]
    expected = {}
    pid = None
    with open(out_path) as f:
        for line in f:
            m = re.match(r"pid (\d+)", line)
            if m:
                pid = int(m.group(1))
            m = re.match(r"domain (\d+) isolations (\d+)", line)
            if m:
                expected[int(m.group(1))] = int(m.group(2))
    if not expected or pid is None:
        fail("workload output has no pid or isolation counts")

    checked_classes = set()
    bit_state = {}
    requests = collections.Counter()
    grants = collections.Counter()
    counts = collections.Counter()
    discarded = 0
    for msg in bt2.TraceCollectionMessageIterator(trace):
        if isinstance(msg, bt2._DiscardedEventsMessageConst):
            discarded += msg.count or 1
            continue
        if not isinstance(msg, bt2._EventMessageConst):
            continue
        ev = msg.event
        if not ev.name.startswith("rdv:"):
            continue
        if ev.name not in SCHEMA:
            fail("unknown event %s" % ev.name)
            continue
        if ev.cls.addr not in checked_classes:
            checked_classes.add(ev.cls.addr)
            got = {m.name: field_kind(m.field_class) for m in ev.cls.payload_field_class.values()}
            if got != SCHEMA[ev.name]:
                fail("%s fields %s, schema %s" % (ev.name, got, SCHEMA[ev.name]))
        ctx = ev.common_context_field
        if ctx is None or "vpid" not in ctx or "vtid" not in ctx:
            fail("%s without vpid/vtid context" % ev.name)
            continue
        vpid, vtid = int(ctx["vpid"]), int(ctx["vtid"])
        if vpid != pid:
            continue
        counts[ev.name] += 1
        p = ev.payload_field
        if ev.name == "rdv:thread_register" and int(p["os_tid"]) != vtid:
            fail("thread_register os_tid %d != vtid %d" % (int(p["os_tid"]), vtid))
        if ev.name != "rdv:mask_change":
            continue
        dom, thr, word = int(p["domain"]), int(p["thread"]), int(p["word"])
        old, new = int(p["old"]), int(p["new"])
        op, mask = label(p["op"]), label(p["mask"])
        if op not in OPS or mask not in MASKS:
            fail("bad op/mask labels %s/%s" % (op, mask))
        bit = 1 << (thr % 64)
        if old ^ new != bit or word != thr // 64:
            fail("mask_change thread %d word %d old %#x new %#x flips the wrong bit"
                 % (thr, word, old, new))
            continue
        key = (vpid, dom, thr, mask)
        was = bit_state.get(key)
        if was is not None and was != bool(old & bit):
            fail("thread %d %s bit: old says %d, previous event left %d"
                 % (thr, mask, bool(old & bit), was))
        bit_state[key] = bool(new & bit)
        if mask == "want_rdv" and op in ("isolate_request", "isolate_full_request"):
            requests[(vpid, dom, thr)] += 1
        if op == "isolate_grant" and mask == "idle":
            if new & bit:  # a full grant clears I first (the holder is not idle)
                fail("isolate_grant must clear I")
            continue
        if op == "isolate_grant":
            if mask != "harmless" or new & bit:
                fail("isolate_grant must clear H")
            if requests[(vpid, dom, thr)] <= grants[(vpid, dom, thr)]:
                fail("grant without request for thread %d" % thr)
            grants[(vpid, dom, thr)] += 1

    per_domain = collections.Counter()
    for (vpid, dom, thr), n in grants.items():
        per_domain[dom] += n
    for dom, n in expected.items():
        if per_domain[dom] != n:
            fail("domain %d: %d isolate_grant changes, workload did %d"
                 % (dom, per_domain[dom], n))
    if discarded:
        fail("%d events discarded" % discarded)
    for name in SCHEMA:
        if attached and name != "rdv:mask_change":
            continue
        if name == "rdv:stall":  # only when a request stalls: not every workload
            continue
        if counts[name] == 0:
            fail("no %s event" % name)
    wide = any(k[2] >= 64 for k in bit_state)
    print("trace: %s events, %d grants, threads in word 1: %s, discarded %d"
          % (sum(counts.values()), sum(grants.values()), wide, discarded))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
