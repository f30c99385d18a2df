#!/bin/sh
# From opening a REAL 64-thread trace to "this isolation waited 3 ms because
# t1 ran after_poll (blame-workload.c:64) → before_poll
# (blame-workload.c:69)", in a real window under Xvfb driven by xdotool,
# checked through --dump-view against rdv-analyze's JSON of the same trace.
#
# The trace: tests/analyzer/blame-workload.c (64 threads: a control thread
# isolating 10 times while a faulty thread runs a 3 ms harmful stretch
# between two known calls; librdv's stall reports on, past 1 ms) recorded
# with the real rdv-trace on the running LTTng session daemon. rdv-view
# opens the trace directory itself (analyzed in-process).
#
#   - at open: the straggler list is the JSON's `stragglers`, by total delay;
#     the lanes' labels give the JSON's late counts (`threads[].late_count`)
#     and requests;
#   - one action each (key X; a click on the first table row; a click on the
#     isolate_wait bar of the longest wait): the worst isolation
#     (`longest_waits[0]`) is selected, its requester, straggler and every
#     late thread on screen; the requester, straggler, late threads, their
#     delays and sections (function and file:line) are the JSON's; the
#     section drawn on the straggler's lane is a form of it; the info box
#     tells the whole answer (site, wait, late threads with sections, grant
#     delay, the stall report); the faulty thread and its two calls are the
#     ones the workload printed; no text cut.
# With RDV_VIEW_KEEP_PNG=DIR, screenshots of the window are kept there.
# Usage: story-real.sh BINDIR
set -u
bin=$1
d=$(mktemp -d "${TMPDIR:-/tmp}/rdv-view-real.XXXXXX")
xpid= vpid=
cleanup() {
	[ -n "$vpid" ] && kill "$vpid" 2>/dev/null
	[ -n "$xpid" ] && kill "$xpid" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT INT TERM
fail() {
	echo "story-real.sh: $*" >&2
	echo "last view: $(tail -1 "$d/dump" 2>/dev/null | cut -c1-3000)" >&2
	cat "$d/err" >&2 2>/dev/null
	exit 1
}
for tool in Xvfb xdotool python3; do
	command -v $tool >/dev/null || fail "cannot test: $tool not installed"
done
lttng list >/dev/null 2>&1 ||
	fail "cannot reach an LTTng session daemon (start one: lttng-sessiond --daemonize --no-kernel)"

# A 20 ms harmful stretch against a 1 ms stall threshold: the requester
# reports its stall even when a loaded machine wakes it late.
RDV_STALL_MS=1 "$bin/rdv-trace" record -o "$d/trace" -- "$bin/rdv-blame-workload" --threads 64 --stretch-us 20000 \
	--isolations 10 --mode both >"$d/w.out" 2>"$d/record.log" ||
	{ cat "$d/record.log" >&2; fail "rdv-trace record"; }
cat "$d/w.out"
faulty=$(sed -n 's/.*faulty_tid=\([0-9]*\).*/\1/p' "$d/w.out")
l_end=$(sed -n 's/.*after_poll:\([0-9]*\).*/\1/p' "$d/w.out")
l_now=$(sed -n 's/.*before_poll:\([0-9]*\).*/\1/p' "$d/w.out")
[ -n "$faulty" ] && [ -n "$l_end" ] && [ -n "$l_now" ] || fail "no workload summary"
"$bin/rdv-analyze" "$d/trace" --json "$d/r.json" --top 1000 -q || fail "rdv-analyze"

# What the view must show, from the JSON: shell assignments.
python3 "$(dirname "$0")/want-from-json.py" "$d/r.json" >"$d/want" || fail "cannot read the JSON"
. "$d/want"
echo "want: worst request $w_request, requester $w_requester_tid, straggler $w_straggler_tid," \
	"late $w_late_tids ($w_late_delays ns), sections $w_places"
[ "$w_straggler_tid" = "$faulty" ] || fail "the analysis names $w_straggler_tid, not the faulty thread $faulty"
case "$w_places" in
*"after_poll_(blame-workload.c:$l_end)_→_before_poll_(blame-workload.c:$l_now)"*) ;;
*) fail "the analysis' section is $w_places, not after_poll:$l_end -> before_poll:$l_now" ;;
esac
[ "$w_stalls" -ge 1 ] || fail "no stall report for the worst request"

. "$(dirname "$0")/xvfb-lib.sh"
xvfb_start "$d" 1920x1200 2>"$d/xvfb.err"
rc=$?
xpid=$XVFB_PID
[ $rc -eq 0 ] || fail "$(cat "$d/xvfb.err")"

"$bin/rdv-view" --size 1280x800 --dump-view "$d/trace" >"$d/dump" 2>"$d/err" &
vpid=$!
xvfb_window || fail "no rdv-view window"
wid=$WID

val() { # LINE KEY
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}
in_list() { # ITEM LIST
	case ",$2," in *",$1,"*) return 0 ;; esac
	return 1
}
view=
wait_for() { # KEY VALUE
	i=0
	while [ $i -lt 100 ]; do
		view=$(tail -1 "$d/dump")
		[ "$(val "$view" "$1")" = "$2" ] && return 0
		kill -0 "$vpid" 2>/dev/null || fail "rdv-view died"
		sleep 0.1
		i=$((i + 1))
	done
	fail "waited for $1=$2"
}
shot() { # NAME
	if [ -n "${RDV_VIEW_KEEP_PNG:-}" ] && command -v import >/dev/null 2>&1; then
		sleep 0.3
		import -window "$wid" "$RDV_VIEW_KEEP_PNG/real-$1.png" 2>/dev/null
	fi
}
# Open: the trace is analyzed in-process, then shown (nothing selected).
wait_for selected -1
i=0
while [ -z "$(val "$(tail -1 "$d/dump")" stragglers)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
view=$(tail -1 "$d/dump")
shot open
[ "$(val "$view" stragglers)" = "$w_stragglers" ] ||
	fail "straggler list $(val "$view" stragglers), the JSON says $w_stragglers (by total delay)"
echo "ok   open: straggler list = the JSON's stragglers by total delay ($w_stragglers)"

check_story() { # WHAT
	wait_for sel_request "$w_request"
	[ "$(val "$view" span_visible)" = 1 ] || fail "$1: the isolation is not in the time range"
	[ "$(val "$view" selected)" = "$(val "$view" worst)" ] || fail "$1: not the worst isolation"
	[ "$(val "$view" requester_tid)" = "$w_requester_tid" ] || fail "$1: requester tid $(val "$view" requester_tid)"
	[ "$(val "$view" straggler_tid)" = "$w_straggler_tid" ] || fail "$1: straggler tid $(val "$view" straggler_tid)"
	[ "$(val "$view" late_tids)" = "$w_late_tids" ] || fail "$1: late threads $(val "$view" late_tids)"
	[ "$(val "$view" late_delays)" = "$w_late_delays" ] || fail "$1: late delays $(val "$view" late_delays)"
	[ "$(val "$view" site)" = "$w_site" ] || fail "$1: requesting site $(val "$view" site), want $w_site"
	visible=$(val "$view" visible)
	in_list "$(val "$view" requester)" "$visible" || fail "$1: the requester is not on screen"
	in_list "$(val "$view" straggler)" "$visible" || fail "$1: the straggler is not on screen"
	for l in $(val "$view" late | tr ',' ' '); do
		in_list "$l" "$visible" || fail "$1: late thread $l not on screen"
	done
	# the sections in full are the JSON's; the one drawn on each late lane
	# is one of its forms (the place, the functions), never empty here
	places=$(val "$view" places | sed 's/\(^\|,\)[0-9]*:/\1/g')
	[ "$places" = "$w_places" ] || fail "$1: sections $places, the JSON says $w_places"
	strag=$(val "$view" straggler)
	drawn=$(val "$view" sections | tr ',' '\n' | sed -n "s/^$strag://p")
	full=$(val "$view" places | tr ',' '\n' | sed -n "s/^$strag://p")
	fn=$(echo "$full" | sed 's/_([^)]*)//g')
	case "$drawn" in
	"$full" | "$(echo "$full" | sed 's/_→_/_→\//')" | "$fn" | "$(echo "$fn" | sed 's/_→_/_→\//')" | "${fn%%_→*}") ;;
	*) fail "$1: the straggler's lane shows '$drawn', not a form of '$full'" ;;
	esac
	info=$(echo "$view" | sed 's/.* info=//; s/ clipped=[0-9]*$//; s/ | \( *\)/ /g; s/  */ /g')
	for want in "from $w_site_text" "$w_strag_line" "$w_grant_delay" "stall reported after"; do
		case "$info" in
		*"$want"*) ;;
		*) fail "$1: the info box does not say '$want': $info" ;;
		esac
	done
	[ "$(val "$view" clipped)" = 0 ] || fail "$1: $(val "$view" clipped) texts cut"
	echo "ok   $1: the worst isolation, its requester, straggler and late threads on screen;" \
		"the straggler's lane shows $drawn"
}

# The labels at open: the JSON's requests and late counts (lanes on screen).
roles=$(val "$view" roles)
n=0
for pair in $w_roles; do
	# (the roles list names lanes, the JSON tids: the texts are compared)
	want=${pair#*=}
	case ",$roles," in *":$want,"*) n=$((n + 1)) ;; esac
done
[ $n -ge 1 ] || fail "no lane label shows the JSON's counts ($w_roles; shown: $roles)"
echo "ok   open: $n lane labels with the JSON's request / late counts ($roles)"

# Action 1: X.
xdotool key x
check_story "key X"
shot worst

# Action 2: a click on the first row of the table (sorted by wait).
xdotool key Escape
wait_for selected -1
table=$(val "$view" table)
xdotool mousemove --window "$wid" $(($(echo "$table" | cut -d, -f1) + 40)) "$(echo "$table" | cut -d, -f5)" click 1
check_story "click on the first table row"

# Action 3: a click on the isolate_wait bar that holds the longest wait.
xdotool key Escape
wait_for selected -1
h=$(val "$view" hists | tr ';' '\n' | grep '^0:')
x=$(echo "$h" | awk -F: -v b="$w_bucket" '{ nb = $7 - $6 + 1; printf "%d", $2 + (b - $6 + 0.5) * $4 / nb }')
y=$(echo "$h" | awk -F: '{ printf "%d", $3 + $5 - 3 }')
xdotool mousemove --window "$wid" "$x" "$y" click 1
check_story "click on the isolate_wait bar of the longest wait"

# Larger: the same story.
xdotool windowmove "$wid" 0 0 windowsize "$wid" 1920 1080
wait_for width 1920
check_story "window 1920x1080"
shot 1920x1080

xdotool key q
i=0
while kill -0 "$vpid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait "$vpid"
rc=$?
vpid=
[ $rc -eq 0 ] || fail "rdv-view exited with $rc"
echo "story-real.sh: ok"
