#!/bin/sh
# Bad input to rdv-view: each case must exit non-zero (not by a signal) with
# exactly one line on stderr, "rdv-view: …".
# Usage: bad-input.sh BINDIR
set -u
bin=$1
d=$(mktemp -d "${TMPDIR:-/tmp}/rdv-view-bad.XXXXXX")
trap 'rm -rf "$d"' EXIT INT TERM
fail=0

expect_error() { # NAME ARGS…
	name=$1
	shift
	"$bin/rdv-view" "$@" >"$d/out" 2>"$d/err"
	rc=$?
	lines=$(wc -l <"$d/err")
	if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ] || [ "$lines" -ne 1 ] ||
		! grep -q '^rdv-view: ' "$d/err"; then
		echo "bad-input: $name: rc=$rc, stderr ($lines lines):" >&2
		cat "$d/err" >&2
		fail=1
	else
		echo "ok   $name: $(cat "$d/err")"
	fi
}

"$bin/synth-timeline" blocks "$d/good.timeline" || exit 1
"$bin/synth-timeline" empty "$d/empty.timeline" || exit 1
size=$(wc -c <"$d/good.timeline")
head -c $((size / 2)) "$d/good.timeline" >"$d/truncated.timeline"
head -c 100 "$d/good.timeline" >"$d/short.timeline"
: >"$d/zero.timeline"
echo "this is not a timeline" >"$d/text.timeline"
# Corrupt: one interval state byte (near the end: the last lane's states).
cp "$d/good.timeline" "$d/corrupt.timeline"
printf '\011' | dd of="$d/corrupt.timeline" bs=1 seek=$((size - 9)) conv=notrunc 2>/dev/null
# Corrupt: a lane's interval count.
cp "$d/good.timeline" "$d/corrupt2.timeline"
printf '\377' | dd of="$d/corrupt2.timeline" bs=1 seek=$((128 + 24)) conv=notrunc 2>/dev/null
mkdir "$d/empty-trace"

shot="--screenshot $d/x.png"
expect_error "missing file" $shot "$d/missing.timeline"
expect_error "not a timeline" $shot "$d/text.timeline"
expect_error "zero-length file" $shot "$d/zero.timeline"
expect_error "truncated header" $shot "$d/short.timeline"
expect_error "truncated timeline" $shot "$d/truncated.timeline"
expect_error "corrupt state" $shot "$d/corrupt.timeline"
expect_error "corrupt count" $shot "$d/corrupt2.timeline"
expect_error "empty timeline" $shot "$d/empty.timeline"
expect_error "empty trace directory" $shot "$d/empty-trace"
expect_error "no input"
expect_error "two inputs" "$d/good.timeline" "$d/good.timeline"
expect_error "unknown option" --frobnicate "$d/good.timeline"
expect_error "bad size" --size 10x10 $shot "$d/good.timeline"
expect_error "bad time" --from 3parsecs $shot "$d/good.timeline"
expect_error "from after to" --from 5us --to 1us $shot "$d/good.timeline"
expect_error "bad hover" --hover 12 $shot "$d/good.timeline"
expect_error "select out of range" --select 99 $shot "$d/good.timeline"
expect_error "unwritable png" --screenshot "$d/no/such/dir/x.png" "$d/good.timeline"
# No display and no --screenshot: an error, not an invisible window.
mkdir "$d/xdg"
timeout 20 env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER XDG_RUNTIME_DIR="$d/xdg" \
	"$bin/rdv-view" "$d/good.timeline" >"$d/out" 2>"$d/err"
rc=$?
if [ $rc -eq 0 ] || [ $rc -ge 124 ] || ! grep -q '^rdv-view: cannot open a window' "$d/err"; then
	echo "bad-input: no display: rc=$rc" >&2
	cat "$d/err" >&2
	fail=1
else
	echo "ok   no display: $(cat "$d/err")"
fi
"$bin/rdv-view" --help | grep -q '^Usage: rdv-view' || { echo "bad-input: --help" >&2; fail=1; }
exit $fail
