#!/bin/bash
# The samples run by themselves, stop by themselves and print their summary:
# hello its isolations; poller and wakeall the same summary line, with the
# requests and isolations their options ask for, and every worker serves
# (the connections are handed to the workers in turn). Bad options: one line,
# exit 2.
. "$RDV_TEST_LIB"

out=$("$RDV_BIN/hello") || fail "hello failed"
[ "$out" = "hello: 10 isolations" ] || fail "hello printed '$out'"

for s in poller wakeall; do
	line=$("$RDV_BIN/$s" --threads 3 --duration 1 --rate 2000 --isolate-rate 50) || fail "$s failed"
	[ "$(printf '%s\n' "$line" | wc -l)" -eq 1 ] || fail "$s printed more than one line: $line"
	for key in sample threads duration_s requests req_per_s isolations full isolate_call_p50_ns \
		isolate_call_p99_ns cpu_s worker_vcsw worker_req_min worker_req_max; do
		[ -n "$(field "$line" $key)" ] || fail "$s: no $key= in '$line'"
	done
	[ "$(field "$line" sample)" = "$s" ] || fail "$s: wrong sample= in '$line'"
	[ "$(field "$line" threads)" = 3 ] || fail "$s: wrong threads= in '$line'"
	req=$(field "$line" requests)
	iso=$(field "$line" isolations)
	full=$(field "$line" full)
	# 2000 requests/s and 50 isolations/s for one second (the load is open
	# loop: a loaded machine may lag, never exceed).
	[ "$req" -ge 1000 ] && [ "$req" -le 2001 ] || fail "$s: $req requests, expected 1000..2001: $line"
	[ "$iso" -ge 25 ] && [ "$iso" -le 51 ] || fail "$s: $iso isolations, expected 25..51: $line"
	[ $((iso / 2)) -eq "$full" ] || fail "$s: full=$full is not half of $iso isolations"
	p50=$(field "$line" isolate_call_p50_ns)
	p99=$(field "$line" isolate_call_p99_ns)
	[ "$p50" -gt 0 ] && [ "$p50" -le "$p99" ] || fail "$s: bad latency p50=$p50 p99=$p99"

	# Every worker works, and about as much as the others (16 connections
	# over 3 workers: 6, 5, 5; the client sends on them in turn).
	min=$(field "$line" worker_req_min)
	max=$(field "$line" worker_req_max)
	[ "$min" -gt 0 ] || fail "$s: a worker served no request: $line"
	[ $((min * 2)) -ge "$max" ] || fail "$s: uneven load, worker_req_min=$min worker_req_max=$max"
	line=$("$RDV_BIN/$s" --threads 12 --duration 0.5 --rate 2000 --isolate-rate 10) || fail "$s --threads 12 failed"
	[ "$(field "$line" worker_req_min)" -gt 0 ] || fail "$s: with 12 workers (16 connections), one served nothing: $line"
	# Usage errors as every rdv tool's (COMMON.md): the reason, then
	# "Try 'TOOL --help'.", exit 2; --version as theirs.
	expect_usage "--conns 2 is less than --threads 4" "$RDV_BIN/$s" --threads 4 --conns 2

	"$RDV_BIN/$s" --help | grep -q -- "--isolate-rate" || fail "$s --help does not list --isolate-rate"
	expect_usage "invalid --threads" "$RDV_BIN/$s" --threads 0
	expect_usage "invalid --rate" "$RDV_BIN/$s" --rate abc
	expect_usage "unexpected argument 'extra'" "$RDV_BIN/$s" extra
	expect_usage "unknown option '--bogus'" "$RDV_BIN/$s" --bogus
	expect_usage "option '--threads' needs a value" "$RDV_BIN/$s" --threads
	[ "$("$RDV_BIN/$s" --version)" = "$s (rdv) 1.1.0" ] || fail "$s --version: '$("$RDV_BIN/$s" --version)'"
done
"$RDV_BIN/hello" --help | grep -q "^Usage: hello" || fail "hello --help"
[ "$("$RDV_BIN/hello" --version)" = "hello (rdv) 1.1.0" ] || fail "hello --version: '$("$RDV_BIN/hello" --version)'"
expect_usage "unexpected argument 'extra'" "$RDV_BIN/hello" extra
echo "PASS $TEST"
