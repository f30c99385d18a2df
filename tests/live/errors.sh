#!/bin/bash
# Bad live input: one line on stderr, non-zero exit, no crash, no hang; a
# relay that does not answer is shown as "connecting", and the window closes
# cleanly.
. "$RDV_TEST_LIB"
. "$RDV_LIVE_LIB"
# rdv-view's usage errors: exit 2, the reason then "Try 'rdv-view --help'."
expect_view_usage() {
	local pattern=$1 rc
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 2 ] && grep -q -- "$pattern" "$TMP/err" &&
		grep -q "^Try 'rdv-view --help'.$" "$TMP/err" ||
		fail "'$*': exit $rc, expected a usage error '$pattern', got: '$(cat "$TMP/err")'"
}
expect_view_usage "rdv-view: bad live URL 'foo'" "$RDV_VIEW" --live foo
expect_view_usage "no /host/HOSTNAME/SESSION part" "$RDV_VIEW" --live net://127.0.0.1:5344
expect_view_usage "bad --window '0'" "$RDV_VIEW" --live net://127.0.0.1/host/h/s --window 0
expect_view_usage "needs --exit-after" "$RDV_VIEW" --live net://127.0.0.1/host/h/s --screenshot "$TMP/x.png"
expect_view_usage "takes no TRACE_DIR" "$RDV_VIEW" --live net://127.0.0.1/host/h/s "$TMP"
expect_error "for live only" "$RDV_TRACE" record --view -- true
expect_error "needs --view" "$RDV_TRACE" live --view-opt x -- true
expect_error "exclusive" "$RDV_TRACE" live --save "$TMP/s" --relay net://127.0.0.1 -- true
expect_error "cannot attach to PID 999999999" "$RDV_TRACE" live --attach 999999999 --view

# nothing listens on this port: "connecting" until closed, exit 0
port=$((20000 + (RANDOM * 7 + $$) % 30000))
timeout 20 "$RDV_VIEW" --live "net://127.0.0.1:$port/host/h/s" --live-dump 0.5 --exit-after 2 \
	>"$TMP/dump" 2>"$TMP/err" || fail "rdv-view without a relay: exit $? ($(cat "$TMP/err"))"
grep -q 'state=connecting' "$TMP/dump" || fail "no 'connecting' state: $(cat "$TMP/dump")"
echo "PASS $TEST"
