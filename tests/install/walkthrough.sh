#!/usr/bin/env bash
# Follows the README's "Install" walkthrough from an install prefix: the
# commands of the fenced block after the marker line
# "<!-- tested by tests/install/walkthrough.sh -->" run as written, with
# `prefix` set to a temporary directory and `build` the build tree. They
# record the installed samples/poller with the installed rdv-trace, analyze
# the trace with the installed rdv-analyze, take a screenshot with the
# installed rdv-view (when it was built) and read the man pages. Then the
# trace must show that the installed librdv ran (its statedump names the
# prefix), and every man page must render without warnings.
#   walkthrough.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$(cd "$1" && pwd) src=$2
fail() {
	echo "FAIL walkthrough: $*" >&2
	exit 1
}
command -v lttng >/dev/null && lttng list >/dev/null 2>&1 ||
	{ echo "SKIP: no LTTng session daemon is reachable"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rdv-walkthrough.XXXXXX") || fail "no temporary directory"
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
ln -s "$build" "$tmp/build"

# The block, as the README has it.
awk '/^<!-- tested by tests\/install\/walkthrough.sh -->$/ { found = 1; next }
	found && /^```/ { if (inside) exit; inside = 1; next }
	inside { print }' "$src/README.md" >"$tmp/block.sh"
[ -s "$tmp/block.sh" ] || fail "no walkthrough block in README.md"
grep -q '^prefix=' "$tmp/block.sh" || fail "the README block does not set prefix="
cat "$tmp/block.sh"
sed -i "s|^prefix=.*|prefix=$tmp/prefix|" "$tmp/block.sh"
have_view=$([ -x "$build/bin/rdv-view" ] && echo 1 || echo 0)

cd "$tmp" || fail "cd $tmp"
export SDL_VIDEODRIVER=offscreen MANPAGER=cat PAGER=cat
# Each line on its own, in one shell (so `export` carries): stop at the
# first that fails.
{
	echo 'set -e'
	while IFS= read -r line; do
		case $line in
		'' | '#'*) continue ;;
		rdv-view*) [ "$have_view" = 1 ] || { echo "echo 'skip: $line (no rdv-view built)'"; continue; } ;;
		esac
		printf 'echo "+ %s"\n%s\n' "${line//\"/\\\"}" "$line"
	done <"$tmp/block.sh"
} >"$tmp/run.sh"
env -u LD_LIBRARY_PATH bash "$tmp/run.sh" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "a README command failed"; }
cat "$tmp/out"

p=$tmp/prefix
# The installed tools ran: rdv-trace from the prefix, and the trace says
# which librdv the installed poller loaded.
grep -q "^rdv-trace: trace: " "$tmp/out" || fail "rdv-trace printed no trace"
trace=$(sed -n 's/^rdv-trace: trace: //p' "$tmp/out" | tail -1)
babeltrace2 "$trace" >"$tmp/bt.txt" 2>/dev/null || fail "babeltrace2 cannot read $trace"
grep -q "lttng_ust_statedump:bin_info: .*path = \"$p/lib[^\"]*/librdv.so" "$tmp/bt.txt" ||
	fail "the installed poller did not run with the installed librdv"
grep -q "isolate_wait" "$tmp/out" || fail "no rdv-analyze report"
if [ "$have_view" = 1 ]; then
	png=$(find "$tmp" -maxdepth 1 -name '*.png' | head -1)
	[ -n "$png" ] && [ "$(head -c 4 "$png" | od -An -c | tr -d ' ')" = "211PNG" ] ||
		fail "rdv-view wrote no PNG screenshot"
fi
for m in rdv-trace rdv-analyze rdv-view; do
	page=$p/share/man/man1/$m.1
	[ -f "$page" ] || fail "man page $m.1 not installed"
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$warnings" ] || fail "man $m: $warnings"
	[ "$(MANPATH=$p/share/man man -w "$m")" = "$page" ] || fail "man does not find $m under the prefix"
	[ -x "$p/bin/$m" ] || [ "$m" = rdv-view ] || fail "$m is not installed"
done
[ "$("$p/bin/rdv-trace" --version)" = "rdv-trace (rdv) 1.1.0" ] || fail "installed rdv-trace --version"
echo "1 passed, 0 failed"
