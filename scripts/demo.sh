#!/usr/bin/env bash
# The main job: build rdv, record samples/poller with rdv-trace, analyze the
# trace with rdv-analyze, and show the timeline with rdv-view (a PNG when
# there is no display). Parts not built yet are skipped with a message, and
# the trace is then shown with babeltrace2.
#   scripts/demo.sh [OUT_DIR]     (default: ./rdv-demo)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$PWD/rdv-demo}")
build=$top/build
. "$top/scripts/lttng-sessiond.sh"
trap rdv_sessiond_stop EXIT

cmake -S "$top" -B "$build" >/dev/null
cmake --build "$build" -j"${JOBS:-2}" >/dev/null
rdv_sessiond_start
rm -rf "$out"
mkdir -p "$out"
bin=$build/bin

if [ -x "$bin/rdv-trace" ] && [ -x "$bin/poller" ]; then
	# 4 workers under 20 000 requests/s, a control thread isolating 200
	# times a second (a table walk, then a full isolation, in turn).
	"$bin/rdv-trace" record -o "$out/trace" -- "$bin/poller" --threads 4 --duration 2 \
		--rate 20000 --isolate-rate 200
else
	# Until rdv-trace and the samples exist: the same recording by hand.
	session=rdv-demo-$$
	lttng create "$session" --output="$out/trace" >/dev/null
	lttng enable-channel -u ch -s "$session" --subbuf-size=4M --num-subbuf=8 >/dev/null
	lttng enable-event -u 'rdv:*' -c ch -s "$session" >/dev/null
	lttng add-context -u -t vpid -t vtid -t procname -c ch -s "$session" >/dev/null
	lttng start "$session" >/dev/null
	"$build/bin/trace_workload" 4 200
	lttng stop "$session" >/dev/null
	lttng destroy "$session" >/dev/null
fi
echo "trace: $out/trace"

if [ -x "$bin/rdv-analyze" ]; then
	"$bin/rdv-analyze" "$out/trace" --json "$out/report.json" --timeline "$out/poller.timeline" \
		--chrome "$out/chrome.json" --csv "$out/intervals.csv"
else
	echo "(rdv-analyze not built: the first events, with babeltrace2)"
	babeltrace2 "$out/trace" | head -20
	echo "$(babeltrace2 "$out/trace" | wc -l) events"
fi

if [ -x "$bin/rdv-view" ] && [ -f "$out/poller.timeline" ]; then
	if [ -n "${DISPLAY:-}" ]; then
		"$bin/rdv-view" "$out/poller.timeline"
	else
		SDL_VIDEODRIVER=offscreen "$bin/rdv-view" "$out/poller.timeline" \
			--screenshot "$out/timeline.png" --size 1280x800
		echo "timeline picture: $out/timeline.png"
		# A second picture, zoomed on the isolation that waited longest:
		# its request -> grant, the threads that held it back, the
		# blocked ones.
		SDL_VIDEODRIVER=offscreen "$bin/rdv-view" "$out/poller.timeline" \
			--screenshot "$out/isolation.png" --size 1280x800 --select worst
		echo "longest isolate_wait, zoomed: $out/isolation.png"
	fi
fi
