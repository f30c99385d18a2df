#!/bin/bash
# rdv-trace record follows descendants (DESIGN §5): a launcher `sh -c` that
# runs a sample and a program that forks a librdv child is recorded whole,
# from each process's first event (domain_create), each under its own vpid,
# and nothing from an unrelated librdv program running alongside. Signals
# and exit statuses pass through the launcher.
. "$RDV_TEST_LIB"
require_sessiond

# An unrelated librdv program of the same user, running all along.
"$RDV_BIN/poller" --threads 1 --duration 20 --rate 500 --isolate-rate 50 >/dev/null &
unrelated=$!
CLEANUP_PIDS="$unrelated"

"$RDV_TRACE" record -o "$TMP/trace" -- sh -c "'$RDV_BIN/poller' --threads 2 --duration 1 --rate 1000 \
	--isolate-rate 40; '$RDV_WORKLOAD' fork; true" >"$TMP/stdout" 2>"$TMP/stderr" ||
	fail "record sh -c failed: $(cat "$TMP/stderr")"
cat "$TMP/stdout" "$TMP/stderr"
kill -0 "$unrelated" || fail "the unrelated poller ended too early to prove anything"
grep -q "^rdv-trace: followed [4-9] processes (sh and the processes it started)" "$TMP/stderr" ||
	fail "rdv-trace did not say it followed sh, poller, workload and its child"
isolations=$(field "$(grep '^sample=' "$TMP/stdout")" isolations)
parent=$(sed -n 's/^parent=\([0-9]*\) child=.*/\1/p' "$TMP/stdout")
child=$(sed -n 's/^parent=[0-9]* child=\([0-9]*\)$/\1/p' "$TMP/stdout")
[ -n "$isolations" ] && [ -n "$parent" ] && [ -n "$child" ] || fail "the programs did not print their summaries"

babeltrace2 "$TMP/trace" >"$TMP/bt.out" 2>"$TMP/bt.err" || fail "babeltrace2 cannot read the trace"
[ -s "$TMP/bt.err" ] && fail "babeltrace2 warned: $(head -3 "$TMP/bt.err")"
grep -q "vpid = $unrelated," "$TMP/bt.out" && fail "events of the unrelated process $unrelated were recorded"
# The poller exec'd by sh: its pid is the one whose procname is poller.
poller=$(grep ' rdv:domain_create: .*procname = "poller"' "$TMP/bt.out" | sed -n 's/.*vpid = \([0-9]*\),.*/\1/p' | sort -u)
[ "$(printf '%s\n' "$poller" | grep -c .)" -eq 1 ] || fail "expected one poller process with a domain_create, got '$poller'"
grants() { # grants of one vpid
	grep -c "vpid = $1, .*\"isolate_grant\" : container = [0-9]* ), mask = ( \"harmless\"" "$TMP/bt.out"
}
[ "$(grants "$poller")" -eq "$isolations" ] || fail "poller: $(grants "$poller") grants in the trace, it did $isolations"
# The workload and the child it forked: each its own vpid, from its first event.
for p in "$parent" "$child"; do
	grep -q " rdv:domain_create: .*vpid = $p," "$TMP/bt.out" || fail "no domain_create from $p: its first events are lost"
done
[ "$(grants "$parent")" -eq 2 ] || fail "the forking parent: $(grants "$parent") grants, expected 2"
[ "$(grants "$child")" -eq 3 ] || fail "the forked child: $(grants "$child") grants under its own vpid, expected 3"
# Every recorded process is one of ours (sh, poller, workload, its child).
for v in $(grep -o 'vpid = [0-9]*' "$TMP/bt.out" | sort -u | sed 's/vpid = //'); do
	name=$(grep -m1 "vpid = $v," "$TMP/bt.out" | sed -n 's/.*procname = "\([^"]*\)".*/\1/p')
	case $v in
	"$poller" | "$parent" | "$child") ;;
	*) # sh (only its statedump, by LTTng-UST's thread "sh-ust")
		case $name in
		sh | dash | sh-ust | dash-ust) ;;
		*) fail "events from vpid $v ($name), not a descendant" ;;
		esac ;;
	esac
done
# The statedump of each librdv process, to resolve its callers.
for p in "$poller" "$parent" "$child"; do
	grep -q "lttng_ust_statedump:bin_info: .*vpid = $p," "$TMP/bt.out" || fail "no statedump from $p"
done

# --no-follow: only sh itself, which makes no rdv call.
"$RDV_TRACE" record --no-follow -o "$TMP/nofollow" -- sh -c "'$RDV_WORKLOAD' fork; true" \
	>/dev/null 2>"$TMP/nf.err" || fail "record --no-follow failed: $(cat "$TMP/nf.err")"
[ "$(summary_value "$TMP/nf.err" 1)" -eq 0 ] || fail "--no-follow recorded a descendant's events"
grep -q "^rdv-trace: warning: no rdv events" "$TMP/nf.err" || fail "--no-follow: no warning that nothing was recorded"

# Exit status through the launcher.
"$RDV_TRACE" record -o "$TMP/st" -- sh -c "'$RDV_BIN/hello' >/dev/null; exit 5" >/dev/null 2>&1
[ $? -eq 5 ] || fail "exit status 5 of sh -c not passed through"

# A signal sent to rdv-trace alone reaches every followed process: the
# poller under sh stops early, prints its summary, and its trace is complete.
"$RDV_TRACE" record -o "$TMP/int" -- sh -c "'$RDV_BIN/poller' --threads 2 --duration 30 --rate 1000 \
	--isolate-rate 40; true" >"$TMP/int.out" 2>"$TMP/int.err" &
rec=$!
CLEANUP_PIDS="$CLEANUP_PIDS $rec"
sleep 2
kill -INT "$rec"
wait "$rec"
rc=$?
cat "$TMP/int.out" "$TMP/int.err"
[ "$rc" -eq 130 ] || [ "$rc" -eq 0 ] || fail "after SIGINT: exit $rc, expected sh's status (130 or 0)"
isolations=$(field "$(grep '^sample=' "$TMP/int.out")" isolations)
[ -n "$isolations" ] || fail "SIGINT did not reach the poller under sh (no summary)"
[ "$(bt_grants "$TMP/int")" -eq "$isolations" ] || fail "after SIGINT: the trace lacks grants ($(bt_grants "$TMP/int") of $isolations)"
echo "PASS $TEST"
