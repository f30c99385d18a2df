#!/bin/sh
# Trace shapes the analyzer was not built on (scenario-workload.c), recorded
# now with rdv-trace, each checked against the references and every output.
# Environment (CMakeLists.txt): RDV_ANALYZE, RDV_PLUGIN_DIR, RDV_PYTHON,
# RDV_CHECK_TIMELINE, RDV_SUMMARY_DUMP, RDV_TRACE, RDV_SCENARIO.
#
#   scenario.sh record NAME   blame-check.py, check-report.py (when every
#                             registration is in the trace), consistency.py
#                             (every tool), scope-check.py (--pid, --domain,
#                             a window cutting isolations: every output
#                             restricted alike)
#   scenario.sh cut NAME      a lossless recording with small packets, and
#                             the same without every 4th packet (Babeltrace2
#                             reports them lost): every state, isolation and
#                             blame the cut trace gives is the whole one's
#                             (subset-check.py), its counts add up
#   scenario.sh trim NAME     the recording trimmed at a third (babeltrace2
#                             --begin): an exact attached session, compared
#                             with the whole (subset-check.py)
#   scenario.sh attach        a session attached while the program runs:
#                             the isolations get their blame once the
#                             workers' states are known (consistency.py too)
#   scenario.sh future        the trace written again as a later provider
#                             version would (future-trace.py): the same
#                             analysis
#   scenario.sh corrupt       a statedump build id length corrupted in a
#                             stream file: one line, exit 1, in seconds
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rdv-scenario-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mode=$1
shift
die() { echo "scenario.sh $mode: FAIL: $*" >&2; exit 1; }
py() { "$RDV_PYTHON" "$@"; }

if ! lttng list > /dev/null 2>&1; then
	die "cannot reach an LTTng session daemon (start one: lttng-sessiond --daemonize --no-kernel)"
fi

record() { # DIR [rdv-trace options] -- SCENARIO ARGS...
	rec_dir=$1
	shift
	"$RDV_TRACE" record -o "$rec_dir" "$@" > "$tmp/w.out" 2> "$tmp/record.log" ||
		{ cat "$tmp/record.log" >&2; die "rdv-trace record $*"; }
	tail -n 1 "$tmp/record.log"
}

# the vpids / domains of a report, one a line
keys() { # REPORT FIELD
	py -c 'import json,sys; print("\n".join(sorted({str(t[sys.argv[2]]) for t in json.load(open(sys.argv[1]))["threads"]})))' "$1" "$2"
}

case $mode in
record)
	name=$1
	case $name in
	many) args="--threads 100 --iterations 60" ;;
	domains | fork | forkreg) args="--threads 8 --iterations 80" ;;
	timeout) args="--threads 8 --iterations 100" ;;
	churn) args="--threads 8 --iterations 120" ;;
	*) args="--threads 8" ;;
	esac
	# (RDV_STALL_MS: rdv:stall events in the trace where requests wait)
	RDV_STALL_MS=1 record "$tmp/trace" -- "$RDV_SCENARIO" "$name" $args
	cat "$tmp/w.out"
	"$RDV_ANALYZE" "$tmp/trace" --json "$tmp/all.json" --top 1000000 -q || die "rdv-analyze"
	case $name in
	forkreg)
		# the child's forker stays registered without an event: the
		# references need every registration; the analyzer must keep
		# that thread unknown until its state is seen, and blame once
		py - "$tmp/all.json" <<'PY' || die "forkreg"
import json, sys
r = json.load(open(sys.argv[1]))
vp = sorted({t["vpid"] for t in r["threads"]})
assert len(vp) == 2, vp
child = [t for t in r["threads"] if t["vpid"] == vp[1] and t["registrations"] == 0]
assert len(child) == 1 and child[0]["state_ns"]["unknown"] > 0, child
isos = [w for w in r["longest_waits"] if w["vpid"] == vp[1]]
blamed = [w for w in isos if w["grant_delay_ns"] is not None]
assert isos and len(blamed) * 2 >= len(isos), (len(blamed), len(isos))
print("forkreg: the child's forker unknown %d ns, then known; %d of %d child isolations blamed" %
      (child[0]["state_ns"]["unknown"], len(blamed), len(isos)))
PY
		;;
	*)
		py "$here/blame-check.py" "$tmp/trace" "$tmp/all.json" || die "the blame reference disagrees"
		py "$here/check-report.py" "$tmp/trace" "$tmp/all.json" || die "the state reference disagrees"
		;;
	esac
	py "$here/consistency.py" "$tmp/trace" --record-log "$tmp/record.log" || die "the tools disagree"
	n=0
	for v in $(keys "$tmp/all.json" vpid); do
		n=$((n + 1))
		py "$here/scope-check.py" "$tmp/trace" "$tmp/all.json" "$tmp/s$n" --pid "$v" ||
			die "scope --pid $v"
	done
	for d in $(keys "$tmp/all.json" domain); do
		n=$((n + 1))
		py "$here/scope-check.py" "$tmp/trace" "$tmp/all.json" "$tmp/s$n" --domain "$d" ||
			die "scope --domain $d"
	done
	# a window from a third to two thirds of the trace (cutting isolations),
	# with a domain; one past the trace's end: empty, every output alike
	w=$(py -c 'import json,sys; r=json.load(open(sys.argv[1])); s=r["end_ns"]-r["begin_ns"]; print("%dns %dns" % (s // 3, 2 * s // 3))' "$tmp/all.json")
	py "$here/scope-check.py" "$tmp/trace" "$tmp/all.json" "$tmp/w1" --from "${w% *}" --to "${w#* }" ||
		die "scope --from/--to"
	py "$here/scope-check.py" "$tmp/trace" "$tmp/all.json" "$tmp/w2" --from "${w% *}" \
		--domain "$(keys "$tmp/all.json" domain | head -n 1)" || die "scope --from --domain"
	py "$here/scope-check.py" "$tmp/trace" "$tmp/all.json" "$tmp/w3" --from 1000s ||
		die "scope past the end"
	;;
cut)
	name=$1
	record "$tmp/whole" --subbuf-size 64K --num-subbuf 64 -- "$RDV_SCENARIO" "$name" \
		--threads 12 --iterations 300
	grep -q ' 0 discarded' "$tmp/record.log" || die "the whole recording lost events"
	py "$here/drop-packets.py" "$tmp/whole" "$tmp/cut" --every 4
	for t in whole cut; do
		"$RDV_ANALYZE" "$tmp/$t" --json "$tmp/$t.json" --csv "$tmp/$t.csv" --top 1000000 -q ||
			die "rdv-analyze $t"
	done
	py "$here/subset-check.py" "$tmp/whole.json" "$tmp/whole.csv" "$tmp/cut.json" "$tmp/cut.csv" \
		--tol 0 --min-blamed 20 || die "the cut trace invents or changes what the whole one says"
	py "$here/consistency.py" "$tmp/cut" || die "the tools disagree on the cut trace"
	;;
trim)
	# a session that attached at a third of the run, exactly: the whole
	# recording trimmed by babeltrace2 --begin (sink.ctf.fs); wherever the
	# trimmed trace gives an answer, it is the whole one's
	name=$1
	record "$tmp/whole" -- "$RDV_SCENARIO" "$name" --threads 8 --iterations 200
	"$RDV_ANALYZE" "$tmp/whole" --json "$tmp/whole.json" --csv "$tmp/whole.csv" --top 1000000 -q ||
		die "rdv-analyze"
	at=$(py -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["begin_ns"]+(r["end_ns"]-r["begin_ns"])//3; print("%d.%09d" % (t // 10**9, t % 10**9))' "$tmp/whole.json")
	babeltrace2 "$tmp/whole" --begin="$at" --output-format=ctf --output="$tmp/trim" > /dev/null ||
		die "babeltrace2 --begin"
	"$RDV_ANALYZE" "$tmp/trim" --json "$tmp/trim.json" --csv "$tmp/trim.csv" --top 1000000 -q ||
		die "rdv-analyze trimmed"
	py "$here/subset-check.py" "$tmp/whole.json" "$tmp/whole.csv" "$tmp/trim.json" "$tmp/trim.csv" \
		--tol 0 --min-blamed 20 || die "the trimmed trace invents or changes what the whole one says"
	py "$here/consistency.py" "$tmp/trim" || die "the tools disagree on the trimmed trace"
	;;
attach)
	SCENARIO_PIDFILE=$tmp/pid "$RDV_SCENARIO" many --threads 8 --iterations 4000 \
		> /dev/null 2> "$tmp/w.err" &
	wpid=$!
	i=0
	while [ ! -s "$tmp/pid" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.3
	rc=0
	"$RDV_TRACE" attach "$(cat "$tmp/pid")" -o "$tmp/trace" --duration 0.5 \
		> "$tmp/record.log" 2>&1 || rc=$?
	wait $wpid || die "the workload failed: $(cat "$tmp/w.err")"
	[ $rc -eq 0 ] || { cat "$tmp/record.log" >&2; die "rdv-trace attach"; }
	tail -n 1 "$tmp/record.log"
	"$RDV_ANALYZE" "$tmp/trace" --json "$tmp/r.json" -q || die "rdv-analyze"
	py - "$tmp/r.json" <<'PY' || die "an attached trace gets no blame"
import json, sys
r = json.load(open(sys.argv[1]))
isos = sum(t["isolations"] for t in r["threads"])
gd = r["latency"]["grant_delay"]
unregistered = [t for t in r["threads"] if t["registrations"] == 0]
assert unregistered, "every registration traced: not an attached trace"
assert isos >= 10, isos
# the workers' states are known after their first events: the blame of
# (nearly) every isolation is known
assert gd["count"] >= 0.9 * isos and r["straggler_skipped_gap"] <= 0.1 * isos, (gd, isos)
assert r["stragglers"], "no straggler named"
print("attach: %d isolations, %d with their blame, %d threads first seen mid-life" %
      (isos, gd["count"], len(unregistered)))
PY
	py "$here/consistency.py" "$tmp/trace" --record-log "$tmp/record.log" || die "the tools disagree"
	;;
future)
	# a later provider version: more fields, enumerations numbered
	# otherwise, an unknown rdv event class; the same analysis
	RDV_STALL_MS=1 record "$tmp/trace" -- "$RDV_SCENARIO" timeout --threads 8 --iterations 150
	py "$here/future-trace.py" "$tmp/trace" "$tmp/future" > "$tmp/future.out" ||
		die "future-trace.py"
	cat "$tmp/future.out"
	for t in trace future; do
		"$RDV_ANALYZE" "$tmp/$t" --json "$tmp/$t.json" --top 1000000 -q || die "rdv-analyze $t"
	done
	py - "$tmp/trace.json" "$tmp/future.json" "$tmp/future.out" <<'PY' || die "the later provider's trace analyzes otherwise"
import json, re, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
nfut = int(re.search(r"and (\d+) future events", open(sys.argv[3]).read()).group(1))
def strip(x):  # sites: addresses (the statedump is not copied)
    if isinstance(x, dict):
        if {"address", "object", "function"} <= set(x):
            return x["address"]
        return {k: strip(v) for k, v in x.items()}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
a, b = strip(a), strip(b)
assert b["events"] == a["events"] + nfut, (a["events"], b["events"], nfut)
diff = [k for k in a if k != "events" and a[k] != b[k]]
assert not diff, diff
assert a["latency"]["isolate_wait"]["timed_out"] > 0 and a["stalls"], "no timeout or stall"
print("future provider: the same analysis (%d events more: rdv:future_event)" % nfut)
PY
	;;
corrupt)
	record "$tmp/trace" -- "$RDV_SCENARIO" one --threads 4
	# a build id length (u64, 20) of an lttng_ust_statedump:build_id event
	# made huge: Babeltrace2 allocates element after element without end
	py - "$tmp/trace" <<'PY' || die "no build id length found"
import os, struct, sys
import bt2
ids = []
for m in bt2.TraceCollectionMessageIterator(sys.argv[1]):
    if type(m) is bt2._EventMessageConst and m.event.name == "lttng_ust_statedump:build_id":
        ids.append(bytes(int(x) for x in m.event.payload_field["build_id"]))
ids = [b for b in ids if len(b) == 20]
for root, dirs, files in os.walk(sys.argv[1]):
    if "metadata" not in files:
        continue
    for f in sorted(files):
        if f == "metadata" or not os.path.isfile(os.path.join(root, f)):
            continue
        p = os.path.join(root, f)
        d = bytearray(open(p, "rb").read())
        i = max(d.find(struct.pack("<Q", 20) + b) for b in ids) if ids else -1
        if i > 0:
            d[i + 3], d[i + 4] = 0x5D, 0x9F  # 0x9f5d000014 elements
            open(p, "wb").write(d)
            print("corrupted %s at %d" % (p, i))
            sys.exit(0)
sys.exit(1)
PY
	rc=0
	RDV_ANALYZE_MAX_MB=512 timeout 20 "$RDV_ANALYZE" "$tmp/trace" --json "$tmp/r.json" \
		> /dev/null 2> "$tmp/err" || rc=$?
	cat "$tmp/err"
	[ $rc -eq 1 ] || die "status $rc, want 1"
	[ "$(wc -l < "$tmp/err")" -eq 1 ] || die "not one line on stderr"
	grep -q "^rdv-analyze: cannot read trace '.*trace': " "$tmp/err" || die "unexpected message"
	[ ! -e "$tmp/r.json" ] || die "the failed run left its --json output"
	;;
*)
	die "unknown mode"
	;;
esac
echo "scenario.sh $mode ${1:-}: ok"
