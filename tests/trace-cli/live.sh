#!/bin/bash
# rdv-trace live: a live viewer (babeltrace2 --input-format=lttng-live)
# receives events while the program still runs.
. "$RDV_TEST_LIB"
require_sessiond
start_relayd

name=rdv-test-live-$$
"$RDV_TRACE" live --relay "net://127.0.0.1:$RELAY_CTRL:$RELAY_DATA" --live-port "$RELAY_LIVE" \
	--name "$name" -- "$RDV_BIN/poller" --threads 2 --duration 6 --rate 2000 --isolate-rate 50 \
	>"$TMP/stdout" 2>"$TMP/stderr" &
rec=$!
CLEANUP_PIDS="$CLEANUP_PIDS $rec"
for _ in $(seq 50); do
	grep -q "live session" "$TMP/stderr" && break
	sleep 0.1
done
url="net://127.0.0.1:$RELAY_LIVE/host/$(hostname)/$name"
grep -q "view with babeltrace2 --input-format=lttng-live $url" "$TMP/stderr" ||
	fail "no viewer URL printed: $(cat "$TMP/stderr")"
stdbuf=""
command -v stdbuf >/dev/null && stdbuf="stdbuf -oL"
$stdbuf babeltrace2 --input-format=lttng-live "$url" >"$TMP/live.out" 2>"$TMP/live.err" &
viewer=$!
CLEANUP_PIDS="$CLEANUP_PIDS $viewer"
sleep 3
kill -0 "$rec" || fail "the program ended before the check: cannot prove live delivery"
seen=$(grep -c "rdv:mask_change" "$TMP/live.out")
kill -0 "$rec" || fail "the program ended during the check"
[ "$seen" -gt 0 ] || fail "no event reached the live viewer while the program runs: $(head -3 "$TMP/live.err")"
echo "$seen events seen live while the program runs"
wait "$rec" || fail "rdv-trace live failed: $(cat "$TMP/stderr")"
for _ in $(seq 100); do # the viewer ends with the session
	kill -0 "$viewer" 2>/dev/null || break
	sleep 0.1
done
echo "PASS $TEST"
