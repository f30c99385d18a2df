#!/usr/bin/env bash
# Symbolization tests on a real recording (analyzer/src/symbols.h).
#   sym_test.sh record REC   — lays out the objects (debug info inside, split
#       by build id, split by debug link, stripped), records the workload
#       twice with lttng: as a PIE with liblttng-ust-dl.so preloaded, and as
#       a fixed-address executable without it
#   sym_test.sh resolve REC  — every caller resolves to its marked line
#   sym_test.sh sysroot REC  — the same from a copy under a target prefix;
#       nothing from an empty prefix
#   sym_test.sh missing REC  — deleted object, rebuilt object (other build
#       id), debug file with a wrong CRC: never a wrong name
#   sym_test.sh bench REC    — resolves/s, cache hit and cold; then the
#       time to decode a bigger recording with and without symbolization
# Environment (from CTest): SYM_DUMP SYM_SRC SYM_WORKLOAD_PIE
# SYM_WORKLOAD_NOPIE SYM_PLUGIN_DIR.
set -euo pipefail
mode=$1 rec=$2
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
check=("$py" "$here/sym_check.py" --src "$SYM_SRC")
tmp=$(mktemp -d /tmp/rdv-sym-test.XXXXXX)
session="rdvsym-$$"
cleanup() {
	if [ "$mode" = record ] || [ "$mode" = bench ]; then
		lttng destroy "$session" >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

build_id() {
	readelf -n "$1" | awk '/Build ID:/ { print $3 }'
}

layout() {
	local p=$SYM_PLUGIN_DIR bid
	rm -rf "$rec"
	mkdir -p "$rec/bin" "$rec/lib/.debug" "$rec/debug" "$rec/alt"
	cp "$SYM_WORKLOAD_PIE" "$rec/bin/sym_workload_pie"
	cp "$SYM_WORKLOAD_NOPIE" "$rec/bin/sym_workload_nopie"
	# debug information inside
	cp "$p/libsym_plugin_dbg.so" "$rec/lib/libsym_dbg.so"
	# split, found by build id in the debug directory
	cp "$p/libsym_plugin_bid.so" "$rec/lib/libsym_bid.so"
	bid=$(build_id "$rec/lib/libsym_bid.so")
	[ -n "$bid" ] || { echo "FAIL: libsym_bid.so has no build id"; exit 1; }
	mkdir -p "$rec/debug/.build-id/${bid:0:2}"
	objcopy --only-keep-debug "$rec/lib/libsym_bid.so" "$rec/debug/.build-id/${bid:0:2}/${bid:2}.debug"
	strip --strip-all "$rec/lib/libsym_bid.so"
	# split, no build id: found by debug link (.debug/ beside it), CRC checked
	cp "$p/libsym_plugin_link.so" "$rec/lib/libsym_link.so"
	[ -z "$(build_id "$rec/lib/libsym_link.so")" ] || { echo "FAIL: libsym_link.so has a build id"; exit 1; }
	objcopy --only-keep-debug "$rec/lib/libsym_link.so" "$rec/lib/.debug/libsym_link.so.debug"
	strip --strip-all "$rec/lib/libsym_link.so"
	objcopy --add-gnu-debuglink="$rec/lib/.debug/libsym_link.so.debug" "$rec/lib/libsym_link.so"
	# no debug information, .dynsym only
	cp "$p/libsym_plugin_nodbg.so" "$rec/lib/libsym_nodbg.so"
	strip --strip-all "$rec/lib/libsym_nodbg.so"
	# for the "missing" test: another build, a debug file of another build
	cp "$p/libsym_plugin_other.so" "$rec/alt/libsym_other.so"
	objcopy --only-keep-debug "$p/libsym_plugin_linkother.so" "$rec/alt/libsym_link.so.debug"
}

plugins() {
	echo "$1/lib/libsym_dbg.so" "$1/lib/libsym_bid.so" "$1/lib/libsym_link.so" "$1/lib/libsym_nodbg.so"
}

need_sessiond() {
	if ! lttng list >/dev/null 2>&1; then
		echo "FAIL: no lttng-sessiond reachable (start one: lttng-sessiond --daemonize --no-kernel)" >&2
		exit 1
	fi
}

# start_session DIR SUBBUF
start_session() {
	lttng create "$session" --output="$1" >/dev/null
	lttng enable-channel -u ch -s "$session" --subbuf-size="$2" --num-subbuf=8 >/dev/null
	for e in 'rdv:*' 'lttng_ust_statedump:*' 'lttng_ust_dl:*' 'lttng_ust_lib:*'; do
		lttng enable-event -u "$e" -c ch -s "$session" >/dev/null
	done
	lttng add-context -u -t vpid -t vtid -c ch -s "$session" >/dev/null
	lttng start "$session" >/dev/null
}

record() {
	need_sessiond
	layout
	start_session "$rec/trace" 1M
	# shellcheck disable=SC2046
	LD_PRELOAD=liblttng-ust-dl.so "$rec/bin/sym_workload_pie" $(plugins "$rec") >"$rec/pie.out"
	# no liblttng-ust-dl: the plugins are loaded unseen
	# shellcheck disable=SC2046
	"$rec/bin/sym_workload_nopie" $(plugins "$rec") >"$rec/nopie.out"
	lttng stop "$session" >/dev/null
	lttng destroy "$session" >/dev/null
	echo "recorded: pie pid $(head -1 "$rec/pie.out"), nopie pid $(head -1 "$rec/nopie.out")"
}

vpids() {
	echo --vpid "$(head -1 "$rec/pie.out")" --vpid "$(head -1 "$rec/nopie.out")"
}

# The expectations of a complete layout under ROOT (the paths the trace names)
expect_all() {
	local r=$rec pie nopie
	pie=$(head -1 "$rec/pie.out")
	nopie=$(head -1 "$rec/nopie.out")
	echo --expect "$r/bin/sym_workload_pie=full:sym_workload.c" \
		--expect "$r/bin/sym_workload_nopie=full:sym_workload.c" \
		--expect "$r/lib/libsym_dbg.so=full:sym_plugin.c" \
		--expect "$r/lib/libsym_bid.so=full:sym_plugin.c" \
		--expect "$r/lib/libsym_link.so=full:sym_plugin.c" \
		--expect "$r/lib/libsym_nodbg.so=dynsym" \
		--unknown "$nopie=16" --unknown "$pie=0"
}

[ -x "$SYM_DUMP" ] || { echo "FAIL: no sym_dump"; exit 1; }
case $mode in
record)
	record
	;;
resolve)
	# shellcheck disable=SC2046
	"$SYM_DUMP" "$rec/trace" --debug-dir "$rec/debug" $(vpids) >"$tmp/out"
	cat "$tmp/out"
	# shellcheck disable=SC2046
	"${check[@]}" "$tmp/out" $(expect_all)
	;;
sysroot)
	root=$tmp/root
	mkdir -p "$root$(dirname "$rec")" "$root/usr/lib/debug"
	cp -a "$rec" "$root$rec"
	cp -a "$rec/debug/.build-id" "$root/usr/lib/debug/"
	# default debug directory: PREFIX/usr/lib/debug
	# shellcheck disable=SC2046
	"$SYM_DUMP" "$rec/trace" --prefix "$root" $(vpids) >"$tmp/out"
	cat "$tmp/out"
	# shellcheck disable=SC2046
	"${check[@]}" "$tmp/out" $(expect_all)
	# an empty sysroot: the objects are known, nothing else
	mkdir -p "$tmp/empty"
	# shellcheck disable=SC2046
	"$SYM_DUMP" "$rec/trace" --prefix "$tmp/empty" $(vpids) >"$tmp/out2"
	nopie=$(head -1 "$rec/nopie.out")
	# shellcheck disable=SC2046
	"${check[@]}" "$tmp/out2" --unknown "$nopie=16" --unknown "$(head -1 "$rec/pie.out")=0" \
		--expect-all none
	;;
missing)
	root=$tmp/root
	mkdir -p "$root$(dirname "$rec")"
	cp -a "$rec" "$root$rec"
	r=$root$rec
	rm "$r/lib/libsym_dbg.so"                           # gone, no debug file
	cp "$r/alt/libsym_other.so" "$r/lib/libsym_bid.so"  # rebuilt: another build id
	cp "$r/alt/libsym_link.so.debug" "$r/lib/.debug/"   # debug link with a wrong CRC
	nopie=$(head -1 "$rec/nopie.out")
	pie=$(head -1 "$rec/pie.out")
	common=(--expect "$rec/bin/sym_workload_pie=full:sym_workload.c"
		--expect "$rec/bin/sym_workload_nopie=full:sym_workload.c"
		--expect "$rec/lib/libsym_dbg.so=none"
		--expect "$rec/lib/libsym_link.so=dynsym"
		--expect "$rec/lib/libsym_nodbg.so=dynsym"
		--unknown "$nopie=16" --unknown "$pie=0")
	# the rebuilt object is refused; its debug file (by build id) answers
	# shellcheck disable=SC2046
	"$SYM_DUMP" "$rec/trace" --prefix "$root" --debug-dir "$r/debug" $(vpids) >"$tmp/out"
	cat "$tmp/out"
	"${check[@]}" "$tmp/out" "${common[@]}" --expect "$rec/lib/libsym_bid.so=full:sym_plugin.c"
	# without it, nothing: not even the rebuilt object's .dynsym names
	# shellcheck disable=SC2046
	"$SYM_DUMP" "$rec/trace" --prefix "$root" --debug-dir "$tmp/nodebug" $(vpids) >"$tmp/out2"
	cat "$tmp/out2"
	"${check[@]}" "$tmp/out2" "${common[@]}" --expect "$rec/lib/libsym_bid.so=none"
	;;
bench)
	# shellcheck disable=SC2046
	"$SYM_DUMP" "$rec/trace" --debug-dir "$rec/debug" $(vpids) --bench 5000000 >"$tmp/out"
	grep -E '^(bench|stats)' "$tmp/out"
	# a floor far below what a hash lookup does, to catch a cache that is
	# not one (every resolve reading DWARF is ~1000x slower)
	awk '/^bench/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	     END { if (v["hit_resolves_per_s"] + 0 < 1000000) { print "FAIL: cache hit path too slow"; exit 1 } }' "$tmp/out"
	# Symbolization's share of a whole decode: a recording with many events
	# and few callers, decoded alone and decoded + fed + every caller
	# resolved (best of 3 each). Printed, not judged: the machine is shared.
	need_sessiond
	start_session "$tmp/big" 4M
	SYM_REPEAT=${SYM_BENCH_REPEAT:-30000} LD_PRELOAD=liblttng-ust-dl.so "$rec/bin/sym_workload_pie" \
		"$rec/lib/libsym_dbg.so" >/dev/null
	lttng stop "$session" >/dev/null
	lttng destroy "$session" >/dev/null
	best() {
		local b=999999 t
		for _ in 1 2 3; do
			t=$("$SYM_DUMP" "$tmp/big" --debug-dir "$rec/debug" "$@" | awk -F'[= ]' '/^decode_s=/ { print $2 }')
			b=$(echo "if ($t < $b) $t else $b" | bc -l)
		done
		echo "$b"
	}
	dec=$(best --decode-only)
	sym=$(best)
	events=$("$SYM_DUMP" "$tmp/big" --decode-only | awk -F'[= ]' '/^decode_s=/ { print $4 }')
	echo "bench events=$events decode_only_s=$dec with_symbols_s=$sym ratio=$(echo "scale=3; $sym / $dec" | bc -l)"
	;;
*)
	echo "usage: $0 record|resolve|sysroot|missing|bench REC" >&2
	exit 2
	;;
esac
