#!/bin/sh
# rdv-view on a real trace directory (analyzed in-process): record a short
# samples/poller run with rdv-trace, then render it headless; the picture
# must show lanes (state colours present) and match what rdv-view draws from
# rdv-analyze --timeline of the same trace.
# Usage: trace-dir.sh BINDIR   (needs a running lttng-sessiond)
set -u
bin=$1
d=$(mktemp -d "${TMPDIR:-/tmp}/rdv-view-trace.XXXXXX")
trap 'rm -rf "$d"' EXIT INT TERM
if ! "$bin/rdv-trace" record -o "$d/trace" -n "rdv-viewer-test-$$" -- \
	"$bin/poller" --threads 3 --duration 0.5 --rate 3000 --isolate-rate 100 >"$d/rec.log" 2>&1; then
	echo "trace-dir.sh: cannot record a trace (is lttng-sessiond running?):" >&2
	tail -3 "$d/rec.log" >&2
	exit 1
fi
"$bin/rdv-view" --screenshot "$d/dir.png" --select 3 "$d/trace" || exit 1
"$bin/rdv-analyze" "$d/trace" --timeline "$d/t.timeline" >/dev/null || exit 1
"$bin/rdv-view" --screenshot "$d/file.png" --select 3 "$d/t.timeline" || exit 1
# Same trace, same view: the lanes area must be identical (the title differs).
if command -v compare >/dev/null 2>&1; then
	diff=$(compare -metric AE -extract 1000x450+210+48 "$d/dir.png" "$d/file.png" null: 2>&1)
	if [ "$diff" != "0" ]; then
		echo "trace-dir.sh: TRACE_DIR and its timeline render differently ($diff pixels)" >&2
		exit 1
	fi
fi
# The window on the trace directory: analysis in a thread behind a progress
# bar, then the timeline; then quit. Needs Xvfb and xdotool.
if command -v Xvfb >/dev/null 2>&1 && command -v xdotool >/dev/null 2>&1; then
	Xvfb -displayfd 5 -screen 0 1300x900x24 -nolisten tcp -noreset 5>"$d/dpy" 2>/dev/null &
	xpid=$!
	trap 'kill $xpid 2>/dev/null; rm -rf "$d"' EXIT INT TERM
	i=0
	while [ ! -s "$d/dpy" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	DISPLAY=":$(cat "$d/dpy")" SDL_VIDEODRIVER=x11 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		"$bin/rdv-view" "$d/trace" 2>"$d/err" &
	vpid=$!
	i=0
	wid=
	while [ -z "$wid" ] && [ $i -lt 100 ]; do
		wid=$(DISPLAY=":$(cat "$d/dpy")" xdotool search --onlyvisible --name rdv-view 2>/dev/null | head -1)
		sleep 0.1
		i=$((i + 1))
	done
	sleep 1 # the analysis, then the first frame
	DISPLAY=":$(cat "$d/dpy")" xdotool windowfocus --sync "$wid" key w key q 2>/dev/null
	i=0
	while kill -0 $vpid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill $vpid 2>/dev/null
	wait $vpid
	rc=$?
	if [ -z "$wid" ] || [ $rc -ne 0 ]; then
		echo "trace-dir.sh: the window on a trace directory failed (rc=$rc)" >&2
		cat "$d/err" >&2
		exit 1
	fi
fi
echo "trace-dir.sh: ok"
