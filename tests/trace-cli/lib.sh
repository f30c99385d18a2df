# Helpers of the rdv-trace and samples tests (sourced). CTest sets:
#   RDV_TRACE  the rdv-trace program     RDV_BIN  the directory of the samples
set -u

TEST=$(basename "$0" .sh)
SKIP=77

fail() {
	echo "FAIL $TEST: $*" >&2
	exit 1
}

# A private temporary directory, removed at exit (with any process we
# started: kill only what is listed in $CLEANUP_PIDS).
CLEANUP_PIDS=""
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rdv-$TEST.XXXXXX") || fail "cannot create a temporary directory"
cleanup() {
	for p in $CLEANUP_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $CLEANUP_PIDS; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

# Tests that record need a session daemon (the test runner starts one).
require_sessiond() {
	command -v lttng >/dev/null || fail "lttng (package lttng-tools) is not installed"
	lttng list >/dev/null 2>&1 ||
		fail "no LTTng session daemon is reachable: start one with 'lttng-sessiond --daemonize --no-kernel'"
}

# The value of key=value in a summary line.
field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# Number of events babeltrace2 reads in a trace directory; fails when
# babeltrace2 reports anything on stderr (errors, discarded events).
bt_count() {
	local dir=$1 pattern=${2:-.}
	babeltrace2 "$dir" >"$TMP/bt.out" 2>"$TMP/bt.err" || fail "babeltrace2 cannot read $dir: $(head -3 "$TMP/bt.err")"
	[ -s "$TMP/bt.err" ] && fail "babeltrace2 warned on $dir: $(head -3 "$TMP/bt.err")"
	grep -c -- "$pattern" "$TMP/bt.out"
}

# The grants in a trace: one per isolation (the harmless bit cleared by
# isolate_grant).
bt_grants() {
	bt_count "$1" '"isolate_grant" : container = [0-9]* ), mask = ( "harmless"'
}

# A value from rdv-trace's summary line (events, discarded, threads).
summary_value() {
	sed -n "s/^rdv-trace: \([0-9]*\) events, \([0-9]*\) discarded, \([0-9]*\) threads.*/\\$2/p" "$1"
}

# Checks that the command failed with one line on stderr matching the
# pattern (a usage error may add the line "Try 'TOOL --help'."):
# expect_error PATTERN CMD...
expect_error() {
	local pattern=$1 rc lines
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -ne 0 ] || fail "'$*' succeeded, expected an error"
	lines=$(wc -l <"$TMP/err")
	if [ "$lines" -eq 2 ]; then
		tail -1 "$TMP/err" | grep -q "^Try '[a-z-]* --help'\.\$" ||
			fail "'$*': exit $rc, expected one line on stderr, got: '$(cat "$TMP/err")'"
	else
		[ "$lines" -eq 1 ] || fail "'$*': exit $rc, expected one line on stderr, got: '$(cat "$TMP/err")'"
	fi
	head -1 "$TMP/err" | grep -q -- "$pattern" || fail "'$*': stderr '$(cat "$TMP/err")' does not match '$pattern'"
}

# A usage error (COMMON.md): exit 2, "TOOL: what is wrong" matching the
# pattern, then "Try 'TOOL --help'.", nothing on stdout:
# expect_usage PATTERN CMD...
expect_usage() {
	local pattern=$1 rc tool
	shift
	tool=$(basename "$1")
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "'$*': exit $rc, expected 2 (usage error): $(cat "$TMP/err")"
	[ "$(wc -l <"$TMP/err")" -eq 2 ] || fail "'$*': expected two lines on stderr, got: '$(cat "$TMP/err")'"
	head -1 "$TMP/err" | grep -q -- "^$tool: .*$pattern" || fail "'$*': '$(head -1 "$TMP/err")' does not match '$tool: …$pattern'"
	[ "$(tail -1 "$TMP/err")" = "Try '$tool --help'." ] || fail "'$*': second line '$(tail -1 "$TMP/err")'"
	[ ! -s "$TMP/out" ] || fail "'$*': printed on stdout: $(cat "$TMP/out")"
}

# Starts lttng-relayd on three free loopback ports: sets RELAY_CTRL,
# RELAY_DATA, RELAY_LIVE, RELAY_OUT, RELAY_PID.
start_relayd() {
	local try
	command -v lttng-relayd >/dev/null || fail "lttng-relayd is not installed"
	RELAY_OUT=$TMP/relay
	mkdir -p "$RELAY_OUT"
	for try in 1 2 3 4 5 6 7 8; do
		RELAY_CTRL=$((20000 + (RANDOM * 7 + $$) % 30000))
		RELAY_DATA=$((RELAY_CTRL + 1))
		RELAY_LIVE=$((RELAY_CTRL + 2))
		lttng-relayd -C tcp://127.0.0.1:$RELAY_CTRL -D tcp://127.0.0.1:$RELAY_DATA \
			-L tcp://127.0.0.1:$RELAY_LIVE -o "$RELAY_OUT" >"$TMP/relayd.log" 2>&1 &
		RELAY_PID=$!
		for _ in $(seq 50); do
			if ! kill -0 "$RELAY_PID" 2>/dev/null; then
				break
			fi
			if (exec 3<>/dev/tcp/127.0.0.1/$RELAY_LIVE) 2>/dev/null; then
				CLEANUP_PIDS="$CLEANUP_PIDS $RELAY_PID"
				return 0
			fi
			sleep 0.1
		done
		kill "$RELAY_PID" 2>/dev/null
		wait "$RELAY_PID" 2>/dev/null
	done
	fail "cannot start lttng-relayd on loopback: $(tail -3 "$TMP/relayd.log")"
}

# Like expect_error, for commands that report progress first (attach):
# the last line on stderr is the error.
expect_error_last() {
	local pattern=$1 rc
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -ne 0 ] || fail "'$*' succeeded, expected an error"
	tail -1 "$TMP/err" | grep -q -- "$pattern" || fail "'$*': last line of '$(cat "$TMP/err")' does not match '$pattern'"
	[ "$(grep -vc '^rdv-trace: ' "$TMP/err")" -eq 0 ] || fail "'$*': stray output: $(cat "$TMP/err")"
}
