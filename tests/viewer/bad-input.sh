#!/bin/sh
# Bad input to rdv-view. A runtime error (missing or bad file, nothing to
# show) exits 1 with exactly one line on stderr, "rdv-view: …"; a usage error
# exits 2 with "rdv-view: …" and "Try 'rdv-view --help'." (COMMON.md).
# Neither by a signal. A bad input is said before any display is looked for.
# Usage: bad-input.sh BINDIR
set -u
bin=$1
d=$(mktemp -d "${TMPDIR:-/tmp}/rdv-view-bad.XXXXXX")
trap 'rm -rf "$d"' EXIT INT TERM
fail=0

expect_error() { # NAME ARGS…: a runtime error
	name=$1
	shift
	"$bin/rdv-view" "$@" >"$d/out" 2>"$d/err"
	rc=$?
	lines=$(wc -l <"$d/err")
	if [ "$rc" -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -q '^rdv-view: ' "$d/err"; then
		echo "bad-input: $name: rc=$rc, stderr ($lines lines):" >&2
		cat "$d/err" >&2
		fail=1
	else
		echo "ok   $name: $(cat "$d/err")"
	fi
}

expect_usage() { # NAME ARGS…: a usage error
	name=$1
	shift
	"$bin/rdv-view" "$@" >"$d/out" 2>"$d/err"
	rc=$?
	lines=$(wc -l <"$d/err")
	if [ "$rc" -ne 2 ] || [ "$lines" -ne 2 ] || ! head -1 "$d/err" | grep -q '^rdv-view: ' ||
		[ "$(tail -1 "$d/err")" != "Try 'rdv-view --help'." ]; then
		echo "bad-input: $name: rc=$rc, stderr ($lines lines):" >&2
		cat "$d/err" >&2
		fail=1
	else
		echo "ok   $name: $(head -1 "$d/err")"
	fi
}

"$bin/synth-timeline" blocks "$d/good.timeline" || exit 1
"$bin/synth-timeline" empty "$d/empty.timeline" || exit 1
"$bin/synth-timeline" noiso "$d/noiso.timeline" || exit 1
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
expect_usage "no input"
expect_usage "two inputs" "$d/good.timeline" "$d/good.timeline"
expect_usage "unknown option" --frobnicate "$d/good.timeline"
expect_usage "missing argument" "$d/good.timeline" --size
expect_usage "bad size" --size 10x10 $shot "$d/good.timeline"
expect_usage "bad size suffix" --size 800x600x $shot "$d/good.timeline"
expect_usage "bad time" --from 3parsecs $shot "$d/good.timeline"
expect_usage "from after to" --from 5us --to 1us $shot "$d/good.timeline"
expect_usage "bad hover" --hover 12 $shot "$d/good.timeline"
expect_usage "bad select" --select best $shot "$d/good.timeline"
expect_usage "negative select" --select -3 $shot "$d/good.timeline"
expect_usage "bad window" --live net://127.0.0.1/host/h/s --window 0
expect_usage "live and a file" --live net://127.0.0.1/host/h/s "$d/good.timeline"
expect_usage "live and --select" --live net://127.0.0.1/host/h/s --select worst
expect_usage "a file and --window" --window 5 "$d/good.timeline"
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
# A missing or bad file is said before the display: no window needed to
# learn that the file is wrong.
for f in missing.timeline text.timeline truncated.timeline; do
	timeout 20 env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER XDG_RUNTIME_DIR="$d/xdg" \
		"$bin/rdv-view" "$d/$f" >"$d/out" 2>"$d/err"
	rc=$?
	if [ $rc -ne 1 ] || [ "$(wc -l <"$d/err")" -ne 1 ] || ! grep -q "^rdv-view: cannot open '$d/$f'" "$d/err"; then
		echo "bad-input: $f without a display: rc=$rc" >&2
		cat "$d/err" >&2
		fail=1
	else
		echo "ok   $f without a display: $(cat "$d/err")"
	fi
done
# The same without XDG_RUNTIME_DIR (a root shell, a container): SDL's
# Wayland driver must not add libwayland's own line to the one error.
timeout 20 env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER -u XDG_RUNTIME_DIR \
	"$bin/rdv-view" "$d/good.timeline" >"$d/out" 2>"$d/err"
rc=$?
if [ $rc -ne 1 ] || [ "$(wc -l <"$d/err")" -ne 1 ] || ! grep -q '^rdv-view: cannot open a window' "$d/err"; then
	echo "bad-input: no display, no XDG_RUNTIME_DIR: rc=$rc, stderr:" >&2
	cat "$d/err" >&2
	fail=1
else
	echo "ok   no display, no XDG_RUNTIME_DIR: $(cat "$d/err")"
fi
# A directory that holds no trace, or a truncated one: said before any
# display, in one line, at once (not in a window after the analysis).
mkdir -p "$d/bad-trace/ust"
printf '/* CTF 1.8 */\ntrace {\n' >"$d/bad-trace/ust/metadata"
for t in empty-trace bad-trace; do
	timeout 20 env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER XDG_RUNTIME_DIR="$d/xdg" \
		"$bin/rdv-view" "$d/$t" >"$d/out" 2>"$d/err"
	rc=$?
	if [ $rc -ne 1 ] || [ "$(wc -l <"$d/err")" -ne 1 ] || ! grep -q "^rdv-view: cannot read trace '$d/$t'" "$d/err"; then
		echo "bad-input: $t without a display: rc=$rc" >&2
		cat "$d/err" >&2
		fail=1
	else
		echo "ok   $t without a display: $(cat "$d/err")"
	fi
done
# A bad --live URL is a usage error, said before any display.
for u in foo net://127.0.0.1:5344; do
	timeout 20 env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER XDG_RUNTIME_DIR="$d/xdg" \
		"$bin/rdv-view" --live "$u" >"$d/out" 2>"$d/err"
	rc=$?
	if [ $rc -ne 2 ] || [ "$(wc -l <"$d/err")" -ne 2 ] || ! head -1 "$d/err" | grep -q "^rdv-view: bad live URL '$u'" ||
		[ "$(tail -1 "$d/err")" != "Try 'rdv-view --help'." ]; then
		echo "bad-input: --live $u without a display: rc=$rc" >&2
		cat "$d/err" >&2
		fail=1
	else
		echo "ok   --live $u without a display: $(head -1 "$d/err")"
	fi
done
"$bin/rdv-view" --help | grep -q '^Usage: rdv-view' || { echo "bad-input: --help" >&2; fail=1; }
[ "$("$bin/rdv-view" --version)" = "rdv-view (rdv) $("$bin/rdv-view" --version | sed 's/.* //')" ] &&
	"$bin/rdv-view" --version | grep -Eq '^rdv-view \(rdv\) [0-9]+\.[0-9]+\.[0-9]+$' ||
	{ echo "bad-input: --version: '$("$bin/rdv-view" --version)'" >&2; fail=1; }
# --help and --version to a stdout that cannot take them: an error.
if [ -c /dev/full ]; then
	for a in --help --version; do
		"$bin/rdv-view" $a >/dev/full 2>"$d/err"
		rc=$?
		if [ $rc -ne 1 ] || [ "$(cat "$d/err")" != "rdv-view: cannot write to standard output: No space left on device" ]; then
			echo "bad-input: $a >/dev/full: rc=$rc" >&2
			cat "$d/err" >&2
			fail=1
		else
			echo "ok   $a >/dev/full: $(cat "$d/err")"
		fi
	done
fi
# --select worst on a timeline without isolations: a runtime error.
expect_error "select worst, no isolation" --select worst $shot "$d/noiso.timeline"
exit $fail
