#!/bin/sh
# Builds the analysis fuzz target with clang (libFuzzer, ASan, UBSan) and
# runs it for a bounded time: the state machine, the --compare JSON reader
# and the metadata check. Exit 1 (the input kept) when it finds a crash.
#
#   fuzz.sh [SECONDS]   (default 30)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../../analyzer/src
secs=${1:-30}
command -v clang > /dev/null || { echo "fuzz.sh: cannot fuzz: clang not found" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rdv-analyzer-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$src" -I"$src/../include" "$here/fuzz-analysis.c" "$src/analysis.c" "$src/blame.c" "$src/latency-dist.c" \
	"$src/mini-json.c" "$src/metadata-check.c" -o "$tmp/fuzz-analysis"
mkdir "$tmp/corpus"
printf '{"format":"rdv-analyze/1","latency":{"blocked":{"count":1}}}' > "$tmp/corpus/json"
# a registration, a request, a grant and a release, as seeds
printf '\000\000\001\000\000\002\000\000\000\000\001\000\000\002\007\001\000\000\001\000\004\000\011\000' > "$tmp/corpus/seq"
# metadata: a real one (packetized), its text, and a cut one
meta=$here/traces/basic/ust/uid/0/64-bit/metadata
{ printf M; cat "$meta"; } > "$tmp/corpus/meta"
{ printf M; head -c 4200 "$meta"; } > "$tmp/corpus/meta-cut"
{ printf 'M/* CTF 1.8 */ trace { major = 1; minor = 8; uuid = "x{"; }; // }\n'; } > "$tmp/corpus/meta-text"
cd "$tmp"
# the status is the fuzzer's (a crash or an abort() of a broken invariant)
if ! "$tmp/fuzz-analysis" -max_total_time="$secs" -max_len=16384 -timeout=10 \
	-print_final_stats=1 "$tmp/corpus" > fuzz.log 2>&1; then
	tail -40 fuzz.log >&2
	for f in crash-* timeout-* leak-*; do
		[ -e "$f" ] && cp "$f" "${TMPDIR:-/tmp}/" && echo "fuzz.sh: kept ${TMPDIR:-/tmp}/$f" >&2
	done
	exit 1
fi
grep -E "stat::number_of_executed_units|Done" fuzz.log || true
