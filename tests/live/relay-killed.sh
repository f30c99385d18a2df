#!/bin/bash
# The relay killed mid-session: rdv-view says so (state relay-gone, one line
# on stderr), keeps showing what it got, and exits cleanly when closed.
. "$RDV_TEST_LIB"
. "$RDV_LIVE_LIB"
require_sessiond
start_relayd

name=rdv-test-live-relay-$$
start_live_program "$name" 8
"$RDV_VIEW" --live "$URL" --live-dump 0.3 --exit-after 7 >"$TMP/dump" 2>"$TMP/view.err" &
view=$!
CLEANUP_PIDS="$CLEANUP_PIDS $view"
wait_dump "$TMP/dump" 'state=live .* intervals=[1-9]' 8 >/dev/null ||
	fail "no state reached the viewer: $(tail -2 "$TMP/dump") $(cat "$TMP/view.err")"
kill -9 "$RELAY_PID"
gone=$(wait_dump "$TMP/dump" 'state=relay-gone' 5) ||
	fail "the viewer did not report the lost relay in 5 s: $(tail -1 "$TMP/dump")"
[ "$(dump_value "$gone" intervals)" -gt 0 ] || fail "the model was dropped with the relay"
sleep 0.5
kill -0 "$view" 2>/dev/null || fail "rdv-view died after the relay went away: $(cat "$TMP/view.err")"
grep -q "relay gone" "$TMP/view.err" || fail "no 'relay gone' message: $(cat "$TMP/view.err")"
wait "$view" || fail "rdv-view exited with an error after the relay went away: $(cat "$TMP/view.err")"
wait "$REC" # rdv-trace may report the relay's loss; it must still clean up
for _ in $(seq 50); do
	session_gone "$name" && break
	sleep 0.1
done
session_gone "$name" || { lttng destroy "$name" >/dev/null 2>&1; fail "session $name left behind"; }
echo "PASS $TEST"
