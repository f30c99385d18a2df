#!/bin/bash
# The statedump (DESIGN §3, provider version 2): rdv-trace records
# lttng_ust_statedump:* with the rdv events, from start (record) and when
# the session starts while the program runs (attach), and lttng_ust_dl:*
# for an object loaded later; so every `caller` of a mask_change falls in
# an object the trace names, and resolves offline to the program's source.
. "$RDV_TEST_LIB"
require_sessiond

# bin_info of vpid $2 in the babeltrace2 text $1: "baddr memsz path" lines.
bin_infos() {
	grep "lttng_ust_statedump:bin_info: .*vpid = $2," "$1" |
		sed -n 's/.*baddr = \(0x[0-9A-Fa-f]*\), memsz = \([0-9]*\), path = "\([^"]*\)".*/\1 \2 \3/p'
}

# record: hello from its start.
"$RDV_TRACE" record -o "$TMP/rec" -- "$RDV_BIN/hello" >/dev/null 2>"$TMP/rec.err" ||
	fail "record hello failed: $(cat "$TMP/rec.err")"
babeltrace2 "$TMP/rec" >"$TMP/rec.txt" 2>/dev/null || fail "babeltrace2 cannot read the trace"
pid=$(sed -n 's/.* rdv:domain_create: .*vpid = \([0-9]*\),.*/\1/p' "$TMP/rec.txt" | head -1)
[ -n "$pid" ] || fail "no domain_create in the trace"
for ev in start bin_info end; do
	grep -q "lttng_ust_statedump:$ev: .*vpid = $pid," "$TMP/rec.txt" || fail "record: no lttng_ust_statedump:$ev from hello"
done
bin_infos "$TMP/rec.txt" "$pid" >"$TMP/objs"
grep -q " $RDV_BIN/hello\$" "$TMP/objs" || grep -q "/hello\$" "$TMP/objs" || fail "record: the statedump does not name hello: $(cat "$TMP/objs")"
# Every caller lies in hello's own code (the public call's return address).
read -r base size path < <(grep "/hello\$" "$TMP/objs")
callers=$(grep " rdv:mask_change: .*vpid = $pid," "$TMP/rec.txt" | sed -n 's/.*caller = \(0x[0-9A-Fa-f]*\).*/\1/p' | sort -u)
[ -n "$callers" ] || fail "no caller field in mask_change (provider version 2)"
for c in $callers; do
	[ $((c)) -ne 0 ] || continue
	[ $((c)) -ge $((base)) ] && [ $((c)) -lt $((base + size)) ] ||
		fail "caller $c is outside hello ($base + $size)"
done
if command -v addr2line >/dev/null; then
	first=$(printf '%s\n' $callers | head -1)
	where=$(addr2line -e "$path" "$(printf '0x%x' $((first - base)))")
	case $where in
	*hello.c:*) echo "caller $first resolves to $where" ;;
	*) fail "caller $first does not resolve to hello.c: '$where'" ;;
	esac
fi

# attach: the statedump comes when the session starts, mid-run.
"$RDV_BIN/poller" --threads 1 --duration 6 --rate 500 --isolate-rate 50 >/dev/null &
poller=$!
CLEANUP_PIDS="$poller"
sleep 1
"$RDV_TRACE" attach "$poller" -o "$TMP/att" --duration 1 >/dev/null 2>"$TMP/att.err" ||
	fail "attach failed: $(cat "$TMP/att.err")"
babeltrace2 "$TMP/att" >"$TMP/att.txt" 2>/dev/null || fail "babeltrace2 cannot read the attach trace"
grep -q "lttng_ust_statedump:end: .*vpid = $poller," "$TMP/att.txt" || fail "attach: no statedump"
bin_infos "$TMP/att.txt" "$poller" | grep -q "/poller\$" || fail "attach: the statedump does not name poller"
grep -q "lttng_ust_statedump:.*vpid = [0-9]*," "$TMP/att.txt" &&
	[ "$(grep -o 'vpid = [0-9]*' "$TMP/att.txt" | sort -u | wc -l)" -eq 1 ] || fail "attach: events of other processes"

# An object loaded after start: lttng_ust_dl:dlopen names it (rdv-trace
# preloads liblttng-ust-dl).
"$RDV_TRACE" record -o "$TMP/dl" -- "$RDV_WORKLOAD" dlopen "$RDV_PLUGIN" >/dev/null 2>"$TMP/dl.err" ||
	fail "record workload dlopen failed: $(cat "$TMP/dl.err")"
babeltrace2 "$TMP/dl" >"$TMP/dl.txt" 2>/dev/null || fail "babeltrace2 cannot read the dlopen trace"
grep -q "lttng_ust_dl:dlopen: .*path = \"[^\"]*$(basename "$RDV_PLUGIN")\"" "$TMP/dl.txt" ||
	fail "no lttng_ust_dl:dlopen event for $(basename "$RDV_PLUGIN")"
echo "PASS $TEST"
