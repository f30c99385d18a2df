#!/bin/bash
# Each error a user meets: usage errors exit 2 with "rdv-trace: what" and
# "Try 'rdv-trace --help'." (COMMON.md), runtime errors one clear line and
# exit 1; none leaves a directory, a session or a process behind, and none
# waits for what it can check at once.
. "$RDV_TEST_LIB"
require_sessiond

# --version, --help
[ "$("$RDV_TRACE" --version)" = "rdv-trace (rdv) 1.1.0" ] || fail "--version: '$("$RDV_TRACE" --version)'"
"$RDV_TRACE" --help | grep -q "^Usage: rdv-trace record" || fail "--help: no usage"
"$RDV_TRACE" record --help | grep -q "^Usage: rdv-trace record" || fail "record --help: no usage"
"$RDV_TRACE" attach --version | grep -q "^rdv-trace (rdv) " || fail "attach --version"

# Usage errors: exit 2, two lines, nothing started.
expect_usage "missing command" "$RDV_TRACE"
expect_usage "unknown command 'recrod'" "$RDV_TRACE" recrod -- true
expect_usage "missing program" "$RDV_TRACE" record
expect_usage "missing program" "$RDV_TRACE" live
expect_usage "attach: missing PID" "$RDV_TRACE" attach
expect_usage "invalid PID 'x1'" "$RDV_TRACE" attach x1
expect_usage "invalid PID '0'" "$RDV_TRACE" attach 0
expect_usage "attach: unexpected argument 'extra'" "$RDV_TRACE" attach 1 extra
expect_usage "unknown option '--bogus'" "$RDV_TRACE" record --bogus -- true
expect_usage "option '-o' needs a value" "$RDV_TRACE" record -o
expect_usage "invalid --subbuf-size '3M'" "$RDV_TRACE" record --subbuf-size 3M -- true
expect_usage "invalid --subbuf-size '1K'" "$RDV_TRACE" record --subbuf-size 1K -- true
expect_usage "invalid --num-subbuf 'x'" "$RDV_TRACE" record --num-subbuf x -- true
expect_usage "invalid --duration '-1'" "$RDV_TRACE" attach 1 --duration -1
expect_usage "invalid --live-port '70000'" "$RDV_TRACE" live --live-port 70000 -- true
expect_usage "invalid session name 'a/b'" "$RDV_TRACE" record --name a/b -- true
expect_usage "invalid relay URL 'http://x'" "$RDV_TRACE" record --relay http://x -- true
expect_usage "invalid relay URL 'net://h:1'" "$RDV_TRACE" record --relay net://h:1 -- true
expect_usage "invalid relay URL 'net://:1:2'" "$RDV_TRACE" record --relay net://:1:2 -- true
expect_usage "--duration is for attach only" "$RDV_TRACE" record --duration 1 -- true
expect_usage "exclusive" "$RDV_TRACE" record -o "$TMP/x" --relay net://127.0.0.1 -- true
expect_usage "for live only" "$RDV_TRACE" record --view -- true
expect_usage "--no-follow is for a PROGRAM" "$RDV_TRACE" attach 1 --no-follow
expect_usage "-o is not for live" "$RDV_TRACE" live -o "$TMP/x" --view -- true
[ -e "$TMP/x" ] && fail "a usage error created the output directory"

# Runtime errors before anything starts: exit 1, one line, no directory.
expect_error "cannot run 'rdv-no-such-program': command not found" "$RDV_TRACE" record -o "$TMP/t1" -- rdv-no-such-program
expect_error "cannot run '$TMP/none': No such file or directory" "$RDV_TRACE" record -o "$TMP/t1" -- "$TMP/none"
mkdir "$TMP/adir"
expect_error "cannot run '$TMP/adir': Is a directory" "$RDV_TRACE" record -o "$TMP/t1" -- "$TMP/adir"
[ -e "$TMP/t1" ] && fail "a program that cannot run left its output directory"
# exec itself fails (found, executable, not a program): nothing is left.
printf '\177ELFnot-really' >"$TMP/bad"
chmod +x "$TMP/bad"
expect_error "cannot run '$TMP/bad': Exec format error" "$RDV_TRACE" record -o "$TMP/bad-trace" -- "$TMP/bad"
[ -e "$TMP/bad-trace" ] && fail "a failed record left its output directory"

# A PID that does not exist (the highest PID is not in use, or is us).
pid=$(cat /proc/sys/kernel/pid_max)
kill -0 "$pid" 2>/dev/null && fail "PID $pid exists"
expect_error "cannot attach to PID $pid: no such process" "$RDV_TRACE" attach "$pid" -o "$TMP/t2"
[ -e "$TMP/t2" ] && fail "a failed attach left its output directory"

# Output directory that cannot be created or written (a file in the way
# fails even for root).
touch "$TMP/file"
expect_error "cannot create output directory '$TMP/file/trace': Not a directory" \
	"$RDV_TRACE" record -o "$TMP/file/trace" -- "$RDV_BIN/hello"
expect_error "cannot use output directory '$TMP/file': Not a directory" \
	"$RDV_TRACE" record -o "$TMP/file" -- "$RDV_BIN/hello"
# A directory that already holds a trace.
"$RDV_TRACE" record -o "$TMP/old" -- "$RDV_BIN/hello" >/dev/null 2>&1 || fail "record hello failed"
expect_error "already holds a trace" "$RDV_TRACE" record -o "$TMP/old" -- "$RDV_BIN/hello"

# A process without librdv, and a poller that disabled its tracepoints:
# said at once (not after --duration), and no directory is left.
sleep 30 &
sleeper=$!
CLEANUP_PIDS="$sleeper"
start=$(date +%s%N)
expect_error "no rdv events from PID $sleeper: it does not use librdv" \
	"$RDV_TRACE" attach "$sleeper" -o "$TMP/sleep" --duration 20
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed_ms" -lt 5000 ] || fail "attach to a process without librdv took $elapsed_ms ms"
[ -e "$TMP/sleep" ] && fail "a failed attach left its output directory"
RDV_TRACEPOINTS=0 "$RDV_BIN/poller" --threads 1 --duration 10 >/dev/null &
untraced=$!
CLEANUP_PIDS="$CLEANUP_PIDS $untraced"
for _ in $(seq 50); do # until librdv is loaded
	grep -q librdv "/proc/$untraced/maps" 2>/dev/null && break
	sleep 0.1
done
expect_error "no rdv events from PID $untraced: it loaded librdv without its trace provider" \
	"$RDV_TRACE" attach "$untraced" -o "$TMP/untraced" --duration 20
[ -e "$TMP/untraced" ] && fail "a failed attach left its output directory"

# A librdv program that makes no rdv call while attached: the session
# ran and recorded only its statedump; the directory goes.
"$RDV_WORKLOAD" sleep 20 >"$TMP/sleep.out" &
quiet=$!
CLEANUP_PIDS="$CLEANUP_PIDS $quiet"
for _ in $(seq 50); do
	grep -qs ready "$TMP/sleep.out" && break
	sleep 0.1
done
expect_error_last "no rdv events from PID $quiet: it made no rdv call while attached" \
	"$RDV_TRACE" attach "$quiet" -o "$TMP/quiet" --duration 0.5
[ -e "$TMP/quiet" ] && fail "an attach that recorded no rdv event left its output directory"

# live --view without an rdv-view next to rdv-trace or in PATH: said
# before anything starts.
mkdir -p "$TMP/alone"
cp "$RDV_TRACE" "$TMP/alone/rdv-trace"
expect_error "cannot run rdv-view: not next to rdv-trace nor in PATH" \
	env PATH=/usr/bin:/bin "$TMP/alone/rdv-trace" live --view --save "$TMP/lv" -- "$RDV_BIN/hello"
[ -e "$TMP/lv" ] && fail "live --view without rdv-view left its --save directory"
expect_error "no rdv events from PID $sleeper: it does not use librdv" \
	"$RDV_TRACE" live --attach "$sleeper" --save "$TMP/lv2"
[ -e "$TMP/lv2" ] && fail "live --attach to a process without librdv left its --save directory"

# A relay that does not answer: a loopback port nobody listens on.
port=$((20000 + (RANDOM * 3 + $$) % 30000))
for p in $port $((port + 1)); do
	(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && { echo "SKIP: port $p is in use"; exit $SKIP; }
done
expect_error "cannot reach the relay daemon at net://127.0.0.1:$port:$((port + 1)): Connection refused" \
	"$RDV_TRACE" record --name "rdv-test-relayfail-$$" --relay "net://127.0.0.1:$port:$((port + 1))" -- "$RDV_BIN/hello"
lttng list | grep -q "rdv-test-relayfail-$$" && fail "a failed record left its session behind"

# The program's exit status is passed through, and a signal death as 128+N.
"$RDV_TRACE" record -o "$TMP/st3" -- sh -c 'exit 3' >/dev/null 2>&1
[ $? -eq 3 ] || fail "exit status 3 not passed through"
"$RDV_TRACE" record -o "$TMP/st9" -- sh -c 'kill -9 $$' >/dev/null 2>&1
[ $? -eq 137 ] || fail "death by SIGKILL not passed through as 137"
"$RDV_TRACE" record --no-follow -o "$TMP/st4" -- sh -c 'exit 4' >/dev/null 2>&1
[ $? -eq 4 ] || fail "--no-follow: exit status 4 not passed through"
echo "PASS $TEST"
