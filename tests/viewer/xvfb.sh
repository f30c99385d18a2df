#!/bin/sh
# rdv-view in a real window under Xvfb, driven by xdotool: every key and mouse
# gesture of the help, a resize, then quit; it must not crash and must exit 0.
# A bad file: one error line, exit 1, no window; a bad trace directory: its
# error in the window until a key, one line, exit 1.
# Usage: xvfb.sh BINDIR
set -u
bin=$1
d=$(mktemp -d "${TMPDIR:-/tmp}/rdv-view-x.XXXXXX")
xpid= vpid=
cleanup() {
	[ -n "$vpid" ] && kill "$vpid" 2>/dev/null
	[ -n "$xpid" ] && kill "$xpid" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT INT TERM
for tool in Xvfb xdotool; do
	command -v $tool >/dev/null || { echo "xvfb.sh: cannot test: $tool not installed" >&2; exit 1; }
done
"$bin/synth-timeline" big "$d/big.timeline" 16 200000 || exit 1
"$bin/synth-timeline" blocks "$d/blocks.timeline" || exit 1
echo "garbage" >"$d/bad.timeline"

. "$(dirname "$0")/xvfb-lib.sh"
xvfb_start "$d" 1400x1000
rc=$?
xpid=$XVFB_PID
[ $rc -eq 0 ] || { echo "xvfb.sh: no display" >&2; exit 1; }

alive() {
	if ! kill -0 "$vpid" 2>/dev/null; then
		echo "xvfb.sh: rdv-view died during: $1" >&2
		cat "$d/err" >&2
		exit 1
	fi
}

find_window() {
	xvfb_window || { echo "xvfb.sh: no rdv-view window" >&2; cat "$d/err" >&2; exit 1; }
	wid=$WID
}

"$bin/rdv-view" --size 1280x800 "$d/big.timeline" 2>"$d/err" &
vpid=$!
find_window
xdotool mousemove --window "$wid" 700 150
for k in w w w s a d Left Right Up Down Next Prior f F 0 Home End n n p x x X Tab Tab \
	shift+Tab i i o o c c m End m M Escape bracketleft bracketright question Escape Escape \
	space; do
	xdotool key "$k"
	sleep 0.05
	alive "key $k"
done
sleep 0.5 # let the replay run a little
alive "replay"
xdotool key space
# Wheel zoom in and out around the pointer, shift+wheel scroll.
for b in 4 4 4 5 5 4; do xdotool click $b; sleep 0.03; done
xdotool keydown shift click 5 click 4 keyup shift
alive "wheel"
# Click to select, drag to pan, Shift+drag to measure, hover.
xdotool mousemove --window "$wid" 640 120 click 1
xdotool mousemove --window "$wid" 500 130 keydown shift mousedown 1 mousemove --window "$wid" 560 300 \
	mousemove --window "$wid" 700 330 mouseup 1 keyup shift
# The isolations table (header: sort; a row: select), a histogram bar.
xdotool mousemove --window "$wid" 1050 120 click 1 mousemove --window "$wid" 1050 70 click 1
xdotool mousemove --window "$wid" 600 700 click 1 click 1
xdotool mousemove --window "$wid" 800 140 mousedown 1 mousemove --window "$wid" 600 140 \
	mousemove --window "$wid" 400 160 mouseup 1
xdotool mousemove --window "$wid" 500 100
sleep 0.1
alive "mouse"
# Resize, small and large, then keys again.
xdotool windowsize "$wid" 700 500
sleep 0.2
xdotool windowsize "$wid" 1400 1000
sleep 0.2
xdotool key f w w w w w w w w w w w w w w w w w w w w
alive "resize"
import -window root "$d/window.png" 2>/dev/null && [ -n "${RDV_VIEW_KEEP_PNG:-}" ] &&
	cp "$d/window.png" "$RDV_VIEW_KEEP_PNG"
xdotool key q
i=0
while kill -0 "$vpid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait "$vpid"
rc=$?
vpid=
if [ $rc -ne 0 ]; then
	echo "xvfb.sh: rdv-view exited with $rc" >&2
	cat "$d/err" >&2
	exit 1
fi

# Bad input in the GUI: said at once on stderr (one line, exit 1), before
# any window opens.
timeout 20 "$bin/rdv-view" "$d/bad.timeline" 2>"$d/err"
rc=$?
if [ $rc -ne 1 ] || [ "$(wc -l <"$d/err")" -ne 1 ] ||
	xdotool search --onlyvisible --name 'rdv-view' >/dev/null 2>&1; then
	echo "xvfb.sh: bad input in the GUI: rc=$rc" >&2
	cat "$d/err" >&2
	exit 1
fi
# A trace directory that turns out bad only once read (its metadata is
# fine, it holds no event: what is not a trace at all is said before any
# window, see bad-input.sh): the analysis runs in the window, whose message
# stays until a key; one error line, exit 1.
mkdir "$d/empty-trace"
cp "$(dirname "$0")/../analyzer/traces/basic/ust/uid/0/64-bit/metadata" "$d/empty-trace/" || exit 1
"$bin/rdv-view" "$d/empty-trace" 2>"$d/err" &
vpid=$!
find_window
sleep 0.5
alive "an empty trace directory"
xdotool key Escape
i=0
while kill -0 "$vpid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait "$vpid"
rc=$?
vpid=
if [ $rc -ne 1 ] || [ "$(wc -l <"$d/err")" -ne 1 ]; then
	echo "xvfb.sh: bad trace directory in the GUI: rc=$rc" >&2
	cat "$d/err" >&2
	exit 1
fi
echo "xvfb.sh: ok ($(cat "$d/err"))"
