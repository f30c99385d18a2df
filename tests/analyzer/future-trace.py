#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the rdv events of a trace again as a CTF trace of a later provider
version (Babeltrace2's sink.ctf.fs), to check that rdv-analyze reads what
DESIGN.md §3 promises and ignores the rest (README "Inputs": fields by name,
enumerations by label):

- every rdv:* event with its fields, and more: `mask_change` gains a field
  `future_flags` (before `caller`) and its `op` and `mask` enumerations
  number their labels otherwise (and `op` has a label no trace uses), the
  context gains a field;
- an event class `rdv:future_event` that the analyzer does not know,
  emitted after every 7th rdv event (counted in `events`: it is rdv:*);
- the statedump and loader events are dropped (sites are then addresses).

    future-trace.py SRC DST      (SRC without lost events)

Prints the number of future events written.
"""
import sys

import bt2

OPS = ["register", "unregister", "harmless_now", "harmless_end", "harmless_wait", "idle_now",
       "idle_end", "isolate_request", "isolate_full_request", "isolate_grant", "release",
       "isolate_timeout", "isolate_upgrade_from_the_future"]
MASKS = ["harmless", "want_rdv", "idle"]


def load(src):
    out = []
    for m in bt2.TraceCollectionMessageIterator(src):
        if type(m) in (bt2._DiscardedEventsMessageConst, bt2._DiscardedPacketsMessageConst):
            sys.exit("future-trace: the source lost events")
        if type(m) is not bt2._EventMessageConst or not m.event.name.startswith("rdv:"):
            continue
        e = m.event
        c = e.common_context_field
        p = {k: (list(v.labels) if hasattr(v, "labels") else
                 [int(x) for x in v] if isinstance(v, bt2._DynamicArrayFieldConst) else int(v))
             for k, v in e.payload_field.items()}
        out.append((m.default_clock_snapshot.ns_from_origin, e.name, int(c["vpid"]),
                    int(c["vtid"]), str(c["procname"]) if "procname" in c else "", p))
    return out


def build(comp, events):
    """The trace class, stream and event classes (made by the component)."""
    tc = comp._create_trace_class()
    cc = comp._create_clock_class(frequency=1000000000, name="monotonic")
    ctx = tc.create_structure_field_class()
    ctx.append_member("future_ctx", tc.create_unsigned_integer_field_class(16))
    ctx.append_member("vpid", tc.create_signed_integer_field_class(32))
    ctx.append_member("vtid", tc.create_signed_integer_field_class(32))
    ctx.append_member("procname", tc.create_string_field_class())
    sc = tc.create_stream_class(default_clock_class=cc, event_common_context_field_class=ctx,
                                supports_packets=True,
                                packets_have_beginning_default_clock_snapshot=True,
                                packets_have_end_default_clock_snapshot=True)

    def u(n):
        return tc.create_unsigned_integer_field_class(n)

    def enum(labels, base):
        fc = tc.create_unsigned_enumeration_field_class(32)
        for i, l in enumerate(labels):
            v = base + (len(labels) - 1 - i) * 3  # not the provider's values
            fc.add_mapping(l, bt2.UnsignedIntegerRangeSet([(v, v)]))
        return fc

    op_value = {l: 40 + (len(OPS) - 1 - i) * 3 for i, l in enumerate(OPS)}
    mask_value = {l: 7 + (len(MASKS) - 1 - i) * 3 for i, l in enumerate(MASKS)}
    classes = {}

    def ec(name, fields):
        st = tc.create_structure_field_class()
        for fname, fc in fields:
            st.append_member(fname, fc)
        classes[name] = sc.create_event_class(name=name, payload_field_class=st)

    ec("rdv:domain_create", [("domain", u(32)), ("max_threads", u(32))])
    ec("rdv:domain_destroy", [("domain", u(32))])
    ec("rdv:thread_register", [("domain", u(32)), ("thread", u(32)),
                               ("os_tid", tc.create_signed_integer_field_class(32))])
    ec("rdv:thread_unregister", [("domain", u(32)), ("thread", u(32))])
    ec("rdv:mask_change", [("domain", u(32)), ("thread", u(32)), ("op", enum(OPS, 40)),
                           ("mask", enum(MASKS, 7)), ("word", u(32)), ("old", u(64)),
                           ("new", u(64)), ("future_flags", u(64)), ("caller", u(64))])
    nlate = u(32)
    late = tc.create_dynamic_array_field_class(u(32), length_fc=nlate)
    ec("rdv:stall", [("domain", u(32)), ("thread", u(32)), ("waited_ns", u(64)),
                     ("_late_length", nlate), ("late", late)])
    ec("rdv:future_event", [("domain", u(32)), ("what", tc.create_string_field_class()),
                            ("value", u(64))])
    return dict(classes=classes, trace=tc, sc=sc, events=events, op_value=op_value,
                mask_value=mask_value)



class Iter(bt2._UserMessageIterator):
    def __init__(self, config, port):
        b = port.user_data
        self._classes, self._events = b["classes"], b["events"]
        self._op_value, self._mask_value = b["op_value"], b["mask_value"]
        self._stream = b["trace"]().create_stream(b["sc"])
        self._gen = self._messages()

    def _messages(self):
        first, last = self._events[0][0], self._events[-1][0]
        yield self._create_stream_beginning_message(self._stream)
        pkt = self._stream.create_packet()
        yield self._create_packet_beginning_message(pkt, first)
        n = 0
        for ts, name, vpid, vtid, proc, p in self._events:
            yield self._event(pkt, ts, name, vpid, vtid, proc, p)
            n += 1
            if n % 7 == 0:
                yield self._event(pkt, ts, "rdv:future_event", vpid, vtid, proc,
                                  {"domain": 0, "what": "ignore me", "value": n})
        yield self._create_packet_end_message(pkt, last)
        yield self._create_stream_end_message(self._stream)

    def _event(self, pkt, ts, name, vpid, vtid, proc, p):
        m = self._create_event_message(self._classes[name], pkt, default_clock_snapshot=ts)
        e = m.event
        c = e.common_context_field
        c["future_ctx"] = 0xFFFF
        c["vpid"] = vpid
        c["vtid"] = vtid
        c["procname"] = proc
        f = e.payload_field
        for k, v in p.items():
            if k == "op":
                v = self._op_value[v[0]]
            elif k == "mask":
                v = self._mask_value[v[0]]
            if k == "late":
                f[k].length = len(v)
                for i, x in enumerate(v):
                    f[k][i] = x
            elif k in f:
                f[k] = v
        if "future_flags" in f:
            f["future_flags"] = 0xDEADBEEF
        if "caller" in f and "caller" not in p:
            f["caller"] = 0
        return m

    def __next__(self):
        return next(self._gen)


class Src(bt2._UserSourceComponent, message_iterator_class=Iter):
    def __init__(self, config, params, obj):
        self._add_output_port("out", build(self, obj))


def main():
    src, dst = sys.argv[1], sys.argv[2]
    events = load(src)
    if not events:
        sys.exit("future-trace: no rdv events in the source")
    g = bt2.Graph()
    s = g.add_component(Src, "src", obj=events)
    fs = bt2.find_plugin("ctf").sink_component_classes["fs"]
    k = g.add_component(fs, "sink", params={"path": dst, "assume-single-trace": True})
    g.connect_ports(s.output_ports["out"], k.input_ports["in"])
    g.run()
    print("future-trace: %d rdv events and %d future events written" % (len(events),
                                                                         len(events) // 7))


if __name__ == "__main__":
    main()
