#!/bin/bash
# rdv-trace attach: a poller started before the session is created gets its
# events recorded (librdv registers its tracepoints at program start), only
# from that process, and only from while attached (no domain_create).
. "$RDV_TEST_LIB"
require_sessiond

"$RDV_BIN/poller" --threads 2 --duration 6 --rate 2000 --isolate-rate 50 >"$TMP/poller.out" &
pid=$!
CLEANUP_PIDS="$pid"
sleep 1.5 # the program has started, created its domain and registered its threads
kill -0 "$pid" || fail "poller exited early"
"$RDV_TRACE" attach "$pid" -o "$TMP/trace" --duration 1.5 >"$TMP/stdout" 2>"$TMP/stderr" ||
	fail "rdv-trace attach failed: $(cat "$TMP/stderr")"
cat "$TMP/stderr"
kill -0 "$pid" || fail "the traced poller did not survive the detach"
events=$(summary_value "$TMP/stderr" 1)
[ -n "$events" ] && [ "$events" -gt 0 ] || fail "no events recorded while attached"
n=$(bt_count "$TMP/trace" " rdv:")
[ "$n" -eq "$events" ] || fail "rdv-trace counted $events events, babeltrace2 reads $n"
[ "$(bt_grants "$TMP/trace")" -gt 0 ] || fail "no isolation recorded while attached"
[ "$(bt_count "$TMP/trace" "rdv:domain_create")" -eq 0 ] || fail "domain_create recorded: not attached mid-run?"
others=$(grep -vc "vpid = $pid," "$TMP/bt.out")
[ "$others" -eq 0 ] || fail "$others events from other processes"

# attach ends when the program exits, without --duration.
"$RDV_TRACE" attach "$pid" -o "$TMP/trace2" >/dev/null 2>"$TMP/stderr2" ||
	fail "rdv-trace attach (until exit) failed: $(cat "$TMP/stderr2")"
wait "$pid" || fail "poller failed"
CLEANUP_PIDS=""
[ "$(summary_value "$TMP/stderr2" 1)" -gt 0 ] || fail "no events recorded until the program exited"
# the end of the program is in the trace
[ "$(bt_count "$TMP/trace2" "rdv:domain_destroy")" -eq 1 ] || fail "the program's last event is missing"
echo "PASS $TEST"
