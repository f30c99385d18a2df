#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/poller-vs-wakeall/run.sh [BUILD_DIR] — runs samples/poller (librdv)
# and samples/wakeall (eventfd written to wake every worker, then a barrier)
# on identical load, alternately, ROUNDS times each, and prints the median of
# each metric with the ratio rdv/wakeall, one parseable line per metric:
#
#   bench=poller_vs_wakeall metric=M rdv=X wakeall=Y ratio=X/Y
#
#   req_per_s       requests served per second (the load is open loop, so
#                   equal unless a server falls behind)
#   cpu_s           process CPU time, user+system (getrusage), load
#                   generator included (the same in both)
#   worker_wakeups  voluntary context switches of the worker threads
#   isolate_call_p50_ns, isolate_call_p99_ns  time from the call that asks for
#                   isolation to its return, seen by the control thread (rdv-analyze's
#                   isolate_wait runs from the request to the grant)
#
#   BUILD_DIR   the build tree (argument, else $BUILD, else `build`); a
#               relative path is taken from the current directory, then
#               from the repository root. Builds nothing.
#   Environment: ROUNDS (default 3), and the load, passed to both samples:
#   THREADS (8), DURATION (3 s), RATE (2000 requests/s), CONNS (32),
#   ISOLATE_RATE (200 isolations/s).
#
# Takes about 2 x ROUNDS x DURATION seconds. Not a CTest test: it measures.
set -u

prog=bench/poller-vs-wakeall/run.sh
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

die() {
	echo "$prog: $*" >&2
	exit 1
}

case "${1:-}" in
-h | --help)
	awk 'NR > 3 && /^#/ { sub(/^# ?/, ""); print; next } NR > 3 { exit }' "$0"
	exit 0
	;;
esac
build=${1:-${BUILD:-build}}
if [ ! -d "$build" ] && [ -d "$root/$build" ]; then
	build=$root/$build
fi
[ -d "$build" ] || die "cannot find build dir '$build': configure and build first (cmake -S . -B $build && cmake --build $build)"
bin=$build/bin
for p in poller wakeall; do
	[ -x "$bin/$p" ] || die "cannot find $bin/$p: build it first (cmake --build $build --target $p)"
done

rounds=${ROUNDS:-3}
load=(--threads "${THREADS:-8}" --duration "${DURATION:-3}" --rate "${RATE:-2000}"
	--conns "${CONNS:-32}" --isolate-rate "${ISOLATE_RATE:-200}")
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)
echo "# bench/poller-vs-wakeall: build=$build type=${build_type:-?} commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?) cpus=$(nproc) date=$(date -u +%FT%TZ)"
echo "# load: ${load[*]} rounds=$rounds; machine load before:$(uptime | sed 's/.*load average//')"

out=$(mktemp "${TMPDIR:-/tmp}/rdv-bench-pvw.XXXXXX") || die "cannot create a temporary file"
trap 'rm -f "$out"' EXIT
for r in $(seq "$rounds"); do
	for s in poller wakeall; do
		line=$("$bin/$s" "${load[@]}") || die "$s ${load[*]} failed"
		echo "# round $r: $line"
		echo "$line" >>"$out"
	done
done

awk '
	function field(line, key,   n, i, f, kv) {
		n = split(line, f, " ")
		for (i = 1; i <= n; i++) {
			split(f[i], kv, "=")
			if (kv[1] == key) return kv[2]
		}
		return ""
	}
	function median(list,   n, v, i, j, t) {
		n = split(list, v, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	{
		s = field($0, "sample")
		vals[s, "req_per_s"] = vals[s, "req_per_s"] " " field($0, "req_per_s")
		vals[s, "cpu_s"] = vals[s, "cpu_s"] " " field($0, "cpu_s")
		vals[s, "worker_wakeups"] = vals[s, "worker_wakeups"] " " field($0, "worker_vcsw")
		vals[s, "isolate_call_p50_ns"] = vals[s, "isolate_call_p50_ns"] " " field($0, "isolate_call_p50_ns")
		vals[s, "isolate_call_p99_ns"] = vals[s, "isolate_call_p99_ns"] " " field($0, "isolate_call_p99_ns")
	}
	END {
		split("req_per_s cpu_s worker_wakeups isolate_call_p50_ns isolate_call_p99_ns", metrics, " ")
		for (m = 1; m <= 5; m++) {
			k = metrics[m]
			a = median(vals["poller", k]); b = median(vals["wakeall", k])
			printf "bench=poller_vs_wakeall metric=%s rdv=%s wakeall=%s ratio=%s\n", k, a, b,
				(b > 0 ? sprintf("%.3f", a / b) : "inf")
		}
	}' "$out"
