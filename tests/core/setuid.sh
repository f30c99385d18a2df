#!/usr/bin/env bash
# A set-user-ID program linked with librdv must ignore RDV_TRACEPOINTS (and
# every RDV_* variable): librdv reads them with secure_getenv(), as glibc
# ignores LD_PRELOAD there. Control first: the same program, not set-user-ID,
# does load the library RDV_TRACEPOINTS names (so the test can fail).
#   setuid.sh PROBE EVIL_SO        (needs root: exits 77, skipped, otherwise)
set -u
probe=$1 evil=$2
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root to make a set-user-ID copy"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
mkdir "$dir/marks" && chmod 1777 "$dir/marks"
cp "$probe" "$dir/probe" && cp "$evil" "$dir/evil.so"
chmod 755 "$dir/probe" "$dir/evil.so"
fail=0

export RDV_TRACEPOINTS="$dir/evil.so"
RDV_TEST_MARKER="$dir/marks/plain" "$dir/probe" > "$dir/plain.out" || fail=1
if [ ! -e "$dir/marks/plain" ]; then
	echo "FAIL: control: the plain program did not load RDV_TRACEPOINTS"
	fail=1
fi

chown daemon "$dir/probe" && chmod 4755 "$dir/probe"
RDV_TEST_MARKER="$dir/marks/setuid" "$dir/probe" > "$dir/setuid.out" || fail=1
if ! grep -q '^secure=1$' "$dir/setuid.out"; then
	echo "FAIL: the set-user-ID copy did not run secure: $(cat "$dir/setuid.out")"
	fail=1
fi
if [ -e "$dir/marks/setuid" ]; then
	echo "FAIL: the set-user-ID program loaded the library RDV_TRACEPOINTS names"
	fail=1
fi
[ $fail -eq 0 ] && echo "PASS: RDV_TRACEPOINTS ignored by the set-user-ID program"
exit $fail
