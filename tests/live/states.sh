#!/bin/bash
# States of a running program reach rdv-view's model while it runs, and
# keep coming: the model's latest event time follows the wall clock.
. "$RDV_TEST_LIB"
. "$RDV_LIVE_LIB"
require_sessiond
start_relayd

name=rdv-test-live-states-$$
start_live_program "$name" 12
"$RDV_VIEW" --live "$URL" --window 5 --live-dump 0.5 --exit-after 9 >"$TMP/dump" 2>"$TMP/view.err" &
view=$!
CLEANUP_PIDS="$CLEANUP_PIDS $view"

first=$(wait_dump "$TMP/dump" 'state=live .* intervals=[1-9]' 8) ||
	fail "no state reached the viewer's model in 8 s: $(tail -2 "$TMP/dump") $(cat "$TMP/view.err")"
kill -0 "$PROG" 2>/dev/null || fail "the program ended before the check: cannot prove live delivery"
sleep 2
second=$(tail -1 "$TMP/dump")
kill -0 "$PROG" 2>/dev/null || fail "the program ended during the check"

lanes=$(dump_value "$first" lanes)
[ "$lanes" -ge 4 ] || fail "expected the poller's 4 threads (3 workers + control), model has $lanes lanes"
end1=$(dump_value "$first" model_end_ns)
end2=$(dump_value "$second" model_end_ns)
now2=$(dump_value "$second" realtime_ns)
[ "$end2" -gt "$end1" ] || fail "the model did not move on while the program runs: $end1 then $end2"
# LTTng's clock offset makes trace times epoch-based: compare to the
# wall clock at the dump (the live timer is 100 ms, snapshots 4 a second).
age_ms=$(((now2 - end2) / 1000000))
echo "model lags the wall clock by $age_ms ms"
[ "$age_ms" -lt 3000 ] || fail "the newest state in the model is $age_ms ms old (want < 3 s)"
[ "$(dump_value "$second" discarded)" -eq 0 ] || fail "events were lost"

wait "$view" || fail "rdv-view --live exited with an error: $(cat "$TMP/view.err")"
wait "$REC" || fail "rdv-trace live failed: $(cat "$TMP/rec.err")"
session_gone "$name" || fail "session $name left behind"
echo "PASS $TEST"
