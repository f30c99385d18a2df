#!/bin/bash
# rdv-view --live has the same isolations panel and selection: one command
# (rdv-trace live --view --save DIR) streams the blame workload (64 threads,
# a known 3 ms harmful stretch, stall reports on) to a relay of its own and
# opens the viewer in a real window under Xvfb; once reception is over, one
# key (X) selects the worst isolation of the session, with its requester,
# straggler and every late thread on screen, its sections (function and
# file:line) on the straggler's lane and in the info box; the straggler list
# is by total delay. Then the saved trace, analyzed by rdv-analyze, must say
# the same: the worst wait's request, requester, late threads, delays and
# sections, the stragglers.
# CTest sets RDV_TEST_LIB, RDV_LIVE_LIB, RDV_BIN (the build's bin directory).
. "$RDV_TEST_LIB"
. "$RDV_LIVE_LIB"
require_sessiond
for tool in Xvfb xdotool python3; do
	command -v $tool >/dev/null || fail "cannot test: $tool not installed"
done
here=$(cd "$(dirname "$0")" && pwd)

. "$here/xvfb-lib.sh"
xvfb_start "$TMP" 1920x1200 2>"$TMP/xvfb.err"
rc=$?
CLEANUP_PIDS="$CLEANUP_PIDS $XVFB_PID"
[ $rc -eq 0 ] || fail "$(cat "$TMP/xvfb.err")"

name=rdv-test-viewer-live-$$
RDV_STALL_MS=1 "$RDV_BIN/rdv-trace" live --view --save "$TMP/saved" --name "$name" \
	--view-opt --dump-view --view-opt --live-dump --view-opt 0.3 --view-opt --size \
	--view-opt 1280x800 --view-opt --exit-after --view-opt 40 \
	-- "$RDV_BIN/rdv-blame-workload" --threads 64 --isolations 10 --mode both \
	>"$TMP/out" 2>"$TMP/err" &
rec=$!
CLEANUP_PIDS="$CLEANUP_PIDS $rec"

val() { # LINE KEY
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}
in_list() { # ITEM LIST
	case ",$2," in *",$1,"*) return 0 ;; esac
	return 1
}
last_view() {
	grep '^rdv-view: view ' "$TMP/out" | tail -1
}

xvfb_window 150 || fail "no rdv-view window: $(cat "$TMP/err")"
wid=$WID
wait_dump "$TMP/out" 'rdv-view: live state=.* stream=over' 30 >/dev/null ||
	fail "the viewer's reception never ended: $(grep 'live state' "$TMP/out" | tail -1)"
faulty=$(sed -n 's/.*faulty_tid=\([0-9]*\).*/\1/p' "$TMP/out")
l_end=$(sed -n 's/.*after_poll:\([0-9]*\).*/\1/p' "$TMP/out")
l_now=$(sed -n 's/.*before_poll:\([0-9]*\).*/\1/p' "$TMP/out")
[ -n "$faulty" ] && [ -n "$l_end" ] && [ -n "$l_now" ] || fail "no workload summary: $(head -3 "$TMP/out")"
sleep 0.5 # the last snapshot shown
xdotool windowfocus --sync "$wid" 2>/dev/null || true
xdotool key --window "$wid" x
view=
for _ in $(seq 50); do
	view=$(last_view)
	[ "$(val "$view" selected)" != -1 ] && [ "$(val "$view" selected)" = "$(val "$view" worst)" ] && break
	sleep 0.1
done
[ "$(val "$view" selected)" = "$(val "$view" worst)" ] && [ "$(val "$view" selected)" != -1 ] ||
	fail "X selected $(val "$view" selected), the worst is $(val "$view" worst)"
visible=$(val "$view" visible)
for l in $(val "$view" requester) $(val "$view" straggler) $(val "$view" late | tr ',' ' '); do
	in_list "$l" "$visible" || fail "lane $l of the worst isolation not on screen: $view"
done
[ "$(val "$view" straggler_tid)" = "$faulty" ] || fail "straggler tid $(val "$view" straggler_tid), the faulty thread is $faulty"
case "$(val "$view" places)" in
*"after_poll_(blame-workload.c:$l_end)_→_before_poll_(blame-workload.c:$l_now)"*) ;;
*) fail "sections $(val "$view" places), want after_poll:$l_end -> before_poll:$l_now" ;;
esac
[ -n "$(val "$view" sections | sed 's/^[0-9]*://')" ] || fail "no section drawn on the straggler's lane"
# (the info box's lines, unwrapped)
info=$(echo "$view" | sed 's/.* info=//; s/ clipped=[0-9]*$//; s/ | \( *\)/ /g; s/  */ /g')
case "$info" in
*"straggler t1 ready +"*": ran after_poll (blame-workload.c:$l_end) → before_poll (blame-workload.c:$l_now)"*) ;;
*) fail "the info box does not tell the straggler's section: $info" ;;
esac
[ "$(val "$view" clipped)" = 0 ] || fail "$(val "$view" clipped) texts cut"
echo "ok   live, key X: isolation $(val "$view" selected), straggler tid $faulty on screen, sections $(val "$view" places)"
if [ -n "${RDV_VIEW_KEEP_PNG:-}" ] && command -v import >/dev/null 2>&1; then
	import -window "$wid" "$RDV_VIEW_KEEP_PNG/live-worst.png" 2>/dev/null
fi

xdotool key --window "$wid" q 2>/dev/null
wait "$rec" || fail "rdv-trace live --view failed: $(cat "$TMP/err")"
session_gone "$name" || fail "session $name left behind"

# The saved trace says the same.
"$RDV_BIN/rdv-analyze" "$TMP/saved" --json "$TMP/r.json" --top 1000 -q 2>"$TMP/an.err" ||
	fail "the saved trace cannot be analyzed: $(cat "$TMP/an.err")"
python3 "$here/want-from-json.py" "$TMP/r.json" >"$TMP/want" || fail "cannot read the JSON"
. "$TMP/want"
[ "$(val "$view" sel_request)" = "$w_request" ] || fail "selected request $(val "$view" sel_request), rdv-analyze's worst $w_request"
[ "$(val "$view" requester_tid)" = "$w_requester_tid" ] || fail "requester $(val "$view" requester_tid), want $w_requester_tid"
[ "$(val "$view" late_tids)" = "$w_late_tids" ] || fail "late threads $(val "$view" late_tids), want $w_late_tids"
[ "$(val "$view" late_delays)" = "$w_late_delays" ] || fail "late delays $(val "$view" late_delays), want $w_late_delays"
places=$(val "$view" places | sed 's/\(^\|,\)[0-9]*:/\1/g')
[ "$places" = "$w_places" ] || fail "sections $places, want $w_places"
[ "$(val "$view" stragglers)" = "$w_stragglers" ] || fail "straggler list $(val "$view" stragglers), want $w_stragglers"
echo "ok   the live view = rdv-analyze of the saved trace: request $w_request, late $w_late_tids ($w_late_delays ns), stragglers $w_stragglers"
echo "PASS $TEST"
