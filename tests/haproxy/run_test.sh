#!/bin/bash
# HAProxy 2.6 on librdv under wrk while its CLI isolates (samples/haproxy/
# run.sh, 4 s), then checks: wrk got only successful responses and HAProxy
# served them; isolations were granted while wrk ran; the trace keeps I1
# and I2 and lost nothing; requests came from several HAProxy call sites;
# the report, the --top report and the picture exist.
# CTest sets HAPROXY, RDV_BIN, RDV_TEST_LIB, RDV_SAMPLES.
. "$RDV_TEST_LIB"
[ -x "$HAPROXY" ] || { echo "SKIP $TEST: no HAProxy built at $HAPROXY (haproxy_build skipped or failed)"; exit $SKIP; }
require_sessiond
command -v wrk >/dev/null || fail "wrk is not installed"

out=$TMP/run
if ! bash "$RDV_SAMPLES/run.sh" --haproxy "$HAPROXY" --rdv-bin "$RDV_BIN" "$out" 4 >"$TMP/run.out" 2>&1; then
	cat "$TMP/run.out"
	tail -5 "$out/haproxy.log" 2>/dev/null
	fail "run.sh failed"
fi
cat "$TMP/run.out"
summary=$(cat "$out/summary.txt")
v() { field "$summary" "$1"; }

# The load: only successful responses, and HAProxy served every one.
[ "$(v requests)" -gt 0 ] || fail "wrk made no request"
[ "$(v non2xx)" -eq 0 ] || fail "wrk got $(v non2xx) responses that are not 2xx/3xx"
[ "$(v socket_errors)" -eq 0 ] || fail "wrk had $(v socket_errors) socket errors"
[ "$(v served)" -ge "$(v requests)" ] || fail "HAProxy's frontend counts $(v served) requests, wrk made $(v requests)"
# The CLI: every command answered as on success, isolations counted.
[ "$(v cli_rounds)" -gt 0 ] || fail "the CLI loop ran no round"
[ "$(v cli_failed)" -eq 0 ] || fail "$(v cli_failed) CLI commands failed (see cli.log)"
[ "$(v isolations)" -gt 0 ] || fail "rdv-analyze counts no isolation"
[ "$(v discarded)" -eq 0 ] || fail "$(v discarded) events discarded"

# The trace itself: I1, I2, callers, loss; the analysis' report agrees.
/usr/bin/python3 "$(dirname "$0")/check_trace.py" "$out/trace" "$out/summary.txt" "$out/report.json" ||
	fail "the trace breaks the protocol's invariants (above)"

# The outputs run.sh promises.
for f in report.txt report.json top.txt haproxy.timeline; do
	[ -s "$out/$f" ] || fail "run.sh wrote no $f"
done
grep -q "discarded" "$out/report.txt" || fail "report.txt is not rdv-analyze's report"
[ "$(head -c 8 "$out/timeline.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	fail "timeline.png is not a PNG"
echo "PASS $TEST"
