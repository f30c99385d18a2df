#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/run.sh [BUILD_DIR] — runs every benchmark folder's runner
# (bench/*/run.sh) on an existing build and prints their output, each under
# a `## bench/NAME` header. Builds nothing.
#
#   BUILD_DIR   the build tree (argument, else $BUILD, else `build`),
#               passed on to each runner; configure it Release or
#               RelWithDebInfo for figures worth quoting.
#
# Exit status: 0 when every runner ran (grep the output for FAIL to see
# missed targets), 1 when one could not.
set -u

here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
-h | --help)
	awk 'NR > 3 && /^#/ { sub(/^# ?/, ""); print; next } NR > 3 { exit }' "$0"
	exit 0
	;;
esac
build=${1:-${BUILD:-build}}

status=0
found=0
for runner in "$here"/*/run.sh; do
	[ -f "$runner" ] || continue
	found=1
	name=$(basename "$(dirname "$runner")")
	echo "## bench/$name"
	bash "$runner" "$build" || {
		echo "bench/run.sh: bench/$name/run.sh failed" >&2
		status=1
	}
done
if [ "$found" = 0 ]; then
	echo "bench/run.sh: cannot find any bench/*/run.sh" >&2
	exit 1
fi
exit $status
