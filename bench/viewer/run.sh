#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/viewer/run.sh [BUILD_DIR] — rdv-view's headless benchmark
# (bench-view): a synthetic timeline of 64 threads and 10 million intervals,
# open time, frame time while zooming and panning across all scales
# (software renderer, offscreen), peak memory against the file size. Builds
# nothing; needs a build with SDL2 (the bench-view target).
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${BUILD:-build}}
[ -d "$build" ] || build=$here/../../$build
bin=$build/bin/bench-view
if [ ! -x "$bin" ]; then
	echo "bench/viewer: $bin not built (needs SDL2: RDV_WITH_SDL)" >&2
	exit 1
fi
SDL_VIDEODRIVER=offscreen exec "$bin"
