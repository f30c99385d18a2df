#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/core/run.sh [BUILD_DIR] — runs the core benchmarks of an existing
# build (it builds nothing) and prints their bench= lines; ratios are always
# against baselines measured in the same process.
#
#   BUILD_DIR   the build tree (argument, else $BUILD, else `build`); a
#               relative path is taken from the current directory, then
#               from the repository root. Configure it Release or
#               RelWithDebInfo (-O2, NDEBUG).
#   NOTRACE_BUILD (optional) a second build configured with
#               -DRDV_WITH_LTTNG=OFF: the pair is also measured with the
#               tracepoints compiled out.
#
# Every program interleaves its implementations round by round and judges
# a target on the median of per-round ratios, so that the drift of a shared
# machine (±30 % between runs) hits both sides of a ratio alike.
#
# 1. harmless_pair   rdv_harmless_now()+end() vs rwlock and bare atomics,
#                    1 and 2 threads, then again with RDV_TRACEPOINTS=0
#                    (probes not loaded) and, with NOTRACE_BUILD, compiled out;
#                    the pre-1.1 librdv's pair ("before") as a figure
# 2. isolate_latency isolate->grant with 16 and 64 workers asleep in
#                    epoll_wait(), vs a wake-every-thread sync point
# 3. storm           128 and 256 threads reach their safe point one at a time
#                    during one isolation: futex sleeps and CPU/system time
#                    per isolation, librdv 1.1 vs the librdv before it (built
#                    from git by the bench build; skipped when it could not be)
# 4. traced_transition  one traced transition vs a bare LTTng-UST event,
#                    under a session this script creates (and destroys),
#                    starting a session daemon only if none is reachable
#                    (and stopping only that one). The trace goes to a temp
#                    dir, checked for discarded and missing events, then
#                    deleted.
#
# Takes about a minute and a half. Exit status: 0 when every benchmark ran (whatever
# its verdicts: grep for FAIL), 1 when one could not run.
set -u

prog=bench/core/run.sh
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
[ -d "$build" ] || die "cannot find build dir '$build': configure and build first (cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release && cmake --build $build)"
bin=$build/bin
for p in rdv-bench-harmless rdv-bench-isolate rdv-bench-storm; do
	[ -x "$bin/$p" ] || die "cannot find $bin/$p: build it first (cmake --build $build --target $p)"
done

build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)
echo "# bench/core: build=$build type=${build_type:-?} commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?) cpus=$(nproc) date=$(date -u +%FT%TZ)"
echo "# load before:$(uptime | sed 's/.*load average//')"
case "$build_type" in
Release | RelWithDebInfo) ;;
*) echo "# warning: build type '${build_type}' is not an optimized (-O2, NDEBUG) build: figures not representative" ;;
esac

failed=0
run() {
	"$@" || {
		echo "$prog: '$*' failed" >&2
		failed=1
	}
}

# 1. harmless_now/end pair.
loaded=$("$bin/rdv-bench-harmless" 1 5) || failed=1
echo "$loaded"
run "$bin/rdv-bench-harmless" 2 5
absent=$(RDV_TRACEPOINTS=0 "$bin/rdv-bench-harmless" 1 5) || failed=1
echo "$absent"
compiled_out=
if [ -n "${NOTRACE_BUILD:-}" ]; then
	if [ -x "$NOTRACE_BUILD/bin/rdv-bench-harmless" ]; then
		compiled_out=$("$NOTRACE_BUILD/bin/rdv-bench-harmless" 1 5 | sed 's/ tp=absent / tp=compiled_out /') || failed=1
		echo "$compiled_out"
	else
		echo "$prog: cannot find $NOTRACE_BUILD/bin/rdv-bench-harmless (NOTRACE_BUILD)" >&2
		failed=1
	fi
fi
# The disabled tracepoint's cost: the same pair with librdv's probes loaded
# (no session), absent, and (NOTRACE_BUILD) compiled out. Separate
# processes, so a figure, not a verdict; each run's ratio_vs_atomic is the
# same-run comparison.
printf '%s\n%s\n%s\n' "$loaded" "$absent" "$compiled_out" | awk '
	function field(line, key,   i, n, f) {
		n = split(line, f, " ")
		for (i = 1; i <= n; i++) if (index(f[i], key "=") == 1) return substr(f[i], length(key) + 2)
	}
	/^bench=harmless_pair impl=rdv threads=1 tp=[a-z_]* ns_per_op=.* median_ns=/ { ns[field($0, "tp")] = field($0, "ns_per_op") }
	/^bench=harmless_pair impl=rdv threads=1 .*ratio_vs_atomic=/ { ra[field($0, "tp")] = field($0, "ratio_vs_atomic") }
	END {
		if (!ns["loaded"] || !ns["absent"]) exit
		printf "bench=harmless_pair impl=rdv threads=1 tp_loaded_ns=%s tp_absent_ns=%s loaded_vs_absent=%.3f ratio_vs_atomic_loaded=%s ratio_vs_atomic_absent=%s", ns["loaded"], ns["absent"], ns["loaded"] / ns["absent"], ra["loaded"], ra["absent"]
		if (ns["compiled_out"]) printf " compiled_out_ns=%s loaded_vs_compiled_out=%.3f ratio_vs_atomic_compiled_out=%s", ns["compiled_out"], ns["loaded"] / ns["compiled_out"], ra["compiled_out"]
		printf "\n"
	}'

# 2. isolate -> grant latency.
run "$bin/rdv-bench-isolate" 16 20
run "$bin/rdv-bench-isolate" 64 20

# 3. The wake-up storm (issue 9), 1.1 against the librdv before it.
run "$bin/rdv-bench-storm" --rounds 5 128
run "$bin/rdv-bench-storm" --rounds 5 256
run "$bin/rdv-bench-storm" --rounds 3 --mode now 128

# 4. Traced transitions, under a session of our own.
session=
tmp=
our_sessiond=
cleanup() {
	if [ -n "$session" ]; then
		lttng destroy "$session" >/dev/null 2>&1
	fi
	[ -n "$tmp" ] && rm -rf "$tmp"
	if [ -n "$our_sessiond" ]; then
		kill "$our_sessiond" 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

lttng_q() {
	lttng "$@" >/dev/null || {
		echo "$prog: cannot set up the LTTng session: 'lttng $*' failed" >&2
		return 1
	}
}

traced() {
	local trace_out discarded counts pid
	if [ ! -x "$bin/rdv-bench-traced" ]; then
		echo "# traced_transition: skipped (built without LTTng-UST)"
		return 0
	fi
	command -v lttng >/dev/null || { echo "$prog: cannot run traced_transition: lttng not found" >&2; return 1; }
	if ! lttng list >/dev/null 2>&1; then
		local pidfile
		lttng-sessiond --daemonize --no-kernel >/dev/null 2>&1 ||
			{ echo "$prog: cannot start lttng-sessiond" >&2; return 1; }
		if [ "$(id -u)" = 0 ]; then
			pidfile=${LTTNG_RUNDIR:-/var/run/lttng}/lttng-sessiond.pid
		else
			pidfile=${LTTNG_HOME:-$HOME}/.lttng/lttng-sessiond.pid
		fi
		our_sessiond=$(cat "$pidfile" 2>/dev/null)
		echo "# started lttng-sessiond (pid ${our_sessiond:-?}); stopped at the end"
	fi
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/rdv-bench-core.XXXXXX") || return 1
	session=rdv-bench-core-$$
	# Only our process is tracked: other programs of this user that use
	# librdv meanwhile must not write into these buffers.
	lttng_q create "$session" --output="$tmp/trace" || return 1
	for ch in rdv bare; do
		lttng_q enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 "$ch" &&
			lttng_q add-context -u -s "$session" -c "$ch" -t vpid -t vtid || return 1
	done
	lttng_q enable-event -u -s "$session" -c rdv 'rdv:*' &&
		lttng_q enable-event -u -s "$session" -c bare 'rdvbench:*' &&
		lttng_q untrack -u -s "$session" --all --vpid &&
		lttng_q start "$session" || return 1

	"$bin/rdv-bench-traced" --wait-enabled 10 --max-events 2000000 1 4 >"$tmp/out" &
	pid=$!
	lttng_q track -u -s "$session" --vpid="$pid"
	wait "$pid" || return 1
	trace_out=$(cat "$tmp/out")
	echo "$trace_out"
	lttng stop "$session" >/dev/null || return 1
	discarded=$(lttng list "$session" | awk '/Discarded events:/ { n += $3 } END { print n + 0 }')

	# Every event the program emitted must be in the trace, and no other
	# (rdv's register and unregister add a few): proves rdv's probes were
	# enabled, nothing was lost and no other process wrote to the buffers.
	counts=$(babeltrace2 "$tmp/trace" 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^rdv(bench)?:mask_change:$/) { n[$i]++; break } }
		     END { printf "%d %d\n", n["rdv:mask_change:"], n["rdvbench:mask_change:"] }')
	echo "$trace_out" | awk -v counts="$counts" -v discarded="$discarded" '
		/impl=rdv / && /events=/ { for (i = 1; i <= NF; i++) if ($i ~ /^events=/) rdv = substr($i, 8) + 0 }
		/impl=bare / && /events=/ { for (i = 1; i <= NF; i++) if ($i ~ /^events=/) bare = substr($i, 8) + 0 }
		END {
			split(counts, c, " "); c[1] += 0; c[2] += 0
			ok = discarded == 0 && c[1] >= rdv && c[1] <= rdv + 16 && c[2] == bare
			printf "bench=traced_transition check=trace discarded_events=%d rdv_emitted=%d rdv_recorded=%d bare_emitted=%d bare_recorded=%d target=complete %s\n",
				discarded, rdv, c[1], bare, c[2], ok ? "PASS" : "FAIL"
		}'
	echo "# trace size: $(du -sh "$tmp" | cut -f1)"
	lttng destroy "$session" >/dev/null
	session=
	rm -rf "$tmp"
	tmp=
}
traced || failed=1

echo "# load after:$(uptime | sed 's/.*load average//')"
exit $failed
