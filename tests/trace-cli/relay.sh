#!/bin/bash
# rdv-trace record --relay: the trace is streamed to an lttng-relayd on
# loopback (non-default ports) and is complete there.
. "$RDV_TEST_LIB"
require_sessiond
start_relayd

name=rdv-test-relay-$$
"$RDV_TRACE" record --relay "net://127.0.0.1:$RELAY_CTRL:$RELAY_DATA" --name "$name" -- \
	"$RDV_BIN/poller" --threads 2 --duration 1 --rate 2000 --isolate-rate 50 \
	>"$TMP/stdout" 2>"$TMP/stderr" || fail "rdv-trace record --relay failed: $(cat "$TMP/stderr")"
cat "$TMP/stdout" "$TMP/stderr"
grep -q "trace streamed to net://127.0.0.1:$RELAY_CTRL:$RELAY_DATA" "$TMP/stderr" || fail "relay not named"
grep -q "^rdv-trace: LTTng's channel counter says 0 events discarded" "$TMP/stderr" || fail "discarded events not reported"
trace=$(find "$RELAY_OUT" -maxdepth 2 -type d -name "$name-*")
[ -n "$trace" ] || fail "no trace $name-* under the relay's output $RELAY_OUT"
isolations=$(field "$(cat "$TMP/stdout")" isolations)
grants=$(bt_grants "$trace")
[ "$grants" -eq "$isolations" ] || fail "$grants grants in the relayed trace, the poller did $isolations"
echo "PASS $TEST"
