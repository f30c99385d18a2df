#!/bin/bash
# rdv-trace live --view --save DIR -- PROGRAM: one command starts a relay of
# its own, the session and the viewer; the program's exit shows as
# "program exited"; the relay is stopped and DIR holds the trace.
. "$RDV_TEST_LIB"
. "$RDV_LIVE_LIB"
require_sessiond

name=rdv-test-live-view-$$
"$RDV_TRACE" live --view --save "$TMP/saved" --name "$name" \
	--view-opt --live-dump --view-opt 0.3 --view-opt --exit-after --view-opt 15 \
	-- "$RDV_BIN/poller" --threads 2 --duration 3 --rate 2000 >"$TMP/out" 2>"$TMP/err" &
rec=$!
CLEANUP_PIDS="$CLEANUP_PIDS $rec"
wait "$rec" || fail "rdv-trace live --view failed: $(cat "$TMP/err")"
relay=$(sed -n 's/^rdv-trace: started lttng-relayd (PID \([0-9]*\)).*/\1/p' "$TMP/err")
[ -n "$relay" ] || fail "no relay started: $(cat "$TMP/err")"
kill -0 "$relay" 2>/dev/null && fail "the relay (PID $relay) still runs after rdv-trace"
grep -q 'rdv-view: live state=live .* intervals=[1-9]' "$TMP/out" ||
	fail "the viewer showed no state while the program ran: $(cat "$TMP/out" "$TMP/err")"
# the first line once reception is over: everything the viewer will get
last=$(grep 'rdv-view: live state=.* stream=over' "$TMP/out" | head -1)
[ -n "$last" ] || fail "the viewer's reception never ended: $(tail -1 "$TMP/out")"
[ "$(dump_value "$last" state)" = program-exited ] || fail "expected program-exited at the end: $last"
grep -q "traced program exited" "$TMP/err" || fail "no 'program exited' message: $(cat "$TMP/err")"
"$RDV_ANALYZE" "$TMP/saved" --json "$TMP/r.json" >/dev/null 2>"$TMP/an.err" ||
	fail "the saved trace cannot be analyzed: $(cat "$TMP/an.err")"
want=$(sed -n 's/.*"events": *\([0-9]*\).*/\1/p' "$TMP/r.json" | head -1)
[ "$(dump_value "$last" events)" -eq "$want" ] ||
	fail "the viewer got $(dump_value "$last" events) events, the saved trace has $want"
session_gone "$name" || fail "session $name left behind"
echo "PASS $TEST ($want events)"
