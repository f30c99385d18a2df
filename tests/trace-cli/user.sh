#!/bin/bash
# What a user meets running rdv-trace on programs that fail or do not stop
# (found by following the README and the man page as a new user):
#  - a program that exits non-zero, or is killed by a signal: rdv-trace
#    says so in one line after its summary (the summary alone hid it) and
#    exits with its status (128+N after signal N); a program that exits 0:
#    no such line;
#  - a program that ignores Ctrl-C: rdv-trace says it waits, and a second
#    Ctrl-C (a real terminal: SIGINT to the whole group; or sent to
#    rdv-trace alone) stops recording at once, keeps and summarizes the
#    trace, exits 130 and leaves the program running (it was let go, not
#    killed);
#  - attach to a process whose maps cannot be read (another user's): a
#    warning at once, not a silent session that records nothing;
#  - attach to a thread id instead of a process id: said at once, with the
#    process to attach to (it used to record nothing, then blame the program);
#  - live --view with no display: said before the program runs;
#  - live with no relay at the default ports: the error says how rdv-trace
#    starts one of its own (--view, --save DIR);
#  - --help and --version to a full disk: an error (exit 1), not success.
. "$RDV_TEST_LIB"
require_sessiond

# ---- exit statuses, said ----
"$RDV_TRACE" record -o "$TMP/st3" -- sh -c "'$RDV_BIN/hello'; exit 3" >"$TMP/out" 2>"$TMP/err"
rc=$?
cat "$TMP/err"
[ $rc -eq 3 ] || fail "exit 3: rdv-trace exited $rc"
[ "$(tail -1 "$TMP/err")" = "rdv-trace: sh exited with status 3" ] ||
	fail "exit 3 not said last: '$(tail -1 "$TMP/err")'"
grep -q "^rdv-trace: 460 events, 0 discarded" "$TMP/err" || fail "exit 3: no summary of the trace"

"$RDV_TRACE" record -o "$TMP/segv" -- sh -c 'ulimit -c 0; kill -SEGV $$' >"$TMP/out" 2>"$TMP/err"
rc=$?
cat "$TMP/err"
[ $rc -eq 139 ] || fail "SIGSEGV: rdv-trace exited $rc, expected 139"
[ "$(tail -1 "$TMP/err")" = "rdv-trace: sh was killed by SIGSEGV (Segmentation fault); exit status 139" ] ||
	fail "SIGSEGV not said last: '$(tail -1 "$TMP/err")'"

"$RDV_TRACE" record -o "$TMP/ok" -- "$RDV_BIN/hello" >"$TMP/out" 2>"$TMP/err" || fail "hello: exit $?"
grep -Eq "exited with|killed by" "$TMP/err" && fail "a program that exited 0 was reported: $(cat "$TMP/err")"

# ---- a program that ignores SIGINT (and so does the sleep it becomes) ----
ignoring="trap '' INT; '$RDV_BIN/hello'; exec sleep 40 </dev/null >/dev/null 2>&1"
# Sent to rdv-trace alone (a supervisor, kill -INT): forwarded, ignored;
# the second one stops recording.
"$RDV_TRACE" record -o "$TMP/ign" -- sh -c "$ignoring" >"$TMP/out" 2>"$TMP/err" &
rec=$!
CLEANUP_PIDS="$rec"
for _ in $(seq 100); do # hello done: its 10 isolations are in the trace
	grep -q "10 isolations" "$TMP/out" && break
	sleep 0.1
done
kill -INT "$rec"
for _ in $(seq 50); do
	grep -q "still running after SIGINT" "$TMP/err" && break
	sleep 0.1
done
grep -q "^rdv-trace: sh is still running after SIGINT; waiting for it (Ctrl-C again: " "$TMP/err" ||
	fail "no word that rdv-trace waits for a program that ignored SIGINT: $(cat "$TMP/err")"
kill -0 "$rec" 2>/dev/null || fail "rdv-trace ended at the first SIGINT of an ignoring program"
start=$(date +%s%N)
kill -INT "$rec"
wait "$rec"
rc=$?
CLEANUP_PIDS=""
ms=$((($(date +%s%N) - start) / 1000000))
cat "$TMP/err"
[ $rc -eq 130 ] || fail "second SIGINT: exit $rc, expected 130"
[ $ms -lt 5000 ] || fail "second SIGINT: rdv-trace took $ms ms to stop"
prog=$(sed -n 's/^rdv-trace: stopped recording at the second SIGINT; sh (PID \([0-9]*\)) .*/\1/p' "$TMP/err")
[ -n "$prog" ] || fail "rdv-trace did not say it stopped at the second SIGINT"
CLEANUP_PIDS="$prog"
kill -0 "$prog" 2>/dev/null || fail "the program (PID $prog) was killed, not let go"
grep -q "^rdv-trace: 460 events, 0 discarded, 3 threads in 1 process, 10 isolations granted" "$TMP/err" ||
	fail "the trace was not summarized"
[ "$(bt_grants "$TMP/ign")" -eq 10 ] || fail "the kept trace does not hold hello's 10 isolations"
kill -KILL "$prog"
CLEANUP_PIDS=""

# From a terminal: Ctrl-C twice (SIGINT to the whole foreground group).
if command -v python3 >/dev/null; then
	start=$(date +%s%N)
	python3 "$(dirname "$0")/pty-ctrl-c.py" 1.5,4.5 "$RDV_TRACE" record -o "$TMP/tty" -- \
		/bin/sh -c "$ignoring" >"$TMP/tty.out"
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	tr -d '\r' <"$TMP/tty.out" >"$TMP/tty.txt"
	cat "$TMP/tty.txt"
	prog=$(sed -n 's/.*rdv-trace: stopped recording at the second SIGINT; sh (PID \([0-9]*\)) .*/\1/p' "$TMP/tty.txt")
	[ -n "$prog" ] && CLEANUP_PIDS="$prog"
	[ $rc -eq 130 ] || fail "terminal, Ctrl-C twice: exit $rc, expected 130"
	[ $ms -lt 15000 ] || fail "terminal, Ctrl-C twice: $ms ms"
	grep -q "still running after SIGINT" "$TMP/tty.txt" || fail "terminal: no word after the first Ctrl-C"
	[ -n "$prog" ] || fail "terminal: rdv-trace did not stop at the second Ctrl-C"
	grep -q "10 isolations granted" "$TMP/tty.txt" || fail "terminal: the trace was not summarized"
	kill -0 "$prog" 2>/dev/null || fail "terminal: the program was killed, not let go"
	kill -KILL "$prog"
	CLEANUP_PIDS=""
fi

# ---- attach to a process whose maps we cannot read ----
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	sleep 30 &
	sleeper=$!
	CLEANUP_PIDS="$sleeper"
	mkdir "$TMP/nobody"
	chown 65534 "$TMP/nobody"
	start=$(date +%s%N)
	HOME=$TMP/nobody LTTNG_HOME=$TMP/nobody RDV_TRACE_AUTOSTART=0 \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$RDV_TRACE" attach "$sleeper" -o "$TMP/nobody/t" --duration 20 >"$TMP/out" 2>"$TMP/err"
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	cat "$TMP/err"
	[ $rc -eq 1 ] || fail "attach as another user: exit $rc"
	[ $ms -lt 5000 ] || fail "attach as another user: $ms ms"
	head -1 "$TMP/err" | grep -q "^rdv-trace: warning: cannot read /proc/$sleeper/maps (Permission denied): cannot check that PID $sleeper uses librdv" ||
		fail "attach as another user: no warning about /proc/$sleeper/maps"
	[ ! -e "$TMP/nobody/t" ] || fail "attach as another user left its output directory"
	kill "$sleeper"
	wait "$sleeper" 2>/dev/null
	CLEANUP_PIDS=""
else
	echo "skip: attach as another user (needs root and setpriv)"
fi

# attach to a thread id (what rdv-analyze and rdv-view show as tid): said at
# once, with the process to attach to, and nothing is left.
"$RDV_BIN/poller" --threads 2 --duration 10 --rate 500 --isolate-rate 20 >/dev/null &
server=$!
CLEANUP_PIDS="$server"
tid=
for _ in $(seq 50); do
	tid=$(ls "/proc/$server/task" 2>/dev/null | grep -vx "$server" | head -1)
	[ -n "$tid" ] && break
	sleep 0.1
done
[ -n "$tid" ] || fail "poller started no thread"
expect_error "cannot attach to PID $tid: it is a thread of process $server (attach to $server)" \
	"$RDV_TRACE" attach "$tid" -o "$TMP/tid" --duration 5
[ -e "$TMP/tid" ] && fail "attach to a thread id left its output directory"
expect_error "cannot attach to PID $tid: it is a thread of process $server" \
	"$RDV_TRACE" live --attach "$tid" --save "$TMP/tid-live"
kill "$server"
wait "$server" 2>/dev/null
CLEANUP_PIDS=""

# live --view with no display: said before anything starts (it used to run
# and record the program while the viewer failed), nothing is left.
expect_error "cannot open rdv-view: no display (set DISPLAY, or record with --save DIR" \
	env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER \
	"$RDV_TRACE" live --view --save "$TMP/nodisplay" -- "$RDV_BIN/hello"
[ -e "$TMP/nodisplay" ] && fail "live --view without a display left its --save directory"
grep -q "hello: " "$TMP/out" && fail "live --view without a display ran the program"

# live with no relay at the default ports: the error says how rdv-trace
# starts one of its own.
if ! (exec 3<>/dev/tcp/127.0.0.1/5342) 2>/dev/null; then
	expect_error "cannot reach the relay daemon at net://127.0.0.1: .*; or let rdv-trace start one: live --view, or live --save DIR" \
		"$RDV_TRACE" live -- "$RDV_BIN/hello"
else
	echo "skip: a relay answers at the default port 5342"
fi

# --help and --version to a stdout that cannot take them: an error.
if [ -c /dev/full ]; then
	for a in --help --version; do
		"$RDV_TRACE" $a >/dev/full 2>"$TMP/err"
		rc=$?
		[ $rc -eq 1 ] && [ "$(cat "$TMP/err")" = "rdv-trace: cannot write to standard output: No space left on device" ] ||
			fail "$a >/dev/full: exit $rc, '$(cat "$TMP/err")'"
	done
fi
echo "PASS $TEST"
