#!/bin/bash
# Lost events are counted exactly. A burst (one thread, 100 000
# harmless_now/end pairs in a few milliseconds) outruns the consumer of a
# 2 x 4 KiB per-CPU channel every time; rdv-trace prints the trace's own
# count, which equals the sum of Babeltrace2's "Tracer discarded" warnings,
# and recorded + discarded equals what the same burst records with the
# default channel, which loses none.
. "$RDV_TEST_LIB"
require_sessiond

burst=("$RDV_WORKLOAD" burst 100000)
"$RDV_TRACE" record -o "$TMP/default" -- "${burst[@]}" >/dev/null 2>"$TMP/stderr2" ||
	fail "record failed: $(cat "$TMP/stderr2")"
cat "$TMP/stderr2"
[ "$(summary_value "$TMP/stderr2" 2)" -eq 0 ] || fail "the default channel lost events"
grep -q "channel rdv: 8 x 4096 KiB per CPU" "$TMP/stderr2" || fail "default channel size not reported"
grep -q "warning\|note" "$TMP/stderr2" && fail "a warning without loss: $(cat "$TMP/stderr2")"
all=$(summary_value "$TMP/stderr2" 1)
[ "$all" -gt 200000 ] || fail "the burst recorded $all events, expected more than 200000"

"$RDV_TRACE" record -o "$TMP/small" --subbuf-size 4K --num-subbuf 2 -- "${burst[@]}" \
	>/dev/null 2>"$TMP/stderr" || fail "record failed: $(cat "$TMP/stderr")"
cat "$TMP/stderr"
events=$(summary_value "$TMP/stderr" 1)
discarded=$(summary_value "$TMP/stderr" 2)
grep -q "channel rdv: 2 x 4 KiB per CPU" "$TMP/stderr" || fail "channel size not reported"
[ "$discarded" -gt 0 ] || fail "the burst lost nothing in a 2 x 4 KiB channel: the test cannot show the count"
[ "$discarded" -lt $((1 << 62)) ] || fail "discarded count $discarded carries a flag bit"
grep -q "^rdv-trace: warning: $discarded events were lost" "$TMP/stderr" || fail "no warning about lost events"
babeltrace2 "$TMP/small" >/dev/null 2>"$TMP/bt.err" || fail "babeltrace2 cannot read the trace"
seen=$(sed -n 's/^WARNING: Tracer discarded \([0-9]*\) events.*/\1/p' "$TMP/bt.err" | awk '{ s += $1 } END { print s + 0 }')
[ "$discarded" -eq "$seen" ] || fail "rdv-trace reports $discarded discarded, babeltrace2 sees $seen"
[ $((events + discarded)) -eq "$all" ] || fail "recorded $events + discarded $discarded != $all events of the same burst"
echo "PASS $TEST"
