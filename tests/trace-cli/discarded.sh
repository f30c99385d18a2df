#!/bin/bash
# Lost events are reported: a channel far too small for the load (2 x 4 KiB
# per CPU) loses events; rdv-trace's summary counts at least what
# babeltrace2 warns about (the trace's packet counts; the channel's own
# counter may add the tail) and warns. The default channel loses none.
. "$RDV_TEST_LIB"
require_sessiond

load=(--threads 2 --duration 1 --rate 20000 --isolate-rate 1000)
"$RDV_TRACE" record -o "$TMP/small" --subbuf-size 4K --num-subbuf 2 -- "$RDV_BIN/poller" "${load[@]}" \
	>/dev/null 2>"$TMP/stderr" || fail "record failed: $(cat "$TMP/stderr")"
cat "$TMP/stderr"
discarded=$(summary_value "$TMP/stderr" 2)
grep -q "channel rdv: 2 x 4 KiB per CPU" "$TMP/stderr" || fail "channel size not reported"
grep -q "^rdv-trace: warning: $discarded events were lost" "$TMP/stderr" || fail "no warning about lost events"
babeltrace2 "$TMP/small" >/dev/null 2>"$TMP/bt.err" || fail "babeltrace2 cannot read the trace"
seen=$(sed -n 's/^WARNING: Tracer discarded \([0-9]*\) events.*/\1/p' "$TMP/bt.err" | awk '{ s += $1 } END { print s + 0 }')
[ "$seen" -gt 0 ] || fail "the tiny channel lost nothing: the test cannot show the count"
[ "$discarded" -ge "$seen" ] || fail "rdv-trace reports $discarded discarded, babeltrace2 sees $seen"

"$RDV_TRACE" record -o "$TMP/default" -- "$RDV_BIN/poller" "${load[@]}" >/dev/null 2>"$TMP/stderr2" ||
	fail "record failed: $(cat "$TMP/stderr2")"
cat "$TMP/stderr2"
[ "$(summary_value "$TMP/stderr2" 2)" -eq 0 ] || fail "the default channel lost events at 20000 requests/s"
grep -q "channel rdv: 8 x 4096 KiB per CPU" "$TMP/stderr2" || fail "default channel size not reported"
echo "PASS $TEST"
