#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/viewer/run.sh [BUILD_DIR] — rdv-view's headless benchmark
# (bench-view), twice: 64 threads and 1024 threads, 10 million intervals
# each (INTERVALS=N to change), with the isolations panel open and the worst
# isolation selected: open time, frame time while zooming and panning across
# all scales (software renderer, offscreen), peak memory against the file
# size. Builds nothing; needs a build with SDL2 (the bench-view target).
# Exit status 1 when a case misses a target.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${BUILD:-build}}
[ -d "$build" ] || build=$here/../../$build
bin=$build/bin/bench-view
if [ ! -x "$bin" ]; then
	echo "bench/viewer: $bin not built (needs SDL2: RDV_WITH_SDL)" >&2
	exit 1
fi
n=${INTERVALS:-10000000}
rc=0
for lanes in 64 1024; do
	SDL_VIDEODRIVER=offscreen "$bin" --lanes "$lanes" --intervals "$n" || rc=1
done
exit $rc
