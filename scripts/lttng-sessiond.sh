#!/usr/bin/env bash
# Sourced by the scripts that need a session daemon: starts one when none is
# reachable and stops, on exit, only the one it started.
rdv_started_sessiond=
rdv_sessiond_start() {
	if lttng list >/dev/null 2>&1; then
		return 0
	fi
	# Its own pid file: the daemon's pid, not a guess among the sessiond
	# processes on the machine (each has a run-as helper, other users or
	# tests may start theirs meanwhile).
	local pidfile
	pidfile=$(mktemp "${TMPDIR:-/tmp}/rdv-sessiond.XXXXXX")
	lttng-sessiond --daemonize --no-kernel --pidfile="$pidfile"
	for _ in $(seq 50); do
		lttng list >/dev/null 2>&1 && break
		sleep 0.1
	done
	rdv_started_sessiond=$(cat "$pidfile" 2>/dev/null || true)
	rm -f "$pidfile"
	lttng list >/dev/null 2>&1 || { echo "cannot start lttng-sessiond" >&2; return 1; }
}
rdv_sessiond_stop() {
	if [ -n "$rdv_started_sessiond" ]; then
		kill "$rdv_started_sessiond" 2>/dev/null || true
		rdv_started_sessiond=
	fi
}
