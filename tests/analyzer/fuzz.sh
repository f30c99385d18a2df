#!/bin/sh
# Builds the analysis fuzz target with clang (libFuzzer, ASan, UBSan) and
# runs it for a bounded time.
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
	-I"$src" "$here/fuzz-analysis.c" "$src/analysis.c" "$src/latency-dist.c" \
	"$src/mini-json.c" -o "$tmp/fuzz-analysis"
mkdir "$tmp/corpus"
printf '{"format":"rdv-analyze/1","latency":{"blocked":{"count":1}}}' > "$tmp/corpus/json"
# a registration, a request, a grant and a release, as seeds
printf '\000\000\001\000\000\002\000\000\000\000\001\000\000\002\007\001\000\000\001\000\004\000\011\000' > "$tmp/corpus/seq"
cd "$tmp"
"$tmp/fuzz-analysis" -max_total_time="$secs" -max_len=4096 -timeout=10 -print_final_stats=1 \
	"$tmp/corpus" 2>&1 | tail -12
