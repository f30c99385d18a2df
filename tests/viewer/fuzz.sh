#!/bin/sh
# Fuzzes the timeline reader (and rdv-view's model on what it accepts) with
# libFuzzer + ASan + UBSan for a bounded time.
# Usage: tests/viewer/fuzz.sh [SECONDS] [CLANG]   (default 30 s, clang)
# Exit 0 when no crash was found; the crashing input is kept otherwise.
set -eu
secs=${1:-30}
cc=${2:-clang}
here=$(cd "$(dirname "$0")" && pwd)
tl=$here/../../timeline
work=$(mktemp -d "${TMPDIR:-/tmp}/rdv-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
command -v "$cc" >/dev/null 2>&1 || { echo "fuzz.sh: cannot fuzz: $cc not found" >&2; exit 1; }
vs=$here/../../viewer/src
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$tl/include" -I"$vs" \
	"$tl/src/timeline.c" "$tl/src/outfile.c" "$vs/model.c" "$vs/view.c" "$here/fuzz-timeline.c" -lm -o "$work/fuzz-timeline"
"$cc" -g -O1 -I"$tl/include" "$tl/src/timeline.c" "$tl/src/outfile.c" "$here/../timeline/fuzz-seed.c" -o "$work/fuzz-seed"
mkdir "$work/corpus"
"$work/fuzz-seed" "$work/corpus/seed3.timeline" 3
"$work/fuzz-seed" "$work/corpus/seed1.timeline" 1
"$work/fuzz-seed" "$work/corpus/seed0.timeline" 0
cd "$work"
if ! ./fuzz-timeline -max_total_time="$secs" -max_len=8192 -print_final_stats=1 \
	corpus >fuzz.log 2>&1; then
	tail -40 fuzz.log >&2
	for f in crash-* leak-* timeout-*; do
		[ -e "$f" ] && cp "$f" "${TMPDIR:-/tmp}/" && echo "fuzz.sh: kept ${TMPDIR:-/tmp}/$f" >&2
	done
	exit 1
fi
grep -E "stat::number_of_executed_units|Done" fuzz.log || true
