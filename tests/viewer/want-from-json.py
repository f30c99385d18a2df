#!/usr/bin/env python3
# What rdv-view must show for a trace, from rdv-analyze's JSON of it (with
# --top: longest_waits): shell assignments (w_*=...) for story-real.sh and
# live-story.sh. Sites as the viewer writes them (function (file:line), the
# file's basename; "? (0x...)" unresolved), durations as format_duration().
# Usage: want-from-json.py REPORT.json
import json, os, sys

r = json.load(open(sys.argv[1]))
w = r["longest_waits"][0]


def text(s):  # the viewer's place of a site
    if s is None:
        return "?"
    if s["function"] is None:
        return "? (%s)" % s["address"]
    if s["file"] and s["line"]:
        return "%s (%s:%d)" % (s["function"], os.path.basename(s["file"]), s["line"])
    return "%s (%s)" % (s["function"], s["address"])


def place(s):  # the same as a --dump-view word
    return text(s).replace(" ", "_")


def dur(ns):  # the viewer's format_duration()
    if ns < 1000:
        return "%d ns" % ns
    for div, unit in ((1e3, "µs"), (1e6, "ms")):
        if ns < div * 1000:
            return "%.3g %s" % (ns / div, unit)
    return "%.4g s" % (ns / 1e9)


late = sorted(w["late"], key=lambda l: -l["delay_ns"])
strag = [l for l in late if l["straggler"]]
print("w_request=%d" % w["request_ns"])
print("w_requester_tid=%d" % w["os_tid"])
print("w_straggler_tid=%d" % (strag[0]["os_tid"] if strag else -1))
print("w_late_tids=%s" % ",".join(str(l["os_tid"]) for l in late))
print("w_late_delays=%s" % ",".join(str(l["delay_ns"]) for l in late))
print("w_places='%s'" % ",".join("%s_→_%s" % (place(l["from"]), place(l["to"])) for l in late))
print("w_site='%s'" % place(w["site"]))
print("w_bucket=%d" % (w["wait_ns"].bit_length() - 1))
s = strag[0]
print("w_strag_line='straggler t%d ready +%s: ran %s → %s'" % (
    s["thread"], dur(s["delay_ns"]), text(s["from"]), text(s["to"])))
print("w_site_text='%s'" % text(w["site"]))
print("w_grant_delay='grant delay %s: t%d'\"'\"'s own wake-up'" % (dur(w["grant_delay_ns"]), w["thread"]))
print("w_stalls=%d" % sum(1 for st in r["stalls"]
                          if st["thread"] == w["thread"] and w["request_ns"] <= st["time_ns"] <= w["grant_ns"]))
# the straggler list, by total delay (the JSON's order may differ on ties)
st = sorted(r["stragglers"], key=lambda s: (-s["delay_ns"], -s["count"]))
print("w_stragglers=%s" % ",".join("%d:%d:%d" % (s["thread"], s["count"], s["delay_ns"]) for s in st))
# the threads' labels: requests and late counts
roles = []
for t in r["threads"]:
    parts = []
    if t["isolations"]:
        parts.append("req_%d" % t["isolations"])
    if t["late_count"]:
        parts.append("late_%d" % t["late_count"])
    if parts:
        roles.append("%d=%s" % (t["os_tid"], "_·_".join(parts)))
print("w_roles='%s'" % " ".join(roles))
