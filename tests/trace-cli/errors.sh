#!/bin/bash
# Each error a user meets: one clear line on stderr, a non-zero exit.
. "$RDV_TEST_LIB"
require_sessiond

expect_error "missing command" "$RDV_TRACE"
expect_error "unknown command 'recrod'" "$RDV_TRACE" recrod -- true
expect_error "missing program" "$RDV_TRACE" record
expect_error "cannot run 'rdv-no-such-program': command not found" "$RDV_TRACE" record -- rdv-no-such-program
expect_error "cannot run '$TMP/none': No such file or directory" "$RDV_TRACE" record -- "$TMP/none"
# exec itself fails (found, executable, not a program): nothing is left.
printf '\177ELFnot-really' >"$TMP/bad"
chmod +x "$TMP/bad"
expect_error "cannot run '$TMP/bad': Exec format error" "$RDV_TRACE" record -o "$TMP/bad-trace" -- "$TMP/bad"
[ -e "$TMP/bad-trace" ] && fail "a failed record left its output directory"
expect_error "attach: missing PID" "$RDV_TRACE" attach
expect_error "invalid PID 'x1'" "$RDV_TRACE" attach x1
expect_error "unknown option or missing value '--bogus'" "$RDV_TRACE" record --bogus -- true
expect_error "invalid --subbuf-size '3M'" "$RDV_TRACE" record --subbuf-size 3M -- true

# A PID that does not exist (the highest PID is not in use, or is us).
pid=$(cat /proc/sys/kernel/pid_max)
kill -0 "$pid" 2>/dev/null && fail "PID $pid exists"
expect_error "cannot attach to PID $pid: no such process" "$RDV_TRACE" attach "$pid"

# Output directory that cannot be created or written (a file in the way
# fails even for root).
touch "$TMP/file"
expect_error "cannot create output directory '$TMP/file/trace': Not a directory" \
	"$RDV_TRACE" record -o "$TMP/file/trace" -- "$RDV_BIN/hello"
# A directory that already holds a trace.
"$RDV_TRACE" record -o "$TMP/old" -- "$RDV_BIN/hello" >/dev/null 2>&1 || fail "record hello failed"
expect_error "already holds a trace" "$RDV_TRACE" record -o "$TMP/old" -- "$RDV_BIN/hello"

# A process without librdv, and a poller that disabled its tracepoints.
sleep 20 &
sleeper=$!
CLEANUP_PIDS="$sleeper"
expect_error_last "no rdv events from PID $sleeper: it does not use librdv" \
	"$RDV_TRACE" attach "$sleeper" -o "$TMP/sleep" --duration 0.5
RDV_TRACEPOINTS=0 "$RDV_BIN/poller" --threads 1 --duration 5 >/dev/null &
untraced=$!
CLEANUP_PIDS="$CLEANUP_PIDS $untraced"
sleep 0.5
expect_error_last "no rdv events from PID $untraced" \
	"$RDV_TRACE" attach "$untraced" -o "$TMP/untraced" --duration 0.5

# A relay that does not answer: a loopback port nobody listens on.
port=$((20000 + (RANDOM * 3 + $$) % 30000))
for p in $port $((port + 1)); do
	(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && { echo "SKIP: port $p is in use"; exit $SKIP; }
done
expect_error "cannot reach the relay daemon at net://127.0.0.1:$port:$((port + 1)): Connection refused" \
	"$RDV_TRACE" record --name "rdv-test-relayfail-$$" --relay "net://127.0.0.1:$port:$((port + 1))" -- "$RDV_BIN/hello"

expect_error "invalid relay URL 'http://x'" "$RDV_TRACE" record --relay http://x -- "$RDV_BIN/hello"
lttng list | grep -q "rdv-test-relayfail-$$" && fail "a failed record left its session behind"

# The program's exit status is passed through, and a signal death as 128+N.
"$RDV_TRACE" record -o "$TMP/st3" -- sh -c 'exit 3' >/dev/null 2>&1
[ $? -eq 3 ] || fail "exit status 3 not passed through"
"$RDV_TRACE" record -o "$TMP/st9" -- sh -c 'kill -9 $$' >/dev/null 2>&1
[ $? -eq 137 ] || fail "death by SIGKILL not passed through as 137"
echo "PASS $TEST"
