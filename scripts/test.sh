#!/usr/bin/env bash
# Builds rdv with -Werror, runs every CTest suite against a real
# lttng-sessiond (started if none runs, stopped afterwards), then the core
# suites again under ThreadSanitizer, and in a build without any optional
# dependency.
#   scripts/test.sh [BUILD_DIR]     (default: build)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
tsan=${build}-tsan
jobs=${JOBS:-2}
. "$top/scripts/lttng-sessiond.sh"
trap rdv_sessiond_stop EXIT

cmake -S "$top" -B "$build" -DRDV_WERROR=ON
cmake --build "$build" -j"$jobs"
rdv_sessiond_start

status=0
(cd "$build" && ctest -j"$jobs" --output-on-failure) || status=1

echo "== ThreadSanitizer build: core suites"
cmake -S "$top" -B "$tsan" -DRDV_WERROR=ON -DRDV_SANITIZE=thread \
	-DRDV_WITH_BABELTRACE=OFF -DRDV_WITH_SDL=OFF
cmake --build "$tsan" -j"$jobs"
(cd "$tsan" && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$top/tests/tsan.supp" \
	ctest -j"$jobs" -L core --output-on-failure) || status=1
echo "== Core alone: no LTTng, no Babeltrace2, no SDL (tracepoints compile to nothing)"
cmake -S "$top" -B "${build}-min" -DRDV_WERROR=ON -DRDV_WITH_LTTNG=OFF \
	-DRDV_WITH_BABELTRACE=OFF -DRDV_WITH_SDL=OFF
cmake --build "${build}-min" -j"$jobs"
(cd "${build}-min" && ctest -j"$jobs" -L core --output-on-failure) || status=1
exit $status
