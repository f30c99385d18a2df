#!/usr/bin/env bash
# Tracing tests with a real lttng-sessiond and Babeltrace2 (DESIGN.md §3).
#   trace_test.sh record WORKLOAD THREADS ISOLATIONS  — session first, then run
#   trace_test.sh attach WORKLOAD THREADS ISOLATIONS  — program first, then a
#       new session: it must receive the running program's events
#   trace_test.sh nosessiond WORKLOAD                 — no session daemon
#       reachable: the program starts and runs without delay
set -euo pipefail
mode=$1 workload=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/rdv-trace-test.XXXXXX)
session="rdvtest-$mode-$$"
cleanup() {
	lttng destroy "$session" >/dev/null 2>&1 || true
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

need_sessiond() {
	if ! lttng list >/dev/null 2>&1; then
		echo "FAIL: no lttng-sessiond reachable (start one: lttng-sessiond --daemonize --no-kernel)" >&2
		exit 1
	fi
}

start_session() {
	lttng create "$session" --output="$tmp/trace" >/dev/null
	lttng enable-channel -u ch -s "$session" --subbuf-size=4M --num-subbuf=8 >/dev/null
	lttng enable-event -u 'rdv:*' -c ch -s "$session" >/dev/null
	lttng add-context -u -t vpid -t vtid -t procname -c ch -s "$session" >/dev/null
	lttng start "$session" >/dev/null
}

stop_session() {
	lttng stop "$session" >/dev/null
	lttng destroy "$session" >/dev/null
}

case $mode in
record)
	need_sessiond
	start_session
	"$workload" "$3" "$4" >"$tmp/out"
	stop_session
	cat "$tmp/out"
	/usr/bin/python3 "$here/check_trace.py" "$tmp/trace" "$tmp/out"
	;;
attach)
	need_sessiond
	"$workload" "$3" "$4" "$tmp/go" >"$tmp/out" &
	pid=$!
	sleep 0.5 # the program runs, registered, before any session exists
	start_session
	touch "$tmp/go"
	wait "$pid"
	pid=
	stop_session
	cat "$tmp/out"
	/usr/bin/python3 "$here/check_trace.py" "$tmp/trace" "$tmp/out" --attached
	;;
nosessiond)
	# A private mount namespace hides the session daemon's sockets: librdv
	# still loads its probes (liblttng-ust), which must not delay start-up.
	if ! unshare -m true 2>/dev/null; then
		echo "SKIP: needs unshare -m (root)"
		exit 77
	fi
	mkdir -p "$tmp/home"
	unshare -m bash -c '
		for d in /var/run/lttng /run/lttng; do
			[ -d "$d" ] && mount -t tmpfs none "$d"
		done
		export HOME='"$tmp/home"' LTTNG_HOME='"$tmp/home"'
		if lttng --no-sessiond list >/dev/null 2>&1; then
			echo "FAIL: the session daemon is still reachable"; exit 1
		fi
		best=999999
		for i in 1 2 3 4 5; do
			s=$(date +%s%N)
			'"$workload"' 2 2 >/dev/null
			e=$(date +%s%N)
			t=$(( (e - s) / 1000 ))
			[ $t -lt $best ] && best=$t
		done
		nb=999999
		for i in 1 2 3 4 5; do
			s=$(date +%s%N)
			RDV_TRACEPOINTS=0 '"$workload"' 2 2 >/dev/null
			e=$(date +%s%N)
			t=$(( (e - s) / 1000 ))
			[ $t -lt $nb ] && nb=$t
		done
		echo "no sessiond: run with probes ${best} us, without ${nb} us"
		# "a few milliseconds" of start-up at most
		[ $best -lt $((nb + 20000)) ] || { echo "FAIL: start-up delay $((best - nb)) us"; exit 1; }
	'
	;;
*)
	echo "usage: $0 record|attach|nosessiond WORKLOAD [THREADS ISOLATIONS]" >&2
	exit 2
	;;
esac
