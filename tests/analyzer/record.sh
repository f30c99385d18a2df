#!/bin/sh
# Records the analyzer workload with LTTng, as DESIGN.md §3 expects (rdv:*
# with the vpid, vtid and procname contexts), keeping only its own events
# (other programs of the same user may be traced at the same time).
#
#   record.sh WORKLOAD OUTDIR [--tiny] [--per-pid] [-- WORKLOAD ARGS...]
#
# --tiny: 4 KiB x 2 sub-buffers, so that a busy workload loses events.
# --per-pid: per-PID buffers (default per-UID).
set -eu
workload=$1
out=$2
shift 2
subbuf=4M
nsub=8
buffers=--buffers-uid
while [ $# -gt 0 ]; do
	case $1 in
	--tiny) subbuf=4K; nsub=2 ;;
	--per-pid) buffers=--buffers-pid ;;
	--) shift; break ;;
	*) echo "record.sh: bad option '$1'" >&2; exit 2 ;;
	esac
	shift
done
if ! lttng list >/dev/null 2>&1; then
	echo "record.sh: cannot reach an LTTng session daemon (start one: lttng-sessiond --daemonize --no-kernel)" >&2
	exit 1
fi
session=analyzer-rec-$$-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
cleanup() { lttng destroy "$session" >/dev/null 2>&1 || true; }
trap cleanup EXIT
lttng create "$session" --output="$out" >/dev/null
lttng enable-channel -u ch $buffers --subbuf-size=$subbuf --num-subbuf=$nsub -s "$session" >/dev/null
# procname is 15 characters at most: "rdv-analyzer-wo"
lttng enable-event -u 'rdv:*' -c ch -s "$session" --filter '$ctx.procname == "rdv-analyzer-w*"' >/dev/null
lttng add-context -u -t vpid -t vtid -t procname -c ch -s "$session" >/dev/null
lttng start "$session" >/dev/null
"$workload" "$@"
lttng stop "$session" >/dev/null
lttng destroy "$session" >/dev/null
trap - EXIT
