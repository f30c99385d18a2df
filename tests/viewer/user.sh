#!/bin/bash
# rdv-view as a new user meets it, on real traces recorded with rdv-trace
# (a real lttng-sessiond) and a real SDL window (the offscreen driver, asked
# for by name):
#  - times without a unit are seconds, as rdv-analyze's --from/--to: the
#    same "--from 1 --to 1.5" shows the same half second in both tools;
#  - a trace directory without any rdv event (a program that does not use
#    librdv) is an error shown in the window, and --exit-after still closes
#    it (it used to stay 30 s), exit 1, one line on stderr.
# Usage: user.sh BINDIR
. "$RDV_TEST_LIB"
require_sessiond
bin=$1
export SDL_VIDEODRIVER=offscreen

"$bin/rdv-trace" record -o "$TMP/poller" -- "$bin/poller" --threads 2 --duration 2 --rate 2000 \
	--isolate-rate 50 >/dev/null 2>"$TMP/rec.err" || fail "record poller: $(cat "$TMP/rec.err")"
"$bin/rdv-analyze" "$TMP/poller" --timeline "$TMP/p.timeline" --json "$TMP/p.json" -q ||
	fail "rdv-analyze of the poller trace"
"$bin/rdv-analyze" "$TMP/poller" --from 1 --to 1.5 --json "$TMP/w.json" -q ||
	fail "rdv-analyze --from 1 --to 1.5"
begin=$(sed -n 's/^  "begin_ns": \([0-9]*\),$/\1/p' "$TMP/p.json")
wbegin=$(sed -n 's/^  "begin_ns": \([0-9]*\),$/\1/p' "$TMP/w.json")
[ -n "$begin" ] && [ -n "$wbegin" ] || fail "no begin_ns in the JSON reports"
[ $((wbegin - begin)) -eq 1000000000 ] || fail "rdv-analyze --from 1 starts $((wbegin - begin)) ns in"
for input in "$TMP/p.timeline" "$TMP/poller"; do
	"$bin/rdv-view" "$input" --from 1 --to 1.5 --screenshot "$TMP/w.png" --dump-view \
		>"$TMP/dump" 2>"$TMP/err" || fail "rdv-view $input --from 1 --to 1.5: exit $? $(cat "$TMP/err")"
	t0=$(sed -n 's/.* t0=\([0-9]*\) .*/\1/p' "$TMP/dump" | tail -1)
	t1=$(sed -n 's/.* t1=\([0-9]*\) .*/\1/p' "$TMP/dump" | tail -1)
	[ -n "$t0" ] && [ -n "$t1" ] || fail "no view range in --dump-view: $(cat "$TMP/dump")"
	[ $((t0 - begin)) -eq 1000000000 ] && [ $((t1 - t0)) -eq 500000000 ] ||
		fail "rdv-view $input --from 1 --to 1.5 shows [$((t0 - begin)), $((t1 - begin))) ns, not [1 s, 1.5 s)"
done
# Units still mean what they say.
"$bin/rdv-view" "$TMP/p.timeline" --from 1000ms --to 1500000us --screenshot "$TMP/w.png" --dump-view \
	>"$TMP/dump" 2>"$TMP/err" || fail "rdv-view --from 1000ms: exit $?"
t0=$(sed -n 's/.* t0=\([0-9]*\) .*/\1/p' "$TMP/dump" | tail -1)
[ $((t0 - begin)) -eq 1000000000 ] || fail "--from 1000ms starts $((t0 - begin)) ns in"

# A trace without any rdv event, in a window closed by --exit-after.
"$bin/rdv-trace" record -o "$TMP/none" -- true >/dev/null 2>&1 || fail "record true"
start=$(date +%s%N)
timeout 40 "$bin/rdv-view" "$TMP/none" --exit-after 2 >"$TMP/out" 2>"$TMP/err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
cat "$TMP/err"
[ $rc -eq 1 ] || fail "a trace without rdv events: exit $rc, expected 1"
[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^rdv-view: no rdv events" "$TMP/err" ||
	fail "a trace without rdv events: stderr '$(cat "$TMP/err")'"
[ $ms -lt 10000 ] || fail "--exit-after 2 on an error screen took $ms ms"
echo "PASS $TEST"
