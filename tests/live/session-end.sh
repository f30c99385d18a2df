#!/bin/bash
# The session ends (the program exits, rdv-trace destroys the session):
# rdv-view says so and keeps the last picture, with every event.
. "$RDV_TEST_LIB"
. "$RDV_LIVE_LIB"
require_sessiond
start_relayd

name=rdv-test-live-end-$$
start_live_program "$name" 3
"$RDV_VIEW" --live "$URL" --live-dump 0.3 --exit-after 15 >"$TMP/dump" 2>"$TMP/view.err" &
view=$!
CLEANUP_PIDS="$CLEANUP_PIDS $view"
wait "$REC" || fail "rdv-trace live failed: $(cat "$TMP/rec.err")"
ended=$(wait_dump "$TMP/dump" 'state=session-ended' 8) ||
	fail "the viewer did not report the session's end: $(tail -1 "$TMP/dump") $(cat "$TMP/view.err")"
grep -q "session ended" "$TMP/view.err" || fail "no 'session ended' message: $(cat "$TMP/view.err")"
kill -0 "$view" 2>/dev/null || fail "rdv-view quit at the session's end"
# the viewer got the trace up to its last event (it attached after the
# program started: the first packets may have been sent before it came)
"$RDV_ANALYZE" "$RELAY_OUT" --json "$TMP/r.json" >/dev/null 2>"$TMP/an.err" ||
	fail "rdv-analyze cannot read the relay's trace: $(cat "$TMP/an.err")"
want=$(sed -n 's/.*"events": *\([0-9]*\).*/\1/p' "$TMP/r.json" | head -1)
want_end=$(sed -n 's/.*"end_ns": *\([0-9]*\).*/\1/p' "$TMP/r.json" | head -1)
got=$(dump_value "$ended" events)
[ "$(dump_value "$ended" model_end_ns)" = "$want_end" ] ||
	fail "the viewer's model ends at $(dump_value "$ended" model_end_ns), the trace at $want_end"
[ "$got" -le "$want" ] && [ $((got * 10)) -ge $((want * 9)) ] ||
	fail "the viewer got $got events, the trace has $want"
kill "$view"
wait "$view"
session_gone "$name" || fail "session $name left behind"
echo "PASS $TEST ($got events)"
