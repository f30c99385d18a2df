#!/usr/bin/env bash
# wrk's requests/s and p99 latency through HAProxy 2.6 with HAProxy's own
# rendez-vous point (the unpatched build), with librdv untraced, and with
# librdv traced by rdv-trace: the same workload as run.sh (4 threads, two
# backends, the CLI loop isolating meanwhile), the same machine, the same
# run, in interleaved rounds (the order rotates each round), medians.
#
#   samples/haproxy/bench.sh [--rounds N] [--seconds S] [--connections C] [--no-cli] [-o DIR]
#
# Prints one parseable line per figure:
#   haproxy-bench: variant=V metric=rps|p99_us median=X min=X max=X rounds=N vs_own=+P%
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
prog=bench.sh

usage() {
	cat <<EOF
Usage: samples/haproxy/bench.sh [--rounds N] [--seconds S] [--connections C] [--no-cli] [-o DIR]
Runs samples/haproxy/run.sh N times (default 5) per variant, S seconds each
(default 10), rotating the order of the variants every round:
  own           HAProxy 2.6 unpatched (its own rendez-vous point), untraced
  rdv           HAProxy on librdv, no tracing session
  rdv-traced    HAProxy on librdv recorded by rdv-trace
and prints the median, min and max of wrk's requests/s and p99 latency (us).
Builds what is missing first (samples/haproxy/build.sh --baseline).

  --rounds N       rounds (default 5)
  --seconds S      load per run, seconds (default 10)
  --connections C  wrk connections (default 32)
  --no-cli         no CLI loop: the hot path alone (harmless/idle per poll)
  -o DIR           keep every run's summary.txt under DIR (default: a
                   temporary directory, removed)
  --build DIR      the build.sh output directory (default build/samples/haproxy)
  --rdv-bin DIR    rdv's programs (default build/bin)
  -h, --help       this help
EOF
}

usage_error() {
	echo "$prog: $1" >&2
	echo "Try '$prog --help'." >&2
	exit 2
}

die() {
	echo "$prog: $1" >&2
	exit 1
}

rounds=5 seconds=10 connections=32 keep='' cli_opt=()
build=$top/build/samples/haproxy
rdv_bin=$top/build/bin
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--rounds)
		[ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "$1 needs a positive number"
		rounds=$2; shift ;;
	--seconds)
		[ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "$1 needs a positive number"
		seconds=$2; shift ;;
	--connections)
		[ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "$1 needs a positive number"
		connections=$2; shift ;;
	--no-cli) cli_opt=(--no-cli) ;;
	-o) [ $# -ge 2 ] || usage_error "$1 needs a directory"; keep=$2; shift ;;
	--build) [ $# -ge 2 ] || usage_error "$1 needs a directory"; build=$2; shift ;;
	--rdv-bin) [ $# -ge 2 ] || usage_error "$1 needs a directory"; rdv_bin=$2; shift ;;
	*) usage_error "unknown option '$1'" ;;
	esac
	shift
done

if [ ! -x "$build/haproxy" ] || [ ! -x "$build/haproxy-orig" ]; then
	"$here/build.sh" -o "$build" --baseline --rdv-build "$(dirname "$rdv_bin")" ||
		die "cannot build HAProxy (build.sh above)"
fi
if [ -n "$keep" ]; then
	mkdir -p "$keep" || die "cannot create '$keep'"
	work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/rdv-haproxy-bench.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi

variants=(own rdv rdv-traced)
declare -A rps p99
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < ${#variants[@]}; k++)); do
		v=${variants[$(((k + r) % ${#variants[@]}))]}
		case $v in
		own) opts=(--haproxy "$build/haproxy-orig" --untraced) ;;
		rdv) opts=(--haproxy "$build/haproxy" --untraced) ;;
		rdv-traced) opts=(--haproxy "$build/haproxy" --no-analyze) ;;
		esac
		dir=$work/round$r-$v
		"$here/run.sh" "${opts[@]}" "${cli_opt[@]}" --rdv-bin "$rdv_bin" \
			--connections "$connections" "$dir" "$seconds" >"$work/round$r-$v.log" 2>&1 ||
			die "run $v of round $((r + 1)) failed: $(tail -3 "$work/round$r-$v.log")"
		line=$(cat "$dir/summary.txt")
		rm -rf "$dir/trace" # tens of MB per traced run; the summary stays
		got_rps=$(printf '%s\n' "$line" | tr ' ' '\n' | sed -n 's/^rps=//p')
		got_p99=$(printf '%s\n' "$line" | tr ' ' '\n' | sed -n 's/^p99_us=//p')
		rps[$v]+="$got_rps "
		p99[$v]+="$got_p99 "
		echo "$prog: round $((r + 1))/$rounds $v: rps=$got_rps p99_us=$got_p99" >&2
	done
done

# median min max of a list of numbers
stats() {
	tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s %s %s\n", m, v[1], v[NR] }'
}
for metric in rps p99_us; do
	own_median=
	for v in "${variants[@]}"; do
		if [ "$metric" = rps ]; then
			read -r med min max < <(printf '%s' "${rps[$v]}" | stats)
		else
			read -r med min max < <(printf '%s' "${p99[$v]}" | stats)
		fi
		[ -n "$own_median" ] || own_median=$med
		vs=$(awk -v a="$med" -v b="$own_median" 'BEGIN { printf "%+.1f%%", b ? (a - b) * 100 / b : 0 }')
		echo "haproxy-bench: variant=$v metric=$metric median=$med min=$min max=$max rounds=$rounds seconds=$seconds connections=$connections cli=$([ ${#cli_opt[@]} -eq 0 ] && echo on || echo off) vs_own=$vs"
	done
done
