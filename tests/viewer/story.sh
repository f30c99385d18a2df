#!/bin/sh
# From opening a 64-thread trace to its worst isolation, in a real window
# under Xvfb driven by xdotool, checked through the view model (--dump-view,
# a test hook: one line per changed frame saying what is selected and which
# lanes are on screen):
#   - one key (X): the worst isolation selected, zoomed on, its requester,
#     straggler and every late thread on screen;
#   - one click on a blocked interval of a thread it blocked, on the first
#     row of the isolations table, or on its histogram bar: the same;
#   - the tooltip follows the view (PgDn under a still pointer);
#   - at 800x500 and 1920x1080 no text is cut, the threads stay on screen;
#   - Shift+drag measures; F focuses the selection again.
# The trace: synth-timeline poller (64 workers, a control thread isolating
# 300 times, one isolation waiting 4.67 ms), which prints what must be found.
# With RDV_VIEW_KEEP_PNG=DIR, screenshots of the window are kept there.
# Usage: story.sh BINDIR
set -u
bin=$1
d=$(mktemp -d "${TMPDIR:-/tmp}/rdv-view-story.XXXXXX")
xpid= vpid=
cleanup() {
	[ -n "$vpid" ] && kill "$vpid" 2>/dev/null
	[ -n "$xpid" ] && kill "$xpid" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT INT TERM
fail() {
	echo "story.sh: $*" >&2
	echo "last view: $(tail -1 "$d/dump" 2>/dev/null | cut -c1-600)" >&2
	cat "$d/err" >&2 2>/dev/null
	exit 1
}
for tool in Xvfb xdotool; do
	command -v $tool >/dev/null || fail "cannot test: $tool not installed"
done

facts=$("$bin/synth-timeline" poller "$d/p64.timeline" 64 300) || fail "cannot write the trace"
val() { # LINE KEY
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}
in_list() { # ITEM LIST
	case ",$2," in *",$1,"*) return 0 ;; esac
	return 1
}
worst=$(val "$facts" worst)
requester=$(val "$facts" requester)
straggler=$(val "$facts" straggler)
blocked_lanes=$(val "$facts" blocked_lanes)

. "$(dirname "$0")/xvfb-lib.sh"
xvfb_start "$d" 1920x1200 2>"$d/xvfb.err"
rc=$?
xpid=$XVFB_PID
[ $rc -eq 0 ] || fail "$(cat "$d/xvfb.err")"

"$bin/rdv-view" --size 1280x800 --dump-view "$d/p64.timeline" >"$d/dump" 2>"$d/err" &
vpid=$!
xvfb_window || fail "no rdv-view window"
wid=$WID

view=
# Waits until the last view line has KEY=VALUE (5 s at most).
wait_for() { # KEY VALUE
	i=0
	while [ $i -lt 50 ]; do
		view=$(tail -1 "$d/dump")
		[ "$(val "$view" "$1")" = "$2" ] && return 0
		kill -0 "$vpid" 2>/dev/null || fail "rdv-view died"
		sleep 0.1
		i=$((i + 1))
	done
	fail "waited for $1=$2"
}
# The selected isolation, its requester, straggler and late threads on screen.
check_story() { # WHAT
	wait_for selected "$worst"
	[ "$(val "$view" span_visible)" = 1 ] || fail "$1: the isolation is not in the time range"
	visible=$(val "$view" visible)
	in_list "$requester" "$visible" || fail "$1: requester $requester not on screen"
	in_list "$straggler" "$visible" || fail "$1: straggler $straggler not on screen"
	for l in $(val "$view" late | tr ',' ' '); do
		in_list "$l" "$visible" || fail "$1: late thread $l not on screen"
	done
	[ "$(val "$view" requester)" = "$requester" ] || fail "$1: requester $(val "$view" requester)"
	[ "$(val "$view" straggler)" = "$straggler" ] || fail "$1: straggler $(val "$view" straggler)"
	[ "$(val "$view" clipped)" = 0 ] || fail "$1: $(val "$view" clipped) texts cut"
	echo "ok   $1: isolation $worst, requester $requester, straggler $straggler on screen"
}
shot() { # NAME
	if [ -n "${RDV_VIEW_KEEP_PNG:-}" ] && command -v import >/dev/null 2>&1; then
		sleep 0.2
		import -window "$wid" "$RDV_VIEW_KEEP_PNG/story-$1.png" 2>/dev/null
	fi
}
# x of trace time T in the lanes area of the last view line.
time_x() { # T
	echo "$view" | awk -v t="$1" -v t0="$(val "$view" t0)" -v t1="$(val "$view" t1)" \
		-v a="$(val "$view" lanes_area)" '{ split(a, q, ","); printf "%d", q[1] + (t - t0) * q[3] / (t1 - t0) }'
}
# y of a lane on screen, or nothing.
lane_y() { # LANE
	echo "$view" | awk -v lane="$1" -v v="$(val "$view" visible)" -v y="$(val "$view" visible_y)" \
		'{ n = split(v, a, ","); split(y, b, ","); for (i = 1; i <= n; i++) if (a[i] == lane) print b[i] }'
}

wait_for selected -1
shot open

# One key.
xdotool key x
check_story "key X"
shot worst
focus_span=$(($(val "$view" t1) - $(val "$view" t0)))
grant=$(val "$view" sel_grant)

# One click on a blocked interval (selection cleared first: rows as in the trace).
xdotool key Escape
wait_for selected -1
bl=
for l in $(echo "$blocked_lanes" | tr ',' ' '); do
	y=$(lane_y "$l")
	if [ -n "$y" ]; then
		bl=$l
		break
	fi
done
[ -n "$bl" ] || fail "no blocked thread of the worst isolation on screen"
xdotool mousemove --window "$wid" "$(time_x $((grant - 20000)))" "$y" click 1
check_story "click on t$bl blocked"

# One click on the first row of the table (sorted by wait, longest first).
xdotool key Escape
wait_for selected -1
table=$(val "$view" table)
xdotool mousemove --window "$wid" $(($(echo "$table" | cut -d, -f1) + 60)) "$(echo "$table" | cut -d, -f5)" click 1
check_story "click on the first table row"

# One click on the isolate_wait bar that holds 4.67 ms (bucket 22).
xdotool key Escape
wait_for selected -1
h=$(val "$view" hists | tr ';' '\n' | grep '^0:')
x=$(echo "$h" | awk -F: '{ nb = $7 - $6 + 1; printf "%d", $2 + (22 - $6 + 0.5) * $4 / nb }')
y=$(echo "$h" | awk -F: '{ printf "%d", $3 + $5 - 3 }')
xdotool mousemove --window "$wid" "$x" "$y" click 1
check_story "click on the 4.19-8.39 ms bar of isolate_wait"

# The tooltip follows the view: the pointer stays, the lanes scroll.
xdotool key Escape
wait_for selected -1
y=$(echo "$(val "$view" visible_y)" | cut -d, -f8)
xdotool mousemove --window "$wid" 600 "$y"
sleep 0.3
view=$(tail -1 "$d/dump")
before=$(val "$view" hover_lane)
[ "$before" = "$(echo "$(val "$view" visible)" | cut -d, -f8)" ] || fail "hover: lane $before under the pointer?"
xdotool key Next
i=0
while [ "$(val "$(tail -1 "$d/dump")" hover_lane)" = "$before" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
view=$(tail -1 "$d/dump")
after=$(val "$view" hover_lane)
k=$(echo "$(val "$view" visible_y)" | tr ',' '\n' | grep -n "^$y\$" | cut -d: -f1)
[ "$after" != "$before" ] && [ -n "$k" ] && [ "$after" = "$(echo "$(val "$view" visible)" | cut -d, -f"$k")" ] ||
	fail "hover after PgDn: lane $after under the pointer (before: $before)"
echo "ok   tooltip after PgDn: lane $before -> $after"
xdotool mousemove --window "$wid" 5 5

# Small and large windows: the story still shows, no text cut.
xdotool key x
check_story "key X again"
for size in "800 500" "1920 1080" "1280 800"; do
	set -- $size
	xdotool windowmove "$wid" 0 0 windowsize "$wid" "$1" "$2"
	wait_for width "$1"
	wait_for height "$2"
	check_story "window ${1}x$2"
	shot "${1}x$2"
done

# Shift+drag measures a range; F focuses the selection again.
xdotool mousemove --window "$wid" 400 200 keydown shift mousedown 1 \
	mousemove --window "$wid" 500 300 mousemove --window "$wid" 600 400 mouseup 1 keyup shift
i=0
while [ "$(val "$(tail -1 "$d/dump")" range)" = 0 ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
view=$(tail -1 "$d/dump")
[ "$(val "$view" range)" != 0 ] || fail "Shift+drag measured nothing"
shot measure
echo "ok   Shift+drag: a range of $(val "$view" range) ns"
xdotool key Escape s s s s
sleep 0.3
xdotool key f
i=0
while [ $(($(val "$(tail -1 "$d/dump")" t1) - $(val "$(tail -1 "$d/dump")" t0))) != "$focus_span" ] && [ $i -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_story "F after zooming out"
[ $(($(val "$view" t1) - $(val "$view" t0))) = "$focus_span" ] || fail "F: span $(($(val "$view" t1) - $(val "$view" t0))), want $focus_span"

xdotool key q
i=0
while kill -0 "$vpid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait "$vpid"
rc=$?
vpid=
[ $rc -eq 0 ] || fail "rdv-view exited with $rc"
echo "story.sh: ok"
