#!/bin/sh
# rdv-analyze benchmark (blame and symbolization included: the traces carry
# the statedump): wall time against Babeltrace2's own decode floor
# (babeltrace2 TRACE -c sink.utils.dummy), the text output users would read
# (babeltrace2 TRACE > /dev/null), a minimal Python bt2 script, and the
# sink.rdv.analyze plugin; peak RSS at 1M and 5M events (must be flat); and
# the instructions both commands execute under valgrind --tool=callgrind on
# a smaller trace (EVENTS_CG), as a ratio: steadier than wall time on a
# loaded machine. rdv-analyze must stay within MAX_RATIO (1.25) of the
# dummy sink: a FAIL line says when it does not.
# Traces are recorded with LTTng from the analyzer workload into a temporary
# directory (removed at the end) unless KEEP=1.
#
#   bench/analyzer/run.sh [BUILD_DIR]     (default: build-analyzer, then build)
#   EVENTS_SMALL=1000000 EVENTS_BIG=5000000 EVENTS_CG=200000 RUNS=3 SLOW=1 \
#       bench/analyzer/run.sh
#   CALLGRIND=0: no instruction counts
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-}
if [ -z "$build" ]; then
	for b in "$root/build-analyzer" "$root/build"; do
		[ -x "$b/bin/rdv-analyze" ] && build=$b && break
	done
fi
[ -n "$build" ] && [ -x "$build/bin/rdv-analyze" ] ||
	{ echo "run.sh: cannot find rdv-analyze: build first (cmake --build BUILD)" >&2; exit 1; }
analyze=$build/bin/rdv-analyze
workload=$build/bin/rdv-analyzer-workload
plugins=$build/lib/babeltrace2/plugins
small=${EVENTS_SMALL:-1000000}
big=${EVENTS_BIG:-5000000}
runs=${RUNS:-3}
slow=${SLOW:-1}
cg_events=${EVENTS_CG:-200000}
callgrind=${CALLGRIND:-1}
max_ratio=${MAX_RATIO:-1.25}
command -v valgrind > /dev/null 2>&1 || callgrind=0
python=python3
python3 -c "import bt2" 2>/dev/null || python=/usr/bin/python3
lttng list > /dev/null 2>&1 || { echo "run.sh: cannot reach an LTTng session daemon" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rdv-analyzer-bench.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT

# ~6.6 events per workload iteration and thread, 4 threads; blocking
# channels so that no event is lost. The statedump is recorded as rdv-trace
# does, so that rdv-analyze resolves every caller (blame's sites) as users
# get it.
record() { # OUT EVENTS
	s=analyzer-bench-$$-$2
	iters=$(($2 / 26 + 1))
	lttng create "$s" --output="$1" > /dev/null
	lttng enable-channel -u ch --subbuf-size=8M --num-subbuf=4 --blocking-timeout=inf -s "$s" > /dev/null
	lttng enable-event -u 'rdv:*,lttng_ust_statedump:*,lttng_ust_dl:*,lttng_ust_lib:*' -c ch -s "$s" \
		--filter '$ctx.procname == "rdv-analyzer-w*"' > /dev/null
	lttng add-context -u -t vpid -t vtid -t procname -c ch -s "$s" > /dev/null
	lttng start "$s" > /dev/null
	LTTNG_UST_ALLOW_BLOCKING=1 "$workload" --busy --threads 4 --iterations "$iters"
	lttng stop "$s" > /dev/null
	lttng destroy "$s" > /dev/null
}

# best NAME RUNS CMD: best wall time of RUNS runs -> $NAME_t; that run's CPU
# time (user + sys) -> $NAME_c and peak RSS (KiB) -> $NAME_m
best() {
	b= bc_= bm=
	i=0
	while [ $i -lt "$2" ]; do
		/usr/bin/time -f "%e %M %U %S" -o "$tmp/time" sh -c "$3" > /dev/null 2>&1 ||
			{ echo "run.sh: failed: $3" >&2; exit 1; }
		read -r w m u s < "$tmp/time"
		if [ -z "$b" ] || [ "$(echo "$w < $b" | bc)" = 1 ]; then
			b=$w bc_=$(echo "$u + $s" | bc) bm=$m
		fi
		i=$((i + 1))
	done
	eval "${1}_t=$b ${1}_c=$bc_ ${1}_m=$bm"
}

# instructions NAME CMD ARGS...: instructions CMD executes under callgrind
# -> $NAME_ir
instructions() {
	n=$1
	shift
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" \
		> /dev/null 2> "$tmp/cg.err" || { echo "run.sh: failed under callgrind: $*" >&2; exit 1; }
	eval "${n}_ir=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$tmp/cg.err" | tail -1)"
}

echo "recording $small and $big events (LTTng, blocking channel)..." >&2
record "$tmp/small" "$small"
record "$tmp/big" "$big"
[ "$callgrind" = 1 ] && record "$tmp/cg" "$cg_events"
n_small=$("$analyze" "$tmp/small" --json - -q | sed -n 's/^  "events": \([0-9]*\),$/\1/p')
n_big=$("$analyze" "$tmp/big" --json - -q | sed -n 's/^  "events": \([0-9]*\),$/\1/p')
d_big=$("$analyze" "$tmp/big" --json - -q | sed -n 's/^  "discarded_events": \([0-9]*\),$/\1/p')
size_big=$(du -sm "$tmp/big" | cut -f1)

best dummy "$runs" "babeltrace2 '$tmp/big' -c sink.utils.dummy"
best rdv "$runs" "'$analyze' '$tmp/big' --json '$tmp/r.json' -q"
best plugin "$runs" "babeltrace2 --plugin-path='$plugins' '$tmp/big' -c sink.rdv.analyze -p 'print-report=no'"
best small 1 "'$analyze' '$tmp/small' --json '$tmp/r.json' -q"
best dsmall 1 "babeltrace2 '$tmp/small' -c sink.utils.dummy"
t_dummy=$dummy_t c_dummy=$dummy_c t_rdv=$rdv_t c_rdv=$rdv_c rss_big=$rdv_m t_plugin=$plugin_t
rss_small=$small_m dummy_rss_small=$dsmall_m dummy_rss_big=$dummy_m
t_text=NaN t_py=NaN
if [ "$slow" = 1 ]; then
	best text 1 "babeltrace2 '$tmp/big'"
	best py 1 "$python '$here/bt2-count.py' '$tmp/big'"
	t_text=$text_t t_py=$py_t
fi

ir_dummy=NaN ir_rdv=NaN ir_ratio=NaN n_cg=0
if [ "$callgrind" = 1 ]; then
	echo "counting instructions (callgrind)..." >&2
	n_cg=$("$analyze" "$tmp/cg" --json - -q | sed -n 's/^  "events": \([0-9]*\),$/\1/p')
	instructions dummy babeltrace2 "$tmp/cg" -c sink.utils.dummy
	instructions rdv "$analyze" "$tmp/cg" --json "$tmp/r.json" -q
	ir_dummy=$dummy_ir ir_rdv=$rdv_ir
	ir_ratio=$(echo "scale=3; $ir_rdv / $ir_dummy" | bc)
fi

r() { echo "scale=2; $1 / $2" | bc; }
echo "trace: $n_big rdv events ($size_big MiB, $d_big discarded); small: $n_small events"
printf "%-44s %8s s  (cpu %s s)\n" "babeltrace2 TRACE -c sink.utils.dummy" "$t_dummy" "$c_dummy"
printf "%-44s %8s s  (cpu %s s)  %sx dummy (cpu %sx)\n" "rdv-analyze TRACE --json F" "$t_rdv" "$c_rdv" \
	"$(r "$t_rdv" "$t_dummy")" "$(r "$c_rdv" "$c_dummy")"
printf "%-44s %8s s  %sx dummy\n" "babeltrace2 TRACE -c sink.rdv.analyze" "$t_plugin" "$(r "$t_plugin" "$t_dummy")"
if [ "$slow" = 1 ]; then
	printf "%-44s %8s s  %sx rdv-analyze\n" "babeltrace2 TRACE > /dev/null" "$t_text" "$(r "$t_text" "$t_rdv")"
	printf "%-44s %8s s  %sx rdv-analyze\n" "python3 bt2-count.py TRACE" "$t_py" "$(r "$t_py" "$t_rdv")"
fi
if [ "$callgrind" = 1 ]; then
	printf "%-44s %14s instructions at %s events\n" "babeltrace2 TRACE -c sink.utils.dummy" "$ir_dummy" "$n_cg"
	printf "%-44s %14s instructions  %sx dummy\n" "rdv-analyze TRACE --json F" "$ir_rdv" "$ir_ratio"
fi
printf "%-44s %8s KiB at %s events, %s KiB at %s events\n" "rdv-analyze peak RSS" \
	"$rss_small" "$n_small" "$rss_big" "$n_big"
printf "%-44s %8s KiB at %s events, %s KiB at %s events\n" "babeltrace2 -c sink.utils.dummy peak RSS" \
	"$dummy_rss_small" "$n_small" "$dummy_rss_big" "$n_big"
printf "%-44s %8s KiB at %s events, %s KiB at %s events\n" "rdv-analyze's own share (RSS - dummy's)" \
	"$((rss_small - dummy_rss_small))" "$n_small" "$((rss_big - dummy_rss_big))" "$n_big"
for what in "wall time:$(r "$t_rdv" "$t_dummy")" "instructions:$ir_ratio"; do
	v=${what#*:}
	[ "$v" = NaN ] && continue
	if [ "$(echo "$v > $max_ratio" | bc)" = 1 ]; then
		echo "FAIL: rdv-analyze is ${v}x the dummy sink in ${what%%:*} (limit ${max_ratio}x)"
	fi
done
echo "RESULT events=$n_big dummy_s=$t_dummy rdv_s=$t_rdv ratio=$(r "$t_rdv" "$t_dummy") cpu_ratio=$(r "$c_rdv" "$c_dummy") plugin_s=$t_plugin text_s=$t_text python_s=$t_py rss_small_kib=$rss_small rss_big_kib=$rss_big dummy_rss_small_kib=$dummy_rss_small dummy_rss_big_kib=$dummy_rss_big cg_events=$n_cg dummy_ir=$ir_dummy rdv_ir=$ir_rdv ir_ratio=$ir_ratio"
