#!/bin/sh
# Screenshot tests: rdv-view --screenshot on the synthetic "blocks" timeline at
# several sizes and zooms; every state's colour must be at its known pixels.
# Usage: screenshot.sh BINDIR
set -u
bin=$1
d=$(mktemp -d "${TMPDIR:-/tmp}/rdv-view-shot.XXXXXX")
trap 'rm -rf "$d"' EXIT INT TERM
fail=0
"$bin/synth-timeline" blocks "$d/b.timeline" || exit 1
# size   from_ns to_ns   (times from the trace start; the blocks span 70000 ns)
for spec in "1280x800 0 70000" "1600x1000 0 70000" "800x600 5000 52000" "1280x800 12000 18000"; do
	set -- $spec
	size=$1 from=$2 to=$3
	w=${size%x*} h=${size#*x}
	if ! "$bin/rdv-view" --screenshot "$d/s.png" --size "$size" --from "${from}ns" --to "${to}ns" \
		--at 44us "$d/b.timeline"; then
		echo "screenshot.sh: rdv-view failed for $spec" >&2
		fail=1
		continue
	fi
	"$bin/test-screenshot" "$d/s.png" "$d/b.timeline" "$w" "$h" "$from" "$to" 44000 || fail=1
done
# A selected isolation and the help overlay still render.
"$bin/rdv-view" --screenshot "$d/sel.png" --select 0 --help-overlay --hover 600,80 "$d/b.timeline" || fail=1
[ -s "$d/sel.png" ] || fail=1
exit $fail
