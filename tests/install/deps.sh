#!/usr/bin/env bash
# The README's first step on a fresh Debian 12: scripts/install-deps.sh
# installs its packages with --no-install-recommends, so every file the
# build, the tests and the demo use must come from one of those packages or
# what they Depend on (Pre-Depends included), never from a Recommends that
# happens to be installed on this machine. Found missing once: clang's
# libFuzzer runtime (libclang-rt-14-dev, a Recommends of clang-14), which the
# fuzz tests link.
#   deps.sh SOURCE_DIR
set -uo pipefail
src=$1
command -v apt-cache >/dev/null && command -v dpkg-query >/dev/null ||
	{ echo "SKIP: not a Debian system"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rdv-deps.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# The package list, as the script has it (one array, comments after #).
awk '/^packages=\(/ { inside = 1; next } inside && /^\)/ { exit }
	inside { sub(/#.*/, ""); print }' "$src/scripts/install-deps.sh" | tr -s ' \t' '\n' |
	sed '/^$/d' >"$tmp/listed"
[ -s "$tmp/listed" ] || { echo "FAIL deps: no packages=( … ) list in scripts/install-deps.sh"; exit 1; }
# Their closure without Recommends; the packages every Debian has anyway.
# shellcheck disable=SC2046
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
	--no-replaces --no-enhances $(cat "$tmp/listed") 2>/dev/null | grep -v '^ ' |
	sed 's/:any$//' | sort -u >"$tmp/closure"
dpkg-query -W -f='${Package} ${Priority} ${Essential}\n' |
	awk '$2 == "required" || $3 == "yes" { print $1 }' >>"$tmp/closure"
[ "$(wc -l <"$tmp/closure")" -gt 100 ] || { echo "FAIL deps: apt-cache gave no closure"; exit 1; }

# Every file, found on this machine, must belong to a package of the
# closure.
need() { # WHAT PATH
	local what=$1 path=$2 pkg
	[ -n "$path" ] && [ -e "$path" ] || { echo "FAIL deps: $what: not found on this machine"; fail=1; return; }
	pkg=$(dpkg-query -S "$(realpath "$path")" 2>/dev/null | head -1 | cut -d: -f1)
	[ -n "$pkg" ] || pkg=$(dpkg-query -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
	[ -n "$pkg" ] || { echo "FAIL deps: $what ($path): no package owns it"; fail=1; return; }
	if grep -qx "$pkg" "$tmp/closure"; then
		echo "ok   $what: $path ($pkg)"
	else
		echo "FAIL deps: $what: $path comes from $pkg, which install-deps.sh does not install"
		fail=1
	fi
}
for tool in cc gcc make cmake pkg-config clang lttng lttng-sessiond lttng-relayd babeltrace2 \
	Xvfb xdotool xauth import compare spin valgrind callgrind_annotate bc setpriv man groff \
	addr2line objcopy readelf strip wrk timeout script pgrep; do
	need "$tool" "$(command -v "$tool")"
done
need "python3 with bt2" /usr/lib/python3/dist-packages/bt2/__init__.py
need "/usr/bin/python3" /usr/bin/python3
need "libFuzzer (clang -fsanitize=fuzzer)" "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)"
need "ASan runtime for clang" "$(clang -print-file-name=libclang_rt.asan-x86_64.a)"
need "TSan runtime for gcc" "$(gcc -print-file-name=libtsan.so)"
need "LTTng-UST fork wrapper" "$(ls /usr/lib/*/liblttng-ust-fork.so.1 2>/dev/null | head -1)"
need "LTTng-UST dl wrapper" "$(ls /usr/lib/*/liblttng-ust-dl.so.1 2>/dev/null | head -1)"
need "liblttng-ctl" "$(pkg-config --variable=libdir lttng-ctl)/liblttng-ctl.so"
need "babeltrace2 ctf plugin" "$(ls /usr/lib/*/babeltrace2/plugins/babeltrace-plugin-ctf.so 2>/dev/null | head -1)"
need "libdw" "$(pkg-config --variable=libdir libdw)/libdw.so"
need "SDL2" "$(pkg-config --variable=libdir sdl2)/libSDL2.so"
need "SDL2_ttf" "$(pkg-config --variable=libdir SDL2_ttf)/libSDL2_ttf.so"
need "SDL2_image" "$(pkg-config --variable=libdir SDL2_image)/libSDL2_image.so"
need "DejaVu Sans (rdv-view's font)" "$(fc-match -f '%{file}' 'DejaVu Sans:style=Book' 2>/dev/null ||
	echo /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf)"
[ $fail -eq 0 ] && echo "1 passed, 0 failed"
exit $fail
