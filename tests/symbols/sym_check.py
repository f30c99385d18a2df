#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks sym_dump's output against the `/* @site FUNCTION */` markers of
the workload's sources (no bt2 needed: sym_dump decoded the trace).

  sym_check.py OUT --src DIR [--expect OBJECT=RULE]... [--expect-all RULE]
               [--unknown VPID=N]...

RULE, for every site whose object is OBJECT:
  full:SRC  function, file (DIR/SRC) and line are those of a marker of SRC,
            and every marker of SRC is hit in that object
  dynsym    no file, no line; the function is plugin_run (exported) or
            none; two of each (plugin_run's two calls, plugin_step's two)
  none      object known, nothing else
--unknown VPID=N: exactly N sites of VPID are in no known object (all
fields null). Every site must fall under a rule; every probe must be
unknown. Exit 1 with one line per problem."""
import argparse
import os
import re
import sys


def markers(path):
    out = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = re.search(r"/\* @site (\w+) \*/", line)
            if m:
                out[n] = m.group(1)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--src", required=True)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--expect-all")
    ap.add_argument("--unknown", action="append", default=[])
    a = ap.parse_args()

    rules = dict(e.split("=", 1) for e in a.expect)
    unknown = {int(k): int(v) for k, v in (u.split("=", 1) for u in a.unknown)}
    problems = []
    sites, probes = [], []
    with open(a.out) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[0] in ("site", "probe"):
                rec = dict(vpid=int(p[1]), addr=p[2], obj=p[3], off=p[4], fn=p[5],
                           file=p[6], line=int(p[7]))
                (sites if p[0] == "site" else probes).append(rec)
    if not sites:
        problems.append("no site at all in the output")

    by_obj = {}
    unknown_seen = {v: 0 for v in unknown}
    for s in sites:
        if s["obj"] == "-":
            if s["fn"] != "-" or s["file"] != "-" or s["line"] != 0:
                problems.append(f"{s['addr']}: no object but {s['fn']} {s['file']}:{s['line']}")
            if s["vpid"] not in unknown:
                problems.append(f"{s['addr']}: vpid {s['vpid']} in no known object")
            else:
                unknown_seen[s["vpid"]] += 1
            continue
        by_obj.setdefault(s["obj"], []).append(s)
    for v, n in unknown.items():
        if unknown_seen[v] != n:
            problems.append(f"vpid {v}: {unknown_seen[v]} sites in no object, expected {n}")

    for obj, ss in sorted(by_obj.items()):
        rule = rules.get(obj, a.expect_all)
        if rule is None:
            problems.append(f"{obj}: {len(ss)} sites in an object no rule covers")
            continue
        if rule.startswith("full:"):
            src = os.path.join(a.src, rule[5:])
            mk = markers(src)
            hit = set()
            for s in ss:
                where = f"{obj}+{s['off']}"
                if os.path.realpath(s["file"]) != os.path.realpath(src):
                    problems.append(f"{where}: file {s['file']}, expected {src}")
                elif s["line"] not in mk:
                    problems.append(f"{where}: line {s['line']} has no marker")
                elif mk[s["line"]] != s["fn"]:
                    problems.append(f"{where}: function {s['fn']} at line {s['line']}, "
                                    f"expected {mk[s['line']]}")
                else:
                    hit.add(s["line"])
            for n in sorted(set(mk) - hit):
                problems.append(f"{obj}: marker {rule[5:]}:{n} ({mk[n]}) never resolved")
        elif rule == "dynsym":
            names = sorted(s["fn"] for s in ss)
            for s in ss:
                if s["file"] != "-" or s["line"] != 0:
                    problems.append(f"{obj}+{s['off']}: file:line {s['file']}:{s['line']} "
                                    "from an object without debug information")
            if names != ["-", "-", "plugin_run", "plugin_run"]:
                problems.append(f"{obj}: functions {names}, expected plugin_run twice "
                                "and none twice")
        elif rule == "none":
            for s in ss:
                if s["fn"] != "-" or s["file"] != "-" or s["line"] != 0:
                    problems.append(f"{obj}+{s['off']}: {s['fn']} {s['file']}:{s['line']}, "
                                    "expected nothing")
        else:
            problems.append(f"unknown rule {rule}")
    for obj in rules:
        if obj not in by_obj:
            problems.append(f"{obj}: no site")
    for p in probes:
        if p["obj"] != "-" or p["fn"] != "-" or p["file"] != "-" or p["line"] != 0:
            problems.append(f"probe {p['addr']} resolved: {p}")
    if not probes:
        problems.append("no probe lines")

    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print(f"ok: {len(sites)} sites in {len(by_obj)} objects, {len(probes)} probes unknown")
    return 0


if __name__ == "__main__":
    sys.exit(main())
