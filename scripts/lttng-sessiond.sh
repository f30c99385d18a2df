#!/usr/bin/env bash
# Sourced by the scripts that need a session daemon: starts one when none is
# reachable and stops, on exit, only the one it started.
rdv_started_sessiond=
rdv_sessiond_start() {
	if lttng list >/dev/null 2>&1; then
		return 0
	fi
	lttng-sessiond --daemonize --no-kernel
	for _ in $(seq 50); do
		lttng list >/dev/null 2>&1 && break
		sleep 0.1
	done
	rdv_started_sessiond=$(pgrep -n -x lttng-sessiond || true)
	lttng list >/dev/null 2>&1 || { echo "cannot start lttng-sessiond" >&2; return 1; }
}
rdv_sessiond_stop() {
	if [ -n "$rdv_started_sessiond" ]; then
		kill "$rdv_started_sessiond" 2>/dev/null || true
		rdv_started_sessiond=
	fi
}
