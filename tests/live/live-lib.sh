# Helpers of the live tests (sourced after tests/trace-cli/lib.sh).

# dump_value LINE KEY: the value of KEY=... in a --live-dump line.
dump_value() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# wait_dump FILE PATTERN SECONDS: waits for a dump line matching the
# extended regex; prints it.
wait_dump() {
	local file=$1 pattern=$2 secs=$3 line
	for _ in $(seq $((secs * 10))); do
		line=$(grep -E -- "$pattern" "$file" 2>/dev/null | head -1)
		if [ -n "$line" ]; then
			printf '%s\n' "$line"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# start_live_program NAME SECONDS: rdv-trace live on the test's relay,
# running samples/poller for SECONDS; sets REC (rdv-trace's pid), PROG (the
# poller's pid) and URL.
start_live_program() {
	local name=$1 secs=$2
	"$RDV_TRACE" live --relay "net://127.0.0.1:$RELAY_CTRL:$RELAY_DATA" --live-port "$RELAY_LIVE" \
		--name "$name" -- "$RDV_BIN/poller" --threads 3 --duration "$secs" --rate 3000 \
		--isolate-rate 50 >"$TMP/rec.out" 2>"$TMP/rec.err" &
	REC=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $REC"
	for _ in $(seq 100); do
		grep -q "live session" "$TMP/rec.err" && break
		sleep 0.1
	done
	URL=$(grep -o 'net://[^ ]*/host/[^ ]*' "$TMP/rec.err" | tail -1)
	[ -n "$URL" ] || fail "rdv-trace live printed no URL: $(cat "$TMP/rec.err")"
	PROG=$(pgrep -P "$REC" poller | head -1)
	[ -n "$PROG" ] || fail "the traced poller is not running: $(cat "$TMP/rec.err")"
}

# The session must be gone at the end (rdv-trace destroys it).
session_gone() {
	! lttng list 2>/dev/null | grep -q -- "$1"
}
