#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds a small program
# against it twice: with pkg-config, and with CMake's find_package(rdv).
# Both must run, and load the trace provider installed next to librdv.
#   install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d /tmp/rdv-install-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(dirname "$(find "$tmp/prefix" -name librdv.so -print -quit)")
test -n "$libdir" || { echo "FAIL: librdv.so not installed"; exit 1; }
test -f "$tmp/prefix/include/rdv/rdv.h" || { echo "FAIL: rdv.h not installed"; exit 1; }

cp "$src/samples/hello/hello.c" "$tmp/hello.c" 2>/dev/null || cat >"$tmp/hello.c" <<'C'
#include <rdv/rdv.h>
#include <stdio.h>
int main(void)
{
	struct rdv *d = rdv_create(1);
	struct rdv_thread *t = rdv_thread_register(d);
	rdv_isolate(t);
	rdv_release(t);
	rdv_thread_unregister(t);
	rdv_destroy(d);
	puts("ok");
	return 0;
}
C

# pkg-config
export PKG_CONFIG_PATH=$libdir/pkgconfig
# shellcheck disable=SC2046
cc -o "$tmp/hello-pc" "$tmp/hello.c" $(pkg-config --cflags --libs rdv) -lpthread \
	-Wl,-rpath,"$libdir"
"$tmp/hello-pc" >/dev/null
echo "pkg-config: ok ($(pkg-config --modversion rdv))"

# find_package
mkdir -p "$tmp/proj"
cp "$tmp/hello.c" "$tmp/proj/"
cat >"$tmp/proj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(user C)
find_package(rdv 1 REQUIRED)
add_executable(hello hello.c)
target_link_libraries(hello PRIVATE rdv::rdv)
CM
cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/proj/build" >/dev/null
LD_LIBRARY_PATH=$libdir "$tmp/proj/build/hello" >/dev/null
echo "find_package: ok"

# The installed librdv loads the installed provider (dladdr → its own dir).
if [ -f "$libdir/librdv-tp.so.1" ]; then
	loaded=$(LD_LIBRARY_PATH=$libdir LD_DEBUG=files "$tmp/hello-pc" 2>&1 >/dev/null)
	grep -q "file=$libdir/librdv-tp.so.1" <<<"$loaded" ||
		{ echo "FAIL: installed provider not loaded"; exit 1; }
	echo "provider: loaded from $libdir"
fi
echo "1 passed, 0 failed"
