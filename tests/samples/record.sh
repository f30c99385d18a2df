#!/bin/bash
# rdv-trace records a sample from its start: babeltrace2 reads the trace
# without warnings, it holds one isolate_grant per isolation the sample
# counted, and rdv-trace's summary agrees with babeltrace2.
# Usage: record.sh SAMPLE (hello, poller or wakeall)
. "$RDV_TEST_LIB"
require_sessiond
sample=$1

case $sample in
hello) args=() ;;
*) args=(--threads 3 --duration 1.5 --rate 3000 --isolate-rate 40) ;;
esac
"$RDV_TRACE" record -o "$TMP/trace" --name "rdv-test-$sample-$$" -- "$RDV_BIN/$sample" "${args[@]}" \
	>"$TMP/stdout" 2>"$TMP/stderr" || fail "rdv-trace record failed: $(cat "$TMP/stderr")"
cat "$TMP/stdout" "$TMP/stderr"
grep -q "^rdv-trace: trace: $TMP/trace\$" "$TMP/stderr" || fail "no trace path printed"
events=$(summary_value "$TMP/stderr" 1)
discarded=$(summary_value "$TMP/stderr" 2)
threads=$(summary_value "$TMP/stderr" 3)
[ -n "$events" ] || fail "no summary line"
[ "$discarded" -eq 0 ] || fail "$discarded events discarded"

case $sample in
hello)
	isolations=$(sed -n 's/^hello: \([0-9]*\) isolations$/\1/p' "$TMP/stdout")
	want_threads=3 ;;
poller)
	isolations=$(field "$(cat "$TMP/stdout")" isolations)
	want_threads=5 ;; # main, 3 workers, control
wakeall)
	# No librdv: nothing to record, and rdv-trace says so.
	[ "$events" -eq 0 ] || fail "wakeall does not use librdv, yet $events events"
	grep -q "^rdv-trace: warning: no rdv events" "$TMP/stderr" || fail "no warning that nothing was recorded"
	echo "PASS $TEST"
	exit 0 ;;
esac
[ "$isolations" -gt 0 ] || fail "the sample did no isolation"
grants=$(bt_grants "$TMP/trace")
[ "$grants" -eq "$isolations" ] || fail "$grants isolate_grant events in the trace, the sample did $isolations isolations"
total=$(bt_count "$TMP/trace" " rdv:")
[ "$total" -eq "$events" ] || fail "rdv-trace counted $events events, babeltrace2 reads $total"
[ "$threads" -eq "$want_threads" ] || fail "rdv-trace counted $threads threads, expected $want_threads"
for ev in domain_create thread_register mask_change thread_unregister domain_destroy; do
	[ "$(bt_count "$TMP/trace" "rdv:$ev:")" -gt 0 ] || fail "no rdv:$ev event"
done
grep -q 'vpid = [0-9]*, vtid = [0-9]*, procname = "'"$sample"'"' "$TMP/bt.out" || fail "vpid/vtid/procname contexts missing"
echo "PASS $TEST"
