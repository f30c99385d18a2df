#!/bin/bash
# Ctrl-C during rdv-trace record: SIGINT is forwarded to the program, which
# stops early; the session is stopped and destroyed cleanly, so the trace
# reads without error and is complete (every isolation the program counted
# is in it). The exit status is the program's (130).
. "$RDV_TEST_LIB"
require_sessiond

"$RDV_TRACE" record -o "$TMP/trace" -- "$RDV_BIN/poller" --threads 2 --duration 30 --rate 2000 \
	--isolate-rate 50 >"$TMP/stdout" 2>"$TMP/stderr" &
rec=$!
CLEANUP_PIDS="$rec"
sleep 2
kill -INT "$rec"
wait "$rec"
rc=$?
CLEANUP_PIDS=""
[ "$rc" -eq 130 ] || fail "exit status $rc, expected 130 (the program's, after SIGINT): $(cat "$TMP/stderr")"
cat "$TMP/stdout" "$TMP/stderr"
isolations=$(field "$(cat "$TMP/stdout")" isolations)
[ -n "$isolations" ] || fail "the program did not print its summary: SIGINT not forwarded?"
grants=$(bt_grants "$TMP/trace")
[ "$grants" -eq "$isolations" ] || fail "$grants grants in the trace, the program did $isolations"

# The same from a terminal: Ctrl-C reaches rdv-trace and the program at
# once (rdv-trace must not send a second SIGINT, and must survive to stop
# the session).
command -v python3 >/dev/null || { echo "SKIP: python3 missing for the terminal case"; exit $SKIP; }
python3 "$(dirname "$0")/pty-ctrl-c.py" 2 "$RDV_TRACE" record -o "$TMP/trace-tty" -- "$RDV_BIN/poller" \
	--threads 2 --duration 30 --rate 2000 --isolate-rate 50 >"$TMP/tty.out"
rc=$?
tr -d '\r' <"$TMP/tty.out" >"$TMP/tty.txt"
cat "$TMP/tty.txt"
[ "$rc" -eq 130 ] || fail "from a terminal: exit status $rc, expected 130"
isolations=$(field "$(grep -o 'sample=.*' "$TMP/tty.txt")" isolations) # after the echoed ^C
[ -n "$isolations" ] || fail "from a terminal: the program did not print its summary"
grep -q "^rdv-trace: .* events, 0 discarded" "$TMP/tty.txt" || fail "from a terminal: no summary from rdv-trace"
grants=$(bt_grants "$TMP/trace-tty")
[ "$grants" -eq "$isolations" ] || fail "from a terminal: $grants grants in the trace, the program did $isolations"
echo "PASS $TEST"
