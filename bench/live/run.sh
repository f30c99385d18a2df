#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/live/run.sh [BUILD_DIR] — rdv-view --live on a busy live session:
# its memory stays bounded (RSS after LONG_S equals RSS after SHORT_S within
# 20 %), and the delay from an event to the viewer's model (p50, p99).
#
#   BUILD_DIR  the build tree (argument, else $BUILD, else `build`)
#   SHORT_S    first RSS sample, seconds (default 60)
#   LONG_S     second RSS sample, seconds (default 180; the issue's figure
#              is 600: LONG_S=600)
#   RATE       samples/poller requests per second (default 20000)
#   THREADS    poller workers (default 4)
#   WINDOW_S   the viewer's rolling window (default 10)
#
# Needs a session daemon (started if none answers, and stopped) and starts
# its own lttng-relayd on random loopback ports; the viewer runs headless
# (SDL_VIDEODRIVER=offscreen). Delay: the viewer records, for every event
# (reservoir-sampled beyond 65536 per snapshot), its LTTng timestamp — the
# raw CLOCK_MONOTONIC value of LTTng-UST's clock, not the epoch-based
# ns_from_origin — and CLOCK_MONOTONIC when the snapshot holding it is
# published to the UI thread; same host, same clock, no offset to trust.
# Output: human lines, then one `live:` line of key=value.
set -u

here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
-h | --help)
	awk 'NR > 3 && /^#/ { sub(/^# ?/, ""); print; next } NR > 3 { exit }' "$0"
	exit 0
	;;
esac
build=${1:-${BUILD:-build}}
build=$(cd "$build" 2>/dev/null && pwd) || { echo "bench/live: no build tree '${1:-build}'" >&2; exit 1; }
SHORT_S=${SHORT_S:-60}
LONG_S=${LONG_S:-180}
RATE=${RATE:-20000}
THREADS=${THREADS:-4}
WINDOW_S=${WINDOW_S:-10}
for b in rdv-trace rdv-view poller; do
	[ -x "$build/bin/$b" ] || { echo "bench/live: $build/bin/$b is missing (build first)" >&2; exit 1; }
done
command -v lttng-relayd >/dev/null || { echo "bench/live: lttng-relayd is not installed" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rdv-bench-live.XXXXXX") || exit 1
pids=""
sessiond=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	[ -n "$sessiond" ] && kill "$sessiond" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! lttng list >/dev/null 2>&1; then
	lttng-sessiond --no-kernel >/dev/null 2>&1 &
	sessiond=$!
	sleep 1
fi

# relayd on three free loopback ports
for _ in 1 2 3 4 5 6 7 8; do
	ctrl=$((20000 + (RANDOM * 7 + $$) % 30000))
	lttng-relayd -C tcp://127.0.0.1:$ctrl -D tcp://127.0.0.1:$((ctrl + 1)) \
		-L tcp://127.0.0.1:$((ctrl + 2)) -o "$tmp/relay" >"$tmp/relayd.log" 2>&1 &
	relay=$!
	ok=0
	for _ in $(seq 50); do
		kill -0 "$relay" 2>/dev/null || break
		if (exec 3<>/dev/tcp/127.0.0.1/$((ctrl + 2))) 2>/dev/null; then ok=1; break; fi
		sleep 0.1
	done
	[ "$ok" = 1 ] && break
	kill "$relay" 2>/dev/null
	wait "$relay" 2>/dev/null
done
[ "$ok" = 1 ] || { echo "bench/live: cannot start lttng-relayd" >&2; exit 1; }
pids="$relay"

name=rdv-bench-live-$$
"$build/bin/rdv-trace" live --relay "net://127.0.0.1:$ctrl:$((ctrl + 1))" --live-port $((ctrl + 2)) \
	--name "$name" -- "$build/bin/poller" --threads "$THREADS" --rate "$RATE" \
	--duration $((LONG_S + 15)) --isolate-rate 100 >"$tmp/rec.out" 2>"$tmp/rec.err" &
rec=$!
pids="$rec $pids"
for _ in $(seq 100); do
	grep -q "live session" "$tmp/rec.err" && break
	sleep 0.1
done
url=$(grep -o 'net://[^ ]*/host/[^ ]*' "$tmp/rec.err" | tail -1)
[ -n "$url" ] || { echo "bench/live: rdv-trace live failed: $(cat "$tmp/rec.err")" >&2; exit 1; }

SDL_VIDEODRIVER=offscreen "$build/bin/rdv-view" --live "$url" --window "$WINDOW_S" \
	--live-dump 1 --exit-after $((LONG_S + 5)) >"$tmp/dump" 2>"$tmp/view.err" &
view=$!
pids="$view $pids"

rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null; }
sleep "$SHORT_S"
rss_short=$(rss "$view")
line_short=$(tail -1 "$tmp/dump")
sleep $((LONG_S - SHORT_S))
rss_long=$(rss "$view")
line_long=$(tail -1 "$tmp/dump")
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$view/status")
[ -n "$rss_short" ] && [ -n "$rss_long" ] || {
	echo "bench/live: rdv-view died: $(cat "$tmp/view.err")" >&2
	exit 1
}

val() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
events_short=$(val "$line_short" events)
events_long=$(val "$line_long" events)
ratio=$(awk -v a="$rss_long" -v b="$rss_short" 'BEGIN { printf "%.3f", a / b }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.2 && r >= 0.8) ? "PASS" : "FAIL" }')
p50=$(val "$line_long" delay_p50_ns)
p99=$(val "$line_long" delay_p99_ns)
max=$(val "$line_long" delay_max_ns)
rate=$(awk -v a="$events_short" -v b="$events_long" -v t=$((LONG_S - SHORT_S)) 'BEGIN { printf "%.0f", (b - a) / t }')

echo "busy live session: poller --threads $THREADS --rate $RATE, rdv-view --live --window $WINDOW_S"
echo "rdv events received: $events_short at ${SHORT_S}s, $events_long at ${LONG_S}s ($rate events/s), discarded $(val "$line_long" discarded)"
echo "intervals in memory: $(val "$line_short" kept) at ${SHORT_S}s, $(val "$line_long" kept) at ${LONG_S}s (dropped: $(val "$line_long" dropped))"
echo "rdv-view RSS: $rss_short KiB at ${SHORT_S}s, $rss_long KiB at ${LONG_S}s: ratio $ratio (target 0.8..1.2) $verdict; peak $hwm KiB"
awk -v a="$p50" -v b="$p99" -v c="$max" -v n="$(val "$line_long" delay_count)" 'BEGIN {
	printf "event -> model delay: p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d events)\n", a / 1e6, b / 1e6, c / 1e6, n }'
awk -v s="$(val "$line_long" snapshot_ns)" -v n="$(val "$line_long" snapshots)" -v t="$LONG_S" 'BEGIN {
	printf "snapshots: %d in %d s, the last built in %.1f ms\n", n, t, s / 1e6 }'
echo "live: short_s=$SHORT_S long_s=$LONG_S rss_short_kib=$rss_short rss_long_kib=$rss_long ratio=$ratio events=$events_long events_per_s=$rate delay_p50_ns=$p50 delay_p99_ns=$p99 delay_max_ns=$max result=$verdict"
wait "$view"
