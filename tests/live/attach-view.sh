#!/bin/bash
# rdv-trace live --attach PID --view: a program already running is traced
# live and shown; its exit shows as "program exited" and ends the command.
. "$RDV_TEST_LIB"
. "$RDV_LIVE_LIB"
require_sessiond

"$RDV_BIN/poller" --threads 2 --duration 5 --rate 2000 >"$TMP/poller.out" 2>&1 &
prog=$!
CLEANUP_PIDS="$CLEANUP_PIDS $prog"
sleep 0.5
name=rdv-test-live-attach-$$
"$RDV_TRACE" live --attach "$prog" --view --save "$TMP/saved" --name "$name" \
	--view-opt --live-dump --view-opt 0.3 --view-opt --exit-after --view-opt 9 \
	>"$TMP/out" 2>"$TMP/err" &
rec=$!
CLEANUP_PIDS="$CLEANUP_PIDS $rec"
first=$(wait_dump "$TMP/out" 'state=live .* intervals=[1-9]' 8) ||
	fail "no state reached the viewer: $(tail -2 "$TMP/out") $(cat "$TMP/err")"
kill -0 "$prog" 2>/dev/null || fail "the program ended before the check"
wait "$rec" || fail "rdv-trace live --attach --view failed: $(cat "$TMP/err")"
last=$(grep 'rdv-view: live state=' "$TMP/out" | tail -1)
[ "$(dump_value "$last" state)" = program-exited ] || fail "expected program-exited at the end: $last"
[ "$(dump_value "$last" lanes)" -ge 2 ] || fail "expected the poller's threads: $last"
session_gone "$name" || fail "session $name left behind"
echo "PASS $TEST"
